/**
 * SentencePiece's unigram model (Marian's source.spm / target.spm, T5, ALBERT): after the
 * normaliser, the text is cut into the pieces whose scores (log-probabilities) sum highest, by
 * Viterbi over character positions. Where no piece covers a character, an unknown piece with the
 * lowest score minus 10 stands for it (runs of them merged into one, as SentencePiece does), or,
 * with byte fallback, the character's bytes as <0xXX> pieces. '▁' marks a word start.
 *
 * Spans come from the normaliser's origin map, so they point into the text as typed even where
 * NFKC changed it; a piece's leading '▁' (a space in the input) is left out of its span. The '▁'
 * put before the text (add_dummy_prefix), when it is a piece of its own, stands for no input
 * character and gets an empty span at the start.
 */
import { RpcError } from '../../../protocol/rpc';
import type { Piece, TokenizerModel } from './hfTokenizer';
import { trimSpan } from './trimSpan';
import { PieceType, type SentencePieceModelProto } from './sentencePieceModel';
import { SpmNormalizer } from './spmNormalizer';

/** SentencePiece's penalty for an unknown piece below the lowest score. */
const UNK_PENALTY = 10;
const SPACE_SYMBOL = '\u2581';

export interface UnigramArgs {
  proto: SentencePieceModelProto;
  /** Ids from another table (Marian's vocab.json) instead of the pieces' order; pieces missing
   * from it get the id of `unkToken`. */
  vocab?: Map<string, number>;
  unkToken?: string;
  source: string;
}

interface Entry {
  index: number;
  score: number;
  type: PieceType;
}

export class Unigram implements TokenizerModel {
  readonly kind = 'unigram' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly pieces: string[];
  private readonly maxPieceLength: number;
  private readonly unkScore: number;
  private readonly maxScore: number;
  private readonly indexOfPiece = new Map<string, number>();
  private readonly byteFallback: boolean;
  private readonly normalizer: SpmNormalizer;
  private readonly vocab: Map<string, number> | undefined;
  private readonly byId: string[] = [];
  private readonly unkId: number;
  private readonly addDummyPrefix: boolean;

  constructor(args: UnigramArgs) {
    const { proto, source } = args;
    if (proto.modelType !== 'unigram') throw new RpcError('invalid-checkpoint', `${source}: is a SentencePiece ${proto.modelType} model; only unigram models are supported`);
    this.pieces = proto.pieces.map((p) => p.piece);
    let min = Infinity;
    let max = -Infinity;
    let longest = 1;
    proto.pieces.forEach((p, index) => {
      if (!this.indexOfPiece.has(p.piece)) this.indexOfPiece.set(p.piece, index);
      if (p.type === PieceType.Normal) {
        min = Math.min(min, p.score);
        max = Math.max(max, p.score);
      }
      if (p.type === PieceType.Normal || p.type === PieceType.UserDefined) {
        if (!this.entries.has(p.piece)) this.entries.set(p.piece, { index, score: p.score, type: p.type });
        longest = Math.max(longest, [...p.piece].length);
      }
    });
    this.maxPieceLength = longest;
    this.unkScore = (Number.isFinite(min) ? min : 0) - UNK_PENALTY;
    this.maxScore = Number.isFinite(max) ? max : 0;
    if (proto.pieces[proto.unkId]?.type !== PieceType.Unknown) throw new RpcError('invalid-checkpoint', `${source}: unk_id ${proto.unkId} is not an unknown piece`);
    this.byteFallback = proto.byteFallback;
    this.addDummyPrefix = proto.normalizer.addDummyPrefix;
    try {
      this.normalizer = new SpmNormalizer(proto.normalizer, source);
    } catch (err) {
      throw new RpcError('invalid-checkpoint', (err as Error).message);
    }
    this.vocab = args.vocab;
    if (args.vocab) {
      for (const [t, id] of args.vocab) this.byId[id] = t;
      const unkToken = args.unkToken ?? this.pieces[proto.unkId];
      const unk = args.vocab.get(unkToken);
      if (unk === undefined) throw new RpcError('invalid-checkpoint', `${source}: unk token ${JSON.stringify(unkToken)} is not in the vocabulary`);
      this.unkId = unk;
    } else {
      this.pieces.forEach((p, i) => (this.byId[i] = p));
      this.unkId = proto.unkId;
    }
  }

