/**
 * Encoder layer (post-norm, as in the paper): x = LN(x + Drop(SelfAttn(x))); x = LN(x + Drop(FFN(x))).
 */
import type * as tf from '@tensorflow/tfjs';
import { createFeedForward, feedForward, type FeedForwardWeights } from './feedForward';
import { createLayerNorm, layerNorm, type LayerNormWeights } from '../../nn/linear';
import { createMha, multiHeadAttention, projectKeyValue, type MhaWeights } from './multiHeadAttention';
import type { ParamStore } from '../../nn/paramStore';

export interface EncoderLayerWeights {
  self: MhaWeights;
  norm1: LayerNormWeights;
  ffn: FeedForwardWeights;
  norm2: LayerNormWeights;
}

export interface LayerDims {
  dModel: number;
  heads: number;
  dFF: number;
  layerNormEpsilon: number;
}

export function createEncoderLayer(p: ParamStore, name: string, d: LayerDims): EncoderLayerWeights {
  return {
    self: createMha(p, `${name}/self`, d.dModel, d.heads),
    norm1: createLayerNorm(p, `${name}/norm1`, d.dModel, d.layerNormEpsilon),
    ffn: createFeedForward(p, `${name}/ffn`, d.dModel, d.dFF),
    norm2: createLayerNorm(p, `${name}/norm2`, d.dModel, d.layerNormEpsilon),
  };
}

export interface SubLayerOptions {
  dropout: (t: tf.Tensor) => tf.Tensor;
  /** [H] head mask for this layer's self-attention (1 keep, 0 ablate). */
  selfHeadMask?: tf.Tensor;
}

/** x [B, S, D], bias [B, 1, 1, S] -> { output [B, S, D], weights [B, H, S, S], queries/keys [B, H, S, dk] } */
export function encoderLayer(
  w: EncoderLayerWeights,
  x: tf.Tensor,
  bias: tf.Tensor,
  o: SubLayerOptions,
): { output: tf.Tensor; weights: tf.Tensor4D; queries: tf.Tensor4D; keys: tf.Tensor4D } {
  const kv = projectKeyValue(w.self, x);
  const att = multiHeadAttention(w.self, x, kv, { bias, headMask: o.selfHeadMask });
  const h = layerNorm(x.add(o.dropout(att.output)), w.norm1);
  const output = layerNorm(h.add(o.dropout(feedForward(h, w.ffn, o.dropout))), w.norm2);
  return { output, weights: att.weights, queries: att.queries, keys: kv.k };
}
