/** Position-wise feed-forward network: relu(x W1 + b1) W2 + b2, [B, T, D] -> [B, T, D]. */
import * as tf from '@tensorflow/tfjs';
import { createLinear, linear, type LinearWeights } from '../../nn/linear';
import type { ParamStore } from '../../nn/paramStore';

export interface FeedForwardWeights {
  inner: LinearWeights;
  outer: LinearWeights;
}

export function createFeedForward(p: ParamStore, name: string, dModel: number, dFF: number): FeedForwardWeights {
  return { inner: createLinear(p, `${name}/inner`, dModel, dFF), outer: createLinear(p, `${name}/outer`, dFF, dModel) };
}

export function feedForward(x: tf.Tensor, f: FeedForwardWeights, dropout: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  return linear(dropout(tf.relu(linear(x, f.inner))), f.outer);
}
