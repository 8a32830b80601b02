/** The ViT MLP's pieces: the exact GELU and a dense projection over the last axis. */
import * as tf from '@tensorflow/tfjs';

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
