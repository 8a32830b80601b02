/** Dense projection and the layer norm's weights; the norm itself is the shared one (core/models/common/layerNorm.ts). */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from './paramStore';

export { layerNorm } from './layerNorm';

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
