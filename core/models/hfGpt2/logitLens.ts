/**
 * The logit lens (nostalgebraist 2020): what GPT-2 would predict if it stopped after each layer.
 * The residual stream before block l (l = L: after the last block) goes through the final layer
 * norm and the unembedding, as the last layer's does. HF's `hidden_states[L]` has been through
 * ln_f already and the others have not, so they cannot be used as they are: the lens reads the
 * residuals themselves. Only each position's top tokens leave the engine (a full [L+1, T, V]
 * would be 13 x 1024 x 50257 floats for GPT-2 small).
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt2Model } from './gpt2';

export interface LogitLens {
  /** L + 1: the embeddings, then after each block (the last row is the model's own prediction). */
  layers: number;
  positions: number;
  k: number;
  /** [layers, positions, k] token ids, most probable first. */
  ids: Int32Array;
  /** [layers, positions, k] their probabilities. */
  probs: Float32Array;
}

/** The top `k` tokens of every layer at every position of `ids` (one row, T <= n_positions). */
export function logitLens(model: Gpt2Model, ids: readonly number[], k = 5): LogitLens {
  const T = ids.length;
  const x = tf.tensor2d([ids as number[]], [1, T], 'int32');
  const out = model.forward(x, { residuals: true });
  const residuals = out.residuals!;
  tf.dispose([x, out.logits, ...out.attention]);
  const layers = residuals.length;
  const kk = Math.min(k, model.config.vocabSize);
  const lens: LogitLens = { layers, positions: T, k: kk, ids: new Int32Array(layers * T * kk), probs: new Float32Array(layers * T * kk) };
  try {
    residuals.forEach((r, l) => {
      // One layer at a time: [T, V] probabilities live only until their top k are read.
      const top = tf.tidy(() => tf.topk(tf.softmax(model.readOut(r).reshape([T, model.config.vocabSize])), kk));
      lens.ids.set(top.indices.dataSync() as Int32Array, l * T * kk);
      lens.probs.set(top.values.dataSync() as Float32Array, l * T * kk);
      tf.dispose([top.indices, top.values]);
    });
  } finally {
    tf.dispose(residuals);
  }
  return lens;
}
