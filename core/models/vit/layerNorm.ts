/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
import * as tf from '@tensorflow/tfjs';

export const LAYER_NORM_EPSILON = 1e-5;

export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(LAYER_NORM_EPSILON))).mul(gamma).add(beta) as T;
  });
}

/** GELU, exact form 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)) as T);
}

/** x [..., in] @ kernel [in, out] + bias, as one 2-D product (the fast path on wasm). */
export function dense(x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const flat = x.reshape([-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
    return tf.matMul(flat, kernel).add(bias).reshape([...lead, kernel.shape[1]]);
  });
}
