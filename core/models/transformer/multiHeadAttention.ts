/**
 * Multi-head scaled dot-product attention built from tfjs ops, returning its weights beside its
 * output: per head softmax(Q K^T / sqrt(d_k) + bias) V, heads concatenated and projected.
 *
 * Shapes: query [B, T, D]; keys/values per head [B, H, S, dk]; weights [B, H, T, S].
 * Keys and values are projected separately (`projectKeyValue`) so that decoding can cache them.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { createLinear, linear, type LinearWeights } from '../../nn/linear';
import type { ParamStore } from '../../nn/paramStore';

export interface MhaWeights {
  heads: number;
  q: LinearWeights;
  k: LinearWeights;
  v: LinearWeights;
  o: LinearWeights;
}

export function createMha(p: ParamStore, name: string, dModel: number, heads: number): MhaWeights {
  if (dModel % heads !== 0) throw new RpcError('invalid-input', `${name}: dModel ${dModel} is not divisible by heads ${heads}`);
  return {
    heads,
    q: createLinear(p, `${name}/q`, dModel, dModel),
    k: createLinear(p, `${name}/k`, dModel, dModel),
    v: createLinear(p, `${name}/v`, dModel, dModel),
    o: createLinear(p, `${name}/o`, dModel, dModel),
  };
}

/** [B, T, D] -> [B, H, T, D/H] */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, d] = x.shape;
  return x.reshape([b, t, heads, d / heads]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B, H, T, dk] -> [B, T, H*dk] */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [b, h, t, dk] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape([b, t, h * dk]) as tf.Tensor3D;
}

export type KeyValue = {
  /** [B, H, S, dk] */
  k: tf.Tensor4D;
  /** [B, H, S, dk] */
  v: tf.Tensor4D;
};

/** Projects x [B, S, D] into per-head keys and values. */
export function projectKeyValue(w: MhaWeights, x: tf.Tensor): KeyValue {
  return { k: splitHeads(linear(x, w.k), w.heads), v: splitHeads(linear(x, w.v), w.heads) };
}

export interface MhaOptions {
  /** Additive bias broadcastable to [B, H, T, S] (0 = attend, -1e9 = masked). */
  bias?: tf.Tensor;
  /** [H]: 1 keeps a head, 0 zeroes its output before the output projection (head ablation). */
  headMask?: tf.Tensor;
}

export type MhaResult = {
  /** [B, T, D] */
  output: tf.Tensor3D;
  /** [B, H, T, S], rows sum to 1 */
  weights: tf.Tensor4D;
  /** [B, H, T, dk]: the per-head queries (for the query-key view; the keys are kv.k). */
  queries: tf.Tensor4D;
};

/** query [B, T, D] attends over `kv` (keys/values [B, H, S, dk]). */
export function multiHeadAttention(w: MhaWeights, query: tf.Tensor, kv: KeyValue, options: MhaOptions = {}): MhaResult {
  const q = splitHeads(linear(query, w.q), w.heads); // [B, H, T, dk]
  const dk = q.shape[3];
  let scores = tf.matMul(q, kv.k, false, true).mul(1 / Math.sqrt(dk)); // [B, H, T, S]
  if (options.bias) scores = scores.add(options.bias);
  const weights = tf.softmax(scores) as tf.Tensor4D; // [B, H, T, S]
  let context = tf.matMul(weights, kv.v); // [B, H, T, dk]
  if (options.headMask) context = context.mul(options.headMask.reshape([1, w.heads, 1, 1]));
  const output = linear(mergeHeads(context), w.o) as tf.Tensor3D; // [B, T, D]
  return { output, weights, queries: q };
}
