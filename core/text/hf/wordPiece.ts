/**
 * WordPiece (BERT, DistilBERT): after BERT's normalisation and word splitting, each word is cut
 * greedily into the longest vocabulary entries from the left, continuation pieces carrying the
 * '##' prefix. A word with a part no entry covers, or longer than `maxInputCharsPerWord`
 * characters, becomes one [UNK] spanning the whole word.
 */
import { RpcError } from '../../../protocol/rpc';
import { bertWords, type BertNormalizerArgs } from './bertNormalizer';
import { cleanUpTokenizationSpaces } from './cleanUpSpaces';
import type { Piece, TokenizerModel } from './hfTokenizer';

export interface WordPieceArgs {
  vocab: Map<string, number>;
  unkToken: string;
  /** Default '##'. */
  continuingPrefix?: string;
  /** Default 100 (HF's). */
  maxInputCharsPerWord?: number;
  normalizer?: BertNormalizerArgs;
  /** Undo WordPiece's spaces before punctuation and in contractions when decoding (default true). */
  cleanUpSpaces?: boolean;
  source: string;
}

export class WordPiece implements TokenizerModel {
  readonly kind = 'wordpiece' as const;
  private readonly vocab: Map<string, number>;
  private readonly byId: string[] = [];
  private readonly unkId: number;
  private readonly unkToken: string;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly normalizer: BertNormalizerArgs;
  private readonly cleanUp: boolean;

  constructor(args: WordPieceArgs) {
    this.vocab = args.vocab;
    for (const [t, id] of args.vocab) this.byId[id] = t;
    const unk = args.vocab.get(args.unkToken);
    if (unk === undefined) throw new RpcError('invalid-checkpoint', `${args.source}: unk token ${JSON.stringify(args.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    this.unkToken = args.unkToken;
    this.prefix = args.continuingPrefix ?? '##';
    this.maxChars = args.maxInputCharsPerWord ?? 100;
    this.normalizer = args.normalizer ?? {};
    this.cleanUp = args.cleanUpSpaces ?? true;
  }

  get vocabSize(): number {
    return this.byId.length;
  }

  encode(text: string, offset: number): Piece[] {
    const pieces: Piece[] = [];
    for (const w of bertWords(text, this.normalizer)) {
      const n = w.chars.length;
      const wordPieces: Piece[] = [];
      let ok = n <= this.maxChars;
      for (let start = 0; ok && start < n;) {
        let found: Piece | undefined;
        for (let end = n; end > start; end--) {
          const sub = (start > 0 ? this.prefix : '') + w.chars.slice(start, end).join('');
          const id = this.vocab.get(sub);
          if (id !== undefined) {
            found = { id, token: sub, start: offset + w.starts[start], end: offset + w.ends[end - 1] };
            start = end;
            break;
          }
        }
        if (found) wordPieces.push(found);
        else ok = false;
      }
      if (ok) pieces.push(...wordPieces);
      else pieces.push({ id: this.unkId, token: this.unkToken, start: offset + w.starts[0], end: offset + w.ends[n - 1] });
    }
    return pieces;
  }

  decode(tokens: readonly string[]): string {
    let s = '';
    tokens.forEach((t, i) => {
      if (t.startsWith(this.prefix)) s += t.slice(this.prefix.length);
      else s += i === 0 ? t : ` ${t}`;
    });
    return this.cleanUp ? cleanUpTokenizationSpaces(s) : s;
  }

  label(token: string): string {
    return token;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId[id];
  }
}
