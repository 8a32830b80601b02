/**
 * Character- and word-level tokenizers. The vocabulary is plain data (`TokenizerJson`) stored in
 * the checkpoint beside the weights, so a checkpoint decodes the same text on any machine.
 *
 * Ids 0..3 are always the special tokens below; the rest are the vocabulary in a stable order.
 */
import { RpcError } from '../../protocol/rpc';

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
/** How models with these tokenizers decode: from <bos> to <eos>, never generating <pad> or <bos>. */
export const DECODING_TOKENS = { start: BOS, end: EOS, never: [PAD, BOS] } as const;

export type TokenizerKind = 'char' | 'word';

export interface TokenizerJson {
  kind: TokenizerKind;
  /** Every token, special ones first; a token's id is its index. */
  vocab: string[];
}

export interface EncodeOptions {
  /** 'error' (default): unknown tokens throw an invalid-input error naming them; 'unk': map to <unk>. */
  unknown?: 'error' | 'unk';
  /** Names the input in error messages, e.g. 'source' or 'line 4'. */
  what?: string;
}

/** Splits words and punctuation apart: "May 3, 1979" -> ["May", "3", ",", "1979"]. */
function splitWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** What the text surfaces (attention panel, hovers, beam tree, CLI) ask of a model's tokenizer:
 * our Tokenizer, or a family's reading of its own (a Hugging Face folder's BPE or WordPiece). */
export interface TextTokenizer {
  /** How it splits text ('char', 'word', 'byte-level-bpe', ...), for the model's description. */
  readonly kind: string;
  /** The tokens of a text as substrings of it, in order (labels for attention axes, spans for hovers). */
  tokens(text: string): string[];
  encode(text: string, options?: EncodeOptions): number[];
  /** Ids back to text, without special tokens. */
  decode(ids: readonly number[]): string;
  /** One label per id, special tokens included. */
  label(id: number): string;
  /** Ids it has (the model's output vocabulary). */
  readonly size: number;
  /** The id unknown tokens are read as (our tokenizers: UNK); absent where every text has ids (byte-level BPE). */
  readonly unknownId?: number;
}

export class Tokenizer implements TextTokenizer {
  readonly unknownId = UNK;
  readonly kind: TokenizerKind;
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(json: TokenizerJson) {
    if (json.kind !== 'char' && json.kind !== 'word') throw new RpcError('invalid-checkpoint', `tokenizer kind '${String(json.kind)}' is not 'char' or 'word'`);
    SPECIAL_TOKENS.forEach((t, i) => {
      if (json.vocab[i] !== t) throw new RpcError('invalid-checkpoint', `tokenizer vocab[${i}] is '${json.vocab[i]}', expected '${t}'`);
    });
    this.kind = json.kind;
    this.vocab = [...json.vocab];
    this.ids = new Map(this.vocab.map((t, i) => [t, i]));
    if (this.ids.size !== this.vocab.length) throw new RpcError('invalid-checkpoint', 'tokenizer vocab has duplicate tokens');
  }

  /** Builds a vocabulary from texts: every distinct token, sorted, after the special ones. */
  static fit(kind: TokenizerKind, texts: Iterable<string>): Tokenizer {
    const seen = new Set<string>();
    for (const t of texts) for (const tok of Tokenizer.split(kind, t)) seen.add(tok);
    for (const s of SPECIAL_TOKENS) seen.delete(s);
    return new Tokenizer({ kind, vocab: [...SPECIAL_TOKENS, ...[...seen].sort()] });
  }

  static split(kind: TokenizerKind, text: string): string[] {
    return kind === 'char' ? Array.from(text) : splitWords(text);
  }

  get size(): number {
    return this.vocab.length;
  }

  /** The tokens of a text as strings (labels for attention axes). */
  tokens(text: string): string[] {
    return Tokenizer.split(this.kind, text);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const pieces = this.tokens(text);
    const unknown: string[] = [];
    const ids = pieces.map((p) => {
      const id = this.ids.get(p);
      if (id === undefined || id < SPECIAL_TOKENS.length) {
        unknown.push(p);
        return UNK;
      }
      return id;
    });
    if (unknown.length > 0 && (options.unknown ?? 'error') === 'error') {
      const shown = [...new Set(unknown)].slice(0, 10).map((u) => JSON.stringify(u)).join(', ');
      throw new RpcError('invalid-input', `${options.what ?? 'input'}: ${unknown.length} token(s) not in the model's vocabulary: ${shown}`);
    }
    return ids;
  }

  /** Ids back to text; special tokens are dropped, decoding stops at the first <eos>. */
  decode(ids: readonly number[]): string {
    const out: string[] = [];
    for (const id of ids) {
      if (id === EOS) break;
      if (id < SPECIAL_TOKENS.length) continue;
      out.push(this.vocab[id] ?? SPECIAL_TOKENS[UNK]);
    }
    return this.kind === 'char' ? out.join('') : joinWords(out);
  }

  /** One label per id, special tokens included (for attention axes and beam-tree nodes). */
  label(id: number): string {
    return this.vocab[id] ?? `<${id}?>`;
  }

  toJSON(): TokenizerJson {
    return { kind: this.kind, vocab: [...this.vocab] };
  }
}

/** Joins word tokens with spaces, except before closing punctuation. */
function joinWords(words: string[]): string {
  let s = '';
  for (const w of words) s += s === '' || /^[,.;:!?)\]}]$/u.test(w) ? w : ` ${w}`;
  return s;
}
