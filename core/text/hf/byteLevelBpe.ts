/**
 * Byte-level BPE (GPT-2, RoBERTa). The text is split by GPT-2's pre-tokenizer pattern
 * (contractions, a space + letters, a space + digits, a space + other symbols, runs of
 * whitespace), each piece becomes its UTF-8 bytes written as GPT-2's byte characters ('Ġ' for a
 * space), and merges join bytes into vocabulary tokens.
 *
 * Spans: every byte remembers the UTF-16 range of the character it came from, so a token's span
 * runs from its first byte's character to its last byte's. A character split across tokens (an
 * emoji's four bytes in two tokens) lies in the span of each of them. A token's leading or
 * trailing whitespace ('Ġ') is left out of its span when the token has other characters, so a
 * hover over 'world' lights up 'world', not ' world' (HF's `trim_offsets`).
 */
import { RpcError } from '../../../protocol/rpc';
import { applyMerges, mergeRanks, type MergeRanks } from './bpeMerges';
import { BYTE_TO_CHAR, CHAR_TO_BYTE } from './byteToUnicode';
import { cleanUpTokenizationSpaces } from './cleanUpSpaces';
import type { Piece, TokenizerModel } from './hfTokenizer';
import { trimSpan } from './trimSpan';

/** GPT-2's pre-tokenizer (the `use_regex` of HF's ByteLevel pre-tokenizer). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface ByteLevelBpeArgs {
  vocab: Map<string, number>;
  merges: Iterable<readonly [string, string]>;
  /** Put a space before a text that does not start with one (default false; RoBERTa's and
   * GPT-2's shipped tokenizers leave it off). */
  addPrefixSpace?: boolean;
  /** Token for a byte sequence missing from the vocabulary; without one that is an error. */
  unkToken?: string;
  /** Undo spaces before punctuation when decoding (HF's `clean_up_tokenization_spaces`; default
   * false here, so decoding gives back the text exactly). */
  cleanUpSpaces?: boolean;
  /** The file(s) read, for messages. */
  source: string;
}

/** Words already merged: texts repeat words, and merging is the costly step. */
const CACHE_LIMIT = 50_000;

export class ByteLevelBpe implements TokenizerModel {
  readonly kind = 'byte-level-bpe' as const;
  private readonly vocab: Map<string, number>;
  private readonly byId: string[] = [];
  private readonly ranks: MergeRanks;
  private readonly addPrefixSpace: boolean;
  private readonly unkId: number | undefined;
  private readonly source: string;
  private readonly cleanUp: boolean;
  private readonly cache = new Map<string, { symbols: string[]; starts: number[] }>();

  constructor(args: ByteLevelBpeArgs) {
    this.vocab = args.vocab;
    for (const [t, id] of args.vocab) this.byId[id] = t;
    this.ranks = mergeRanks(args.merges);
    this.addPrefixSpace = args.addPrefixSpace ?? false;
    this.source = args.source;
    this.cleanUp = args.cleanUpSpaces ?? false;
    if (args.unkToken !== undefined) {
      this.unkId = args.vocab.get(args.unkToken);
      if (this.unkId === undefined) throw new RpcError('invalid-checkpoint', `${args.source}: unk token ${JSON.stringify(args.unkToken)} is not in the vocabulary`);
    }
  }

  get vocabSize(): number {
    return this.byId.length;
  }

  encode(text: string, offset: number): Piece[] {
    // With a prefix space, working position j of `work` is text position j - 1; the added space
    // itself has an empty span at the start.
    const shift = this.addPrefixSpace && !text.startsWith(' ') ? 1 : 0;
    const work = shift ? ` ${text}` : text;
    const pieces: Piece[] = [];
    for (const m of work.matchAll(GPT2_SPLIT)) {
      const word = m[0];
      const symbols: string[] = [];
      const charStart: number[] = [];
      const charEnd: number[] = [];
      for (let j = 0; j < word.length;) {
        let cp = word.codePointAt(j) as number;
        const units = cp > 0xffff ? 2 : 1;
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate: encoded as U+FFFD, as TextEncoder does
        const at = m.index + j - shift;
        const start = Math.max(0, at);
        const end = at < 0 ? 0 : at + units;
        for (const b of utf8(cp)) {
          symbols.push(BYTE_TO_CHAR[b]);
          charStart.push(start);
          charEnd.push(end);
        }
        j += units;
      }
      const merged = this.merge(symbols.join(''), symbols);
      for (let k = 0; k < merged.symbols.length; k++) {
        const first = merged.starts[k];
        const last = (k + 1 < merged.starts.length ? merged.starts[k + 1] : symbols.length) - 1;
        const token = merged.symbols[k];
        const [start, end] = trimSpan(text, charStart[first], charEnd[last]);
        pieces.push({ id: this.idOf(token), token, start: offset + start, end: offset + end });
      }
    }
    return pieces;
  }

  decode(tokens: readonly string[]): string {
    const bytes: number[] = [];
    for (const t of tokens) {
      const mapped = tokenBytes(t);
      if (mapped) bytes.push(...mapped);
      else bytes.push(...new TextEncoder().encode(t)); // an added token such as '<|endoftext|>'
    }
    const text = new TextDecoder('utf-8').decode(new Uint8Array(bytes));
    return this.cleanUp ? cleanUpTokenizationSpaces(text) : text;
  }

  label(token: string): string {
    const bytes = tokenBytes(token);
    if (!bytes) return token;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes));
    // Part of a character (an emoji's first bytes): its bytes in hex say more than a U+FFFD.
    if (text.includes('\ufffd') && !token.includes('\ufffd')) return `<${bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
    return text;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId[id];
  }

  private merge(key: string, symbols: string[]): { symbols: string[]; starts: number[] } {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const merged = applyMerges(symbols, this.ranks);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, merged);
    return merged;
  }

  private idOf(token: string): number {
    const id = this.vocab.get(token);
    if (id !== undefined) return id;
    if (this.unkId !== undefined) return this.unkId;
    throw new RpcError('invalid-checkpoint', `${this.source}: the vocabulary has no token ${JSON.stringify(token)} (text ${JSON.stringify(this.label(token))}) and no unk token; a byte-level vocabulary needs all 256 byte symbols`);
  }
}

/** The bytes a token's characters stand for, or undefined if one is not a byte character. */
function tokenBytes(token: string): number[] | undefined {
  const out: number[] = [];
  for (const c of token) {
    const b = CHAR_TO_BYTE.get(c);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
