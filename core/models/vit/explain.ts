/**
 * What the ViT's explanations need from the model, for a batch: logits, every block's attention and,
 * for gradient-weighted rollout, dy_c/dA for each example's class c.
 *
 * dy_c/dA is taken by adding zero "offset" tensors to each block's attention after its softmax and
 * differentiating with respect to them: the forward pass is unchanged, and the gradient with respect
 * to an additive offset equals the gradient with respect to A.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionStat } from '../../../protocol/runFolder/format';
import { attentionRolloutRow, clsPatchMap, fuseHeads, gradientRolloutRow, patchesOfRow, type AttentionDims, type HeadFusion } from '../../explain/attentionRollout';
import { patchAttentionMaps, type ClassifierBatchExplanation, type PatchAttention } from '../../explain/imageMaps';
import type { MapGrid } from '../../explain/pointingGame';
import type { ClassifierExplainArgs } from '../../imageClassifiers/imageModel';
import type { VitModel } from './vit';

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

/** The maps the pointing game scores for a ViT: the last block's [CLS] row, rollout with each head
 * fusion, and gradient-weighted rollout. */
export const VIT_EVALUATION_MAPS = ['cls-attention-last', 'rollout-mean', 'rollout-max', 'rollout-min', 'gradient-rollout'] as const;

/**
 * A batch explained: the panel's maps for the rollout controls given ('panel'), or the maps the
 * pointing game scores ('evaluation'); each example's patch attention is returned beside them.
 */
export function explainVit(model: VitModel, x: tf.Tensor4D, options: ClassifierExplainArgs): ClassifierBatchExplanation {
  const e = explainVitBatch(model, x, { classes: options.classes });
  const grid: MapGrid = { rows: e.grid, cols: e.grid };
  const patchAttention: PatchAttention[] = e.attention.map((attention, i) => ({ dims: e.dims, grid: e.grid, patchSize: model.cfg.patchSize, attention, gradients: e.gradients[i] }));
  let maps: ClassifierBatchExplanation['maps'];
  if (options.purpose === 'panel') {
    const perExample = patchAttention.map((p) => patchAttentionMaps(p, options.headFusion ?? 'mean', options.discardRatio ?? 0));
    maps = perExample[0].map((m, j) => ({ id: m.id, label: m.label, grid: m.grid, values: perExample.map((ms) => ms[j].values) }));
  } else {
    const t = e.dims.tokens;
    const fused = (a: Float32Array, fusion: HeadFusion) => patchesOfRow(attentionRolloutRow(a, e.dims, { headFusion: fusion }));
    const of: Record<(typeof VIT_EVALUATION_MAPS)[number], (a: Float32Array, i: number) => Float32Array> = {
      'cls-attention-last': (a) => clsPatchMap(fuseHeads(a, e.dims, e.dims.layers - 1, 'mean'), t),
      'rollout-mean': (a) => fused(a, 'mean'),
      'rollout-max': (a) => fused(a, 'max'),
      'rollout-min': (a) => fused(a, 'min'),
      'gradient-rollout': (a, i) => patchesOfRow(gradientRolloutRow(a, e.gradients[i], e.dims)),
    };
    maps = VIT_EVALUATION_MAPS.map((id) => ({ id, label: id, grid, values: e.attention.map((a, i) => of[id](a, i)) }));
  }
  return { logits: e.logits, classes: e.classes, maps, patchAttention };
}

function rowEntropy(row: ArrayLike<number>, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) if (row[i] > 0) h -= row[i] * Math.log(row[i]);
  return h;
}

/** Per layer and head: mean row entropy and mean weight on [CLS], over a batch. */
export function vitAttentionStats(model: VitModel, x: tf.Tensor4D): AttentionStat[] {
  const out = model.forward(x, { captureAttention: true });
  const t = model.tokens;
  const stats: AttentionStat[] = [];
  out.attention.forEach((a, layer) => {
    const data = a.dataSync();
    const [b, heads] = a.shape;
    for (let h = 0; h < heads; h++) {
      let ent = 0;
      let first = 0;
      for (let e = 0; e < b; e++) {
        for (let q = 0; q < t; q++) {
          const off = ((e * heads + h) * t + q) * t;
          ent += rowEntropy(data, off, off + t);
          first += data[off];
        }
      }
      stats.push({ kind: 'vit-self', layer, head: h, entropy: ent / (b * t), firstShare: first / (b * t) });
    }
  });
  tf.dispose([out.logits, ...out.attention]);
  return stats;
}
