/**
 * A Hugging Face tokenizer read from a model folder, with what the editor needs beyond ids: each
 * token's character span in the input, so hovers map editor positions to tokens and back.
 *
 * Not the repo's `Tokenizer` (core/text/tokenizer.ts): that one is a concrete class whose ids 0..3
 * are fixed special tokens and whose vocabulary lives in our checkpoints; Hugging Face folders bring
 * their own ids, special tokens and templates, so they get this interface.
 *
 * The pipeline is the one of HF's `tokenizers`: split the input around added tokens (special tokens
 * written in the text, such as `<|endoftext|>`), run the model (byte-level BPE, WordPiece, unigram)
 * on each stretch between them, then wrap the result in the post-processing template
 * (`[CLS] $A [SEP]`, `<s> $A </s>`) with its token type ids.
 */
import type { TokenSpan } from '../../../protocol/attention';
import { type AddedToken, splitOnAddedTokens } from './addedTokens';
import { applyTemplate, type PostTemplate } from './postTemplate';

/** One model token of a stretch of text. */
export interface Piece {
  id: number;
  /** The vocabulary string (e.g. 'Ġworld', '##ing', '▁the'). */
  token: string;
  /** [start, end) UTF-16 offsets into the whole input. */
  start: number;
  end: number;
}

/** A tokenizer model: text without added tokens -> pieces, and tokens -> text. */
export interface TokenizerModel {
  readonly kind: HfTokenizerKind;
  /** Pieces of `text`, which starts at offset `offset` of the whole input (and is a whole stretch
   * between added tokens, or all of it). */
  encode(text: string, offset: number): Piece[];
  /** Tokens (model and added ones, in order) back to text. */
  decode(tokens: readonly string[]): string;
  /** A readable label of one token for attention axes (e.g. ' world' for 'Ġworld'). */
  label(token: string): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  readonly vocabSize: number;
}

export type HfTokenizerKind = 'byte-level-bpe' | 'wordpiece' | 'unigram';

export type SpecialRole = 'bos' | 'eos' | 'unk' | 'sep' | 'pad' | 'cls' | 'mask';
export const SPECIAL_ROLES: readonly SpecialRole[] = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'];

export interface SpecialToken {
  token: string;
  id: number;
}

export interface HfEncoding {
  ids: number[];
  tokens: string[];
  /** [start, end) UTF-16 offsets into the token's own input (`sequence` says which); tokens the
   * template adds get an empty span where they stand: [0, 0] before the text, [n, n] after the
   * text (or pair) of length n they follow. */
  spans: TokenSpan[];
  /** Token type (segment) ids: 0 for the first text, 1 for the second where the template says so. */
  typeIds: number[];
  /** True for special tokens, template-added or written in the text. */
  special: boolean[];
  /** Which input a token came from: 0 (text), 1 (pair), null (template). */
  sequence: (0 | 1 | null)[];
}

export interface HfEncodeOptions {
  /** Add the template's special tokens (default true, as HF). */
  addSpecialTokens?: boolean;
  /** A second text, for the pair template (BERT's sentence B). */
  pair?: string;
}

export interface HfDecodeOptions {
  /** Drop special tokens (default false, as HF). */
  skipSpecialTokens?: boolean;
}

export interface HfTokenizerParts {
  model: TokenizerModel;
  addedTokens: readonly AddedToken[];
  special: Partial<Record<SpecialRole, SpecialToken>>;
  template: PostTemplate;
  /** What the tokenizer was read from, for messages. */
  source: string;
}

export class HfTokenizer {
  readonly kind: HfTokenizerKind;
  readonly source: string;
  /** Special tokens by role, as the folder's files name them. */
  readonly special: Readonly<Partial<Record<SpecialRole, SpecialToken>>>;
  private readonly model: TokenizerModel;
  private readonly added: readonly AddedToken[];
  private readonly addedById: Map<number, AddedToken>;
  private readonly specialIds: Set<number>;
  private readonly template: PostTemplate;

  constructor(parts: HfTokenizerParts) {
    this.model = parts.model;
    this.kind = parts.model.kind;
    this.source = parts.source;
    this.special = parts.special;
    this.added = parts.addedTokens;
    this.addedById = new Map(parts.addedTokens.map((t) => [t.id, t]));
    this.template = parts.template;
    this.specialIds = new Set([
      ...parts.addedTokens.filter((t) => t.special).map((t) => t.id),
      ...Object.values(parts.special).map((s) => s.id),
      ...parts.template.specialIds,
    ]);
  }

  /** Ids including added tokens (the embedding matrix has at least this many rows). */
  get vocabSize(): number {
    return Math.max(this.model.vocabSize, ...this.added.map((t) => t.id + 1));
  }

  encode(text: string, options: HfEncodeOptions = {}): HfEncoding {
    const a = this.encodeText(text);
    const b = options.pair === undefined ? undefined : this.encodeText(options.pair);
    if (options.addSpecialTokens === false) {
      const all = [...a.map((p) => ({ ...p, sequence: 0 as const })), ...(b ?? []).map((p) => ({ ...p, sequence: 1 as const }))];
      return {
        ids: all.map((p) => p.id),
        tokens: all.map((p) => p.token),
        spans: all.map((p): TokenSpan => [p.start, p.end]),
        typeIds: all.map((p) => (p.sequence === 1 ? 1 : 0)),
        special: all.map((p) => this.specialIds.has(p.id)),
        sequence: all.map((p) => p.sequence),
      };
    }
    return applyTemplate(this.template, a, b, { length: text.length, pairLength: options.pair?.length ?? 0, isSpecial: (id) => this.specialIds.has(id) });
  }

  decode(ids: readonly number[], options: HfDecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (options.skipSpecialTokens && this.specialIds.has(id)) continue;
      const t = this.idToToken(id);
      if (t !== undefined) tokens.push(t);
    }
    return this.model.decode(tokens);
  }

  /** Readable label of an id for attention axes and beam nodes; `<id?>` for an unknown id. */
  label(id: number): string {
    const added = this.addedById.get(id);
    if (added) return added.content;
    const t = this.model.idToToken(id);
    return t === undefined ? `<${id}?>` : this.model.label(t);
  }

  tokenToId(token: string): number | undefined {
    return this.added.find((t) => t.content === token)?.id ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  private encodeText(text: string): Piece[] {
    const pieces: Piece[] = [];
    for (const part of splitOnAddedTokens(text, this.added)) {
      if (part.added) pieces.push({ id: part.added.id, token: part.added.content, start: part.start, end: part.end });
      else pieces.push(...this.model.encode(text.slice(part.start, part.end), part.start));
    }
    return pieces;
  }
}
