/**
 * What the ViT's explanations need from the model, for a batch: logits, every block's attention and,
 * for gradient-weighted rollout, dy_c/dA for each example's class c.
 *
 * dy_c/dA is taken by adding zero "offset" tensors to each block's attention after its softmax and
 * differentiating with respect to them: the forward pass is unchanged, and the gradient with respect
 * to an additive offset equals the gradient with respect to A.
 */
import * as tf from '@tensorflow/tfjs';
import type { VitModel } from './vit';
import type { AttentionDims } from '../../explain/attentionRollout';

/** Each row's predicted class. */
function argmaxClasses(logits: tf.Tensor2D): Int32Array {
  const t = logits.argMax(1);
  const c = Int32Array.from(t.dataSync());
  t.dispose();
  return c;
}

export interface VitBatchExplanation {
  dims: AttentionDims;
  /** Patches per side. */
  grid: number;
  /** [B, K] row-major. */
  logits: Float32Array;
  /** The class each example's gradients are for. */
  classes: Int32Array;
  /** Per example, [L, H, T, T]. */
  attention: Float32Array[];
  /** Per example, [L, H, T, T]: dy_c/dA. Empty unless asked for. */
  gradients: Float32Array[];
}

/** [L][B, H, T, T] tensors to one [L, H, T, T] array per example. */
function perExample(layers: tf.Tensor4D[], dims: AttentionDims): Float32Array[] {
  const stacked = tf.tidy(() => tf.stack(layers, 1)); // [B, L, H, T, T]
  const data = stacked.dataSync() as Float32Array; // outside tidy: it can be large
  const b = stacked.shape[0];
  stacked.dispose();
  const per = dims.layers * dims.heads * dims.tokens * dims.tokens;
  return Array.from({ length: b }, (_, i) => data.slice(i * per, (i + 1) * per));
}

export interface VitExplainOptions {
  /** Class per example for the gradients; default: the predicted class. */
  classes?: Int32Array;
  /** Compute dy_c/dA (default true). */
  gradients?: boolean;
}

export function explainVitBatch(model: VitModel, x: tf.Tensor4D, options: VitExplainOptions = {}): VitBatchExplanation {
  const c = model.cfg;
  const dims: AttentionDims = { layers: c.depth, heads: c.heads, tokens: model.tokens };
  const b = x.shape[0];
  const out = model.forward(x, { captureAttention: true });
  const logits = out.logits.dataSync().slice() as Float32Array;
  const classes = options.classes ?? argmaxClasses(out.logits);
  if (classes.length !== b) throw new Error(`explainVitBatch: ${classes.length} classes for a batch of ${b}`);
  out.logits.dispose();
  const attention = perExample(out.attention, dims);
  tf.dispose(out.attention);
  let gradients: Float32Array[] = [];
  if (options.gradients ?? true) {
    const grads = tf.tidy(() => {
      const pick = tf.oneHot(tf.tensor1d(classes, 'int32'), c.numClasses); // [B, K]
      const offsets = Array.from({ length: c.depth }, () => tf.zeros([b, c.heads, dims.tokens, dims.tokens]) as tf.Tensor4D);
      const f = (...o: tf.Tensor[]) => model.forward(x, { attentionOffsets: o as tf.Tensor4D[] }).logits.mul(pick).sum() as tf.Scalar;
      return tf.grads(f)(offsets) as tf.Tensor4D[];
    });
    gradients = perExample(grads, dims);
    tf.dispose(grads);
  }
  return { dims, grid: model.grid, logits, classes: Int32Array.from(classes), attention, gradients };
}
