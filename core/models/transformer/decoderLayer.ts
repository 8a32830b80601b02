/**
 * Decoder layer (post-norm): masked self-attention, cross-attention over the encoder output (absent
 * in the decoder-only LM), feed-forward; each with dropout, a residual connection and layer norm.
 *
 * For incremental decoding the caller passes the keys/values of earlier positions (`past`); the
 * layer appends this step's and returns the whole, so step t costs O(t).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerDims, SubLayerOptions } from './encoderLayer';
import { createFeedForward, feedForward, type FeedForwardWeights } from './feedForward';
import { createLayerNorm, layerNorm, type LayerNormWeights } from '../../nn/linear';
import { createMha, multiHeadAttention, projectKeyValue, type KeyValue, type MhaWeights } from './multiHeadAttention';
import type { ParamStore } from '../../nn/paramStore';

export interface DecoderLayerWeights {
  self: MhaWeights;
  norm1: LayerNormWeights;
  cross?: MhaWeights;
  norm2?: LayerNormWeights;
  ffn: FeedForwardWeights;
  norm3: LayerNormWeights;
}

export function createDecoderLayer(p: ParamStore, name: string, d: LayerDims, withCross: boolean): DecoderLayerWeights {
  const self = createMha(p, `${name}/self`, d.dModel, d.heads);
  const norm1 = createLayerNorm(p, `${name}/norm1`, d.dModel, d.layerNormEpsilon);
  const cross = withCross ? createMha(p, `${name}/cross`, d.dModel, d.heads) : undefined;
  const norm2 = withCross ? createLayerNorm(p, `${name}/norm2`, d.dModel, d.layerNormEpsilon) : undefined;
  return { self, norm1, cross, norm2, ffn: createFeedForward(p, `${name}/ffn`, d.dModel, d.dFF), norm3: createLayerNorm(p, `${name}/norm3`, d.dModel, d.layerNormEpsilon) };
}

export interface DecoderLayerInput {
  /** [B, T, D] (T = 1 when decoding step by step) */
  x: tf.Tensor;
  /** Bias for self-attention, broadcastable to [B, H, T, t_total] (causal and/or padding), or none. */
  selfBias?: tf.Tensor;
  /** Keys/values of earlier positions [B, H, t_past, dk], when decoding incrementally. */
  past?: KeyValue;
  /** Encoder keys/values for cross-attention [B, H, S, dk]. */
  memory?: KeyValue;
  /** [B, 1, 1, S] padding bias of the source. */
  memoryBias?: tf.Tensor;
}

export interface DecoderLayerOptions extends SubLayerOptions {
  crossHeadMask?: tf.Tensor;
}

export interface DecoderLayerResult {
  output: tf.Tensor;
  /** All self-attention keys/values so far [B, H, t_total, dk]. */
  selfKV: KeyValue;
  /** [B, H, T, t_total] */
  selfWeights: tf.Tensor4D;
  /** [B, H, T, S], absent without cross-attention */
  crossWeights?: tf.Tensor4D;
  /** [B, H, T, dk] queries of self- and cross-attention (keys: selfKV.k and the memory's k). */
  selfQueries: tf.Tensor4D;
  crossQueries?: tf.Tensor4D;
}

export function decoderLayer(w: DecoderLayerWeights, input: DecoderLayerInput, o: DecoderLayerOptions): DecoderLayerResult {
  const { x } = input;
  const fresh = projectKeyValue(w.self, x);
  const selfKV = input.past ? { k: tf.concat([input.past.k, fresh.k], 2) as tf.Tensor4D, v: tf.concat([input.past.v, fresh.v], 2) as tf.Tensor4D } : fresh;
  const self = multiHeadAttention(w.self, x, selfKV, { bias: input.selfBias, headMask: o.selfHeadMask });
  let h = layerNorm(x.add(o.dropout(self.output)), w.norm1);
  let crossWeights: tf.Tensor4D | undefined;
  let crossQueries: tf.Tensor4D | undefined;
  if (w.cross && w.norm2) {
    if (!input.memory) throw new Error('decoderLayer: cross-attention needs the encoder memory');
    const cross = multiHeadAttention(w.cross, h, input.memory, { bias: input.memoryBias, headMask: o.crossHeadMask });
    h = layerNorm(h.add(o.dropout(cross.output)), w.norm2);
    crossWeights = cross.weights;
    crossQueries = cross.queries;
  }
  const output = layerNorm(h.add(o.dropout(feedForward(h, w.ffn, o.dropout))), w.norm3);
  return { output, selfKV, selfWeights: self.weights, crossWeights, selfQueries: self.queries, crossQueries };
}
