/** Per-head attention statistics for the metrics file: mean row entropy and share on the first key. */
import * as tf from '@tensorflow/tfjs';
import type { AttentionStat } from '../../../protocol/runFolder/format';
import { PAD } from '../../text/tokenizer';
import type { AttentionKind, ForwardResult } from './transformer';

/** [B, H, Q, K] weights, [B, Q] 1/0 query mask -> per head { entropy, firstShare } averaged over real queries. */
function perHead(weights: tf.Tensor4D, queryMask: tf.Tensor2D): { entropy: number[]; firstShare: number[] } {
  const [, H] = weights.shape;
  const [entropy, first] = tf.tidy(() => {
    const qm = queryMask.expandDims(1); // [B, 1, Q]
    const n = qm.sum().maximum(1).mul(tf.ones([H])); // [H] (same count for every head)
    const ent = weights.mul(weights.add(1e-12).log()).sum(-1).neg(); // [B, H, Q]
    const firstKey = weights.slice([0, 0, 0, 0], [-1, -1, -1, 1]).reshape(ent.shape); // [B, H, Q]
    return [ent.mul(qm).sum([0, 2]).div(n), firstKey.mul(qm).sum([0, 2]).div(n)];
  });
  const out = { entropy: Array.from(entropy.dataSync() as Float32Array), firstShare: Array.from(first.dataSync() as Float32Array) };
  tf.dispose([entropy, first]);
  return out;
}

export function attentionStats(result: ForwardResult, source: tf.Tensor2D | null, targetIn: tf.Tensor2D): AttentionStat[] {
  const srcMask = source ? tf.tidy(() => tf.notEqual(source, PAD).cast('float32') as tf.Tensor2D) : undefined;
  // A target query is real where its input token is (BOS counts; padding does not).
  const tgtMask = tf.tidy(() => tf.notEqual(targetIn, PAD).cast('float32') as tf.Tensor2D);
  const stats: AttentionStat[] = [];
  const add = (kind: AttentionKind, maps: tf.Tensor4D[], mask: tf.Tensor2D | undefined) => {
    if (!mask) return;
    maps.forEach((w, layer) => {
      const s = perHead(w, mask);
      s.entropy.forEach((entropy, head) => stats.push({ kind, layer, head, entropy, firstShare: s.firstShare[head] }));
    });
  };
  add('encoder-self', result.encoderSelf, srcMask);
  add('decoder-self', result.decoderSelf, tgtMask);
  add('cross', result.cross, tgtMask);
  tf.dispose([tgtMask, ...(srcMask ? [srcMask] : [])]);
  return stats;
}
