/**
 * Layer normalisation over the last axis, the one version every model uses (Transformer, ViT):
 * (x - mean) / sqrt(var + eps) * gamma + beta, with the biased variance. On wasm it runs as the
 * two fused kernels of core/backend/wasmKernels/layerNorm.ts (forward, exact gradient); elsewhere,
 * or where those do not apply, as tfjs ops, the same formula.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedLayerNorm } from '../backend/wasmKernels/layerNorm';

export interface LayerNormParams {
  /** [d] */
  gamma: tf.Tensor;
  /** [d] */
  beta: tf.Tensor;
  epsilon: number;
}

export function layerNorm<T extends tf.Tensor>(x: T, n: LayerNormParams): T {
  const fused = fusedLayerNorm(x, n.gamma, n.beta, n.epsilon);
  if (fused) return fused as T;
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(n.epsilon))).mul(n.gamma).add(n.beta) as T;
  });
}
