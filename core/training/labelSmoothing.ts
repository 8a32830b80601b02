/**
 * Cross-entropy with label smoothing written as KL divergence to the smoothed target
 * ("Attention is all you need", 5.4): the target puts 1 - eps on the true token and spreads eps
 * over the other tokens except <pad>; padded positions do not count.
 *
 * KL(q || p) = sum_v q_v log q_v - sum_v q_v log p_v, averaged over the non-pad positions.
 */
import * as tf from '@tensorflow/tfjs';
import { PAD } from '../text/tokenizer';

export interface LossResult {
  /** Mean KL over real target tokens (0 when every prediction equals the smoothed target). */
  loss: tf.Scalar;
  /** Mean negative log-likelihood of the true tokens (for reporting). */
  nll: tf.Scalar;
  /** Real tokens predicted right (argmax). */
  correct: tf.Scalar;
  /** Real target tokens. */
  count: tf.Scalar;
}

/** logits [B, T, V] or [N, V]; targets the same leading shape, int32, PAD ignored. */
export function labelSmoothedLoss(logits: tf.Tensor, targets: tf.Tensor, smoothing = 0.1): LossResult {
  return tf.tidy(() => {
    const V = logits.shape[logits.shape.length - 1];
    const flatLogits = logits.reshape([-1, V]); // [N, V]
    const flatTargets = targets.reshape([-1]).cast('int32'); // [N]
    const logp = tf.logSoftmax(flatLogits); // [N, V]
    const mask = tf.notEqual(flatTargets, PAD).cast('float32'); // [N]
    const count = mask.sum().maximum(1) as tf.Scalar;
    const oneHot = tf.oneHot(flatTargets, V).cast('float32'); // [N, V]
    const logpTrue = logp.mul(oneHot).sum(-1); // [N]
    const nll = logpTrue.neg().mul(mask).sum().div(count) as tf.Scalar;
    let perRow = logpTrue.neg(); // [N]
    if (smoothing > 0) {
      const others = Math.max(1, V - 2); // neither the true token nor <pad>
      const off = smoothing / others;
      const on = 1 - smoothing;
      const entropyTerm = on * Math.log(on) + smoothing * Math.log(off); // sum_v q_v log q_v
      const logpPad = logp.slice([0, PAD], [-1, 1]).reshape([-1]);
      const sumOthers = logp.sum(-1).sub(logpTrue).sub(logpPad); // [N]
      perRow = tf.scalar(entropyTerm).sub(logpTrue.mul(on)).sub(sumOthers.mul(off));
    }
    const loss = perRow.mul(mask).sum().div(count) as tf.Scalar;
    const correct = tf.equal(flatLogits.argMax(-1).cast('int32'), flatTargets).cast('float32').mul(mask).sum() as tf.Scalar;
    return { loss, nll, correct, count };
  });
}
