/**
 * Held-out evaluation of the seq2seq models (Transformer, RNN seq2seq): batched greedy decoding
 * (exact match), and the share of target tokens whose teacher-forced attention peaks on the
 * expected source position. Each model gives its step model and its peaks (Seq2seqEvaluable); the
 * loops are shared.
 */
import * as tf from '@tensorflow/tfjs';
import { greedyDecode } from '../decoding/greedy';
import type { StepModel } from '../decoding/stepModel';
import { padIds } from '../nn/padding';
import { BOS, type Tokenizer } from '../text/tokenizer';
import type { TextPair } from '../text/corpus';

export interface EvalResult {
  exactMatch: number;
  outputs: string[];
  /** Pairs skipped because their source does not fit the model (empty or too long); they count as wrong. */
  skipped: number;
}

export interface AlignmentResult {
  /** Share of target tokens whose attention peaks on the expected source position. */
  share: number;
  tokens: number;
}

/** What evaluation needs of a seq2seq model. */
export interface Seq2seqEvaluable {
  sourceTokenizer: Tokenizer;
  targetTokenizer: Tokenizer;
  maxLength: number;
  /** The decoders' view of the model over a batch of source rows. */
  stepModel(sources: number[][]): StepModel<unknown>;
  /** Teacher-forced: source [B, S] and decoder input [B, T] -> the source position each decoder
   * position attends to most [B * T] (row-major). */
  attentionPeaks(source: tf.Tensor2D, targetIn: tf.Tensor2D): Int32Array;
}

export function exactMatch(m: Seq2seqEvaluable, pairs: readonly TextPair[], batchSize = 100): EvalResult {
  const { sourceTokenizer: src, targetTokenizer: tgt } = m;
  const outputs = new Array<string>(pairs.length).fill('');
  let correct = 0;
  let skipped = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const ids = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const ok = ids.map((r) => r.length > 0 && r.length <= m.maxLength);
    const rows = ids.filter((_, j) => ok[j]);
    skipped += ok.filter((x) => !x).length;
    if (rows.length === 0) continue;
    const maxTokens = Math.min(m.maxLength - 1, Math.max(...chunk.map((p) => tgt.encode(p.target, { unknown: 'unk' }).length)) + 2);
    const r = greedyDecode(m.stepModel(rows), { batch: rows.length, maxTokens });
    let k = 0;
    chunk.forEach((p, j) => {
      if (!ok[j]) return;
      const out = tgt.decode(r.tokens[k++]);
      outputs[i + j] = out;
      if (out === p.target) correct++;
    });
  }
  return { exactMatch: pairs.length ? correct / pairs.length : 0, outputs, skipped };
}

/**
 * Teacher-forced: for each pair, decoder position i (which predicts target token i) is expected to
 * attend most to source position `expected(i, sourceLength)`; EOS positions are not counted.
 * Reverse: expected = sourceLength - 1 - i.
 */
export function alignmentShare(m: Seq2seqEvaluable, pairs: readonly TextPair[], expected: (i: number, sourceLength: number) => number, batchSize = 100): AlignmentResult {
  const { sourceTokenizer: src, targetTokenizer: tgt } = m;
  let hits = 0;
  let tokens = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const s = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const t = chunk.map((p) => tgt.encode(p.target, { unknown: 'unk' }));
    const sT = padIds(s);
    const tT = padIds(t.map((r) => [BOS, ...r]));
    const T = tT.shape[1];
    let peaks: Int32Array;
    try {
      peaks = m.attentionPeaks(sT, tT);
    } finally {
      tf.dispose([sT, tT]);
    }
    t.forEach((row, b) => {
      for (let q = 0; q < row.length; q++) {
        tokens++;
        if (peaks[b * T + q] === expected(q, s[b].length)) hits++;
      }
    });
  }
  return { share: tokens ? hits / tokens : 0, tokens };
}
