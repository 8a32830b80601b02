/**
 * Held-out evaluation of an RNN seq2seq bundle: batched greedy decoding (exact match) and the share
 * of target tokens whose teacher-forced alignment peaks on the expected source position.
 */
import * as tf from '@tensorflow/tfjs';
import { greedyDecode } from '../../decoding/greedy';
import type { TextPair } from '../../text/corpus';
import { BOS } from '../../text/tokenizer';
import { padIds } from '../transformer/stepModel';
import type { RnnSeq2seqBundle } from './checkpoint';
import { rnnStepModel } from './stepModel';

export interface RnnEvalResult {
  exactMatch: number;
  outputs: string[];
  /** Pairs whose source does not fit the model (empty or too long); they count as wrong. */
  skipped: number;
}

export function evaluateRnnSeq2seq(bundle: RnnSeq2seqBundle, pairs: readonly TextPair[], batchSize = 100): RnnEvalResult {
  const { model, sourceTokenizer: src, targetTokenizer: tgt } = bundle;
  const outputs = new Array<string>(pairs.length).fill('');
  let correct = 0;
  let skipped = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const ids = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const ok = ids.map((r) => r.length > 0 && r.length <= model.config.maxLength);
    const rows = ids.filter((_, j) => ok[j]);
    skipped += ok.filter((x) => !x).length;
    if (rows.length === 0) continue;
    const maxTokens = Math.min(model.config.maxLength - 1, Math.max(...chunk.map((p) => tgt.encode(p.target, { unknown: 'unk' }).length)) + 2);
    const r = greedyDecode(rnnStepModel(model, rows), { batch: rows.length, maxTokens });
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
 * Teacher-forced: the alignment row that predicts target token i is expected to peak on source
 * position `expected(i, sourceLength)` (reverse: sourceLength - 1 - i); EOS rows are not counted.
 */
export function rnnAlignmentShare(
  bundle: RnnSeq2seqBundle,
  pairs: readonly TextPair[],
  expected: (i: number, sourceLength: number) => number,
  batchSize = 100,
): { share: number; tokens: number } {
  const { model, sourceTokenizer: src, targetTokenizer: tgt } = bundle;
  let hits = 0;
  let tokens = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const s = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const t = chunk.map((p) => tgt.encode(p.target, { unknown: 'unk' }));
    const sT = padIds(s);
    const tT = padIds(t.map((r) => [BOS, ...r]));
    const fwd = model.forward(sT, tT);
    const peak = tf.tidy(() => fwd.alignment.argMax(-1)); // [B, T]
    const peaks = peak.dataSync() as Int32Array;
    const T = tT.shape[1];
    tf.dispose([peak, sT, tT, fwd.logits, fwd.alignment]);
    t.forEach((row, b) => {
      for (let q = 0; q < row.length; q++) {
        tokens++;
        if (peaks[b * T + q] === expected(q, s[b].length)) hits++;
      }
    });
  }
  return { share: tokens ? hits / tokens : 0, tokens };
}
