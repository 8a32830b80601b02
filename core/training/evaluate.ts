/** Held-out evaluation of a Transformer seq2seq bundle: batched greedy decoding, exact match. */
import * as tf from '@tensorflow/tfjs';
import { greedyDecode } from '../decoding/greedy';
import type { TransformerBundle } from '../models/transformer/checkpoint';
import { padIds, transformerStepModel } from '../models/transformer/stepModel';
import { BOS } from '../text/tokenizer';
import { RpcError } from '../../protocol/rpc';
import type { TextPair } from '../text/corpus';

export interface EvalResult {
  exactMatch: number;
  outputs: string[];
  /** Pairs skipped because their source does not fit the model (too long or unknown tokens). */
  skipped: number;
}

export function evaluateSeq2Seq(bundle: TransformerBundle, pairs: readonly TextPair[], batchSize = 100): EvalResult {
  const src = bundle.sourceTokenizer;
  if (!src) throw new RpcError('unsupported', 'exact-match evaluation needs an encoder-decoder model');
  const outputs: string[] = new Array<string>(pairs.length).fill('');
  let correct = 0;
  let skipped = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const ids = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const ok = ids.map((r) => r.length > 0 && r.length <= bundle.model.config.maxLength);
    const rows = ids.filter((_, j) => ok[j]);
    skipped += ok.filter((x) => !x).length;
    if (rows.length === 0) continue;
    const maxTokens = Math.min(bundle.model.config.maxLength - 1, Math.max(...chunk.map((p) => bundle.targetTokenizer.encode(p.target, { unknown: 'unk' }).length)) + 2);
    const r = greedyDecode(transformerStepModel(bundle.model, rows), { batch: rows.length, maxTokens });
    let k = 0;
    chunk.forEach((p, j) => {
      if (!ok[j]) return;
      const out = bundle.targetTokenizer.decode(r.tokens[k++]);
      outputs[i + j] = out;
      if (out === p.target) correct++;
    });
  }
  return { exactMatch: pairs.length ? correct / pairs.length : 0, outputs, skipped };
}

export interface AlignmentResult {
  /** Share of target tokens whose last-layer cross-attention, averaged over heads, peaks on the expected source position. */
  share: number;
  tokens: number;
}

/**
 * Teacher-forced: for each pair, decoder position i (which predicts target token i) is expected to
 * attend most to source position `expected(i, sourceLength)`; EOS positions are not counted.
 * Reverse: expected = sourceLength - 1 - i.
 */
export function crossAttentionAlignment(
  bundle: TransformerBundle,
  pairs: readonly TextPair[],
  expected: (i: number, sourceLength: number) => number,
  batchSize = 100,
): AlignmentResult {
  const { model, sourceTokenizer: src, targetTokenizer: tgt } = bundle;
  if (!src || model.config.kind !== 'seq2seq') throw new RpcError('unsupported', 'cross-attention alignment needs an encoder-decoder model');
  let hits = 0;
  let tokens = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const s = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const t = chunk.map((p) => tgt.encode(p.target, { unknown: 'unk' }));
    const sT = padIds(s);
    const tT = padIds(t.map((r) => [BOS, ...r]));
    const fwd = model.forward(sT, tT);
    const peak = tf.tidy(() => (fwd.cross[fwd.cross.length - 1].mean(1) as tf.Tensor3D).argMax(-1)); // [B, T]
    const peaks = peak.dataSync() as Int32Array;
    const T = tT.shape[1];
    tf.dispose([peak, sT, tT, fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross]);
    t.forEach((row, b) => {
      for (let q = 0; q < row.length; q++) {
        tokens++;
        if (peaks[b * T + q] === expected(q, s[b].length)) hits++;
      }
    });
  }
  return { share: tokens ? hits / tokens : 0, tokens };
}
