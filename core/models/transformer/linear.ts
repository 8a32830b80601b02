/** Dense projection and layer normalisation over the last axis, as tfjs ops (layer norm as fused kernels on wasm). */
import * as tf from '@tensorflow/tfjs';
import { fusedLayerNorm } from '../../backend/wasmKernels/layerNorm';
import type { ParamStore } from './params';

export interface LinearWeights {
  /** [dIn, dOut] */
  w: tf.Variable;
  /** [dOut] */
  b: tf.Variable;
}

export function createLinear(p: ParamStore, name: string, dIn: number, dOut: number): LinearWeights {
  return { w: p.glorot(`${name}/w`, dIn, dOut), b: p.zeros(`${name}/b`, [dOut]) };
}

/** x [..., dIn] -> [..., dOut], as one 2-D product (the fast path on wasm). */
export function linear(x: tf.Tensor, l: LinearWeights): tf.Tensor {
  const shape = x.shape;
  const dIn = shape[shape.length - 1] as number;
  const dOut = l.w.shape[1] as number;
  const y = tf.matMul(x.reshape([-1, dIn]), l.w).add(l.b); // [N, dOut]
  return y.reshape([...shape.slice(0, -1), dOut]);
}

export interface LayerNormWeights {
  /** [d] */
  gamma: tf.Variable;
  /** [d] */
  beta: tf.Variable;
  epsilon: number;
}

export function createLayerNorm(p: ParamStore, name: string, d: number, epsilon: number): LayerNormWeights {
  return { gamma: p.ones(`${name}/gamma`, [d]), beta: p.zeros(`${name}/beta`, [d]), epsilon };
}

/** Normalises over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta (fused kernels on wasm). */
export function layerNorm(x: tf.Tensor, n: LayerNormWeights): tf.Tensor {
  const fused = fusedLayerNorm(x, n.gamma, n.beta, n.epsilon);
  if (fused) return fused;
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(n.epsilon))).mul(n.gamma).add(n.beta);
}
