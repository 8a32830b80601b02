/**
 * Attention masks as additive biases: 0 where a query may look, -1e9 where it may not. Added to
 * the scores before softmax, a -1e9 bias gives exactly zero weight in float32.
 *
 * Axis order of every attention tensor in the engine: [batch, heads, query, key].
 */
import * as tf from '@tensorflow/tfjs';
import { PAD } from '../../text/tokenizer';

export const MASKED = -1e9;

/** ids [B, S] -> [B, 1, 1, S]: -1e9 on padded keys. */
export function paddingBias(ids: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, s] = ids.shape;
    return tf.equal(ids, PAD).cast('float32').mul(MASKED).reshape([b, 1, 1, s]);
  });
}

/** [1, 1, T, T]: -1e9 above the diagonal (query t must not see keys after t). */
export function causalBias(t: number): tf.Tensor4D {
  return tf.tidy(() => {
    const lower = tf.linalg.bandPart(tf.ones([t, t]), -1, 0); // 1 on and below the diagonal
    return tf.sub(1, lower).mul(MASKED).reshape([1, 1, t, t]);
  });
}