  get vocabSize(): number {
    return this.byId.length;
  }

  encode(text: string, offset: number): Piece[] {
    const norm = this.normalizer.normalize(text);
    const s = norm.text;
    const starts: number[] = []; // UTF-16 start of each code point, then the end
    for (let i = 0; i < s.length; i += (s.codePointAt(i) as number) > 0xffff ? 2 : 1) starts.push(i);
    const m = starts.length;
    starts.push(s.length);
    const best = new Float64Array(m + 1).fill(-Infinity);
    const from = new Int32Array(m + 1).fill(-1);
    const chosen = new Int32Array(m + 1).fill(-1); // piece index, or -1 for unknown
    best[0] = 0;
    for (let i = 0; i < m; i++) {
      if (best[i] === -Infinity) continue;
      let single = false;
      for (let len = 1; len <= this.maxPieceLength && i + len <= m; len++) {
        const e = this.entries.get(s.slice(starts[i], starts[i + len]));
        if (!e) continue;
        const score = e.type === PieceType.UserDefined ? len * this.maxScore - 0.1 : e.score;
        if (best[i] + score > best[i + len]) {
          best[i + len] = best[i] + score;
          from[i + len] = i;
          chosen[i + len] = e.index;
        }
        if (len === 1) single = true;
      }
      if (!single && best[i] + this.unkScore > best[i + 1]) {
        best[i + 1] = best[i] + this.unkScore;
        from[i + 1] = i;
        chosen[i + 1] = -1;
      }
    }
    const path: { a: number; b: number; piece: number }[] = [];
    for (let j = m; j > 0; j = from[j]) path.push({ a: from[j], b: j, piece: chosen[j] });
    path.reverse();

    const out: Piece[] = [];
    const push = (a: number, b: number, token: string, id: number) => {
      const [start, end] = trimSpan(text, norm.origin[starts[a]], norm.origin[starts[b]]);
      out.push({ id, token, start: offset + start, end: offset + end });
    };
    for (let k = 0; k < path.length; k++) {
      const { a, piece } = path[k];
      let { b } = path[k];
      if (piece >= 0) {
        push(a, b, this.pieces[piece], this.idOf(this.pieces[piece]));
        continue;
      }
      while (k + 1 < path.length && path[k + 1].piece < 0) b = path[++k].b; // one unknown for a run
      const surface = s.slice(starts[a], starts[b]);
      const bytes = this.byteFallback ? [...new TextEncoder().encode(surface)].map((x) => `<0x${x.toString(16).toUpperCase().padStart(2, '0')}>`) : [];
      if (bytes.length > 0 && bytes.every((t) => (this.vocab ? this.vocab.has(t) : this.indexOfPiece.has(t)))) {
        for (const t of bytes) push(a, b, t, this.idOf(t));
      } else {
        push(a, b, surface, this.unkId);
      }
    }
    return out;
  }

  decode(tokens: readonly string[]): string {
    let text = '';
    let pending: number[] = [];
    const flush = () => {
      if (pending.length > 0) text += new TextDecoder('utf-8').decode(new Uint8Array(pending));
      pending = [];
    };
    for (const t of tokens) {
      const byte = /^<0x([0-9A-F]{2})>$/.exec(t);
      if (byte) {
        pending.push(parseInt(byte[1], 16));
        continue;
      }
      flush();
      text += t;
    }
    flush();
    text = text.replaceAll(SPACE_SYMBOL, ' ');
    return this.addDummyPrefix && text.startsWith(' ') ? text.slice(1) : text;
  }

  label(token: string): string {
    return token.replaceAll(SPACE_SYMBOL, ' ');
  }

  tokenToId(token: string): number | undefined {
    return this.vocab ? this.vocab.get(token) : this.indexOfPiece.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId[id];
  }

  private idOf(piece: string): number {
    if (this.vocab) return this.vocab.get(piece) ?? this.unkId;
    return this.indexOfPiece.get(piece) ?? this.unkId;
  }
}
