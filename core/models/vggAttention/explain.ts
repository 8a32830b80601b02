/**
 * The VGG-attention model's maps for a batch: both gates' maps (trainable attention, sum to 1 over
 * space) and Grad-CAM on the last conv block (conv5_3) for each example's class.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionStat } from '../../../protocol/runFolder/format';
import type { ClassifierBatchExplanation } from '../../explain/imageMaps';
import type { ClassifierExplainArgs } from '../../imageClassifiers/imageModel';
import type { VggAttentionModel } from './vggAttention';
import { gradCam } from '../../explain/gradCam';
import type { MapGrid } from '../../explain/pointingGame';

/** Each row's predicted class. */
function argmaxClasses(logits: tf.Tensor2D): Int32Array {
  const t = logits.argMax(1);
  const c = Int32Array.from(t.dataSync());
  t.dispose();
  return c;
}

export interface VggBatchExplanation {
  /** [B, K] row-major. */
  logits: Float32Array;
  classes: Int32Array;
  /** Block 3's gate then block 4's: per example a [rows, cols] map. */
  gateMaps: { grid: MapGrid; maps: Float32Array[] }[];
  /** Grad-CAM on conv5_3, per example [rows, cols] (not normalised; 0 where no evidence). */
  gradCam: { grid: MapGrid; maps: Float32Array[] };
  /** Where both gates agree: block 3's map times block 4's (each of block 4's cells covers a block of
   * block 3's cells), renormalised to sum to 1, on block 3's grid. */
  gatesProduct: { grid: MapGrid; maps: Float32Array[] };
}

/** fine [R, C] times coarse [r, c] (nearest: cell (i, j) of fine lies in cell (i*r/R, j*c/C) of
 * coarse), renormalised to sum to 1. R and C must be multiples of r and c. */
export function gateProduct(fine: Float32Array, fineGrid: MapGrid, coarse: Float32Array, coarseGrid: MapGrid): Float32Array {
  if (fineGrid.rows % coarseGrid.rows !== 0 || fineGrid.cols % coarseGrid.cols !== 0) {
    throw new Error(`gateProduct: grid ${fineGrid.rows}x${fineGrid.cols} is not a multiple of ${coarseGrid.rows}x${coarseGrid.cols}`);
  }
  const fr = fineGrid.rows / coarseGrid.rows;
  const fc = fineGrid.cols / coarseGrid.cols;
  const out = new Float32Array(fine.length);
  let sum = 0;
  for (let i = 0; i < fineGrid.rows; i++) {
    for (let j = 0; j < fineGrid.cols; j++) {
      const v = fine[i * fineGrid.cols + j] * coarse[Math.floor(i / fr) * coarseGrid.cols + Math.floor(j / fc)];
      out[i * fineGrid.cols + j] = v;
      sum += v;
    }
  }
  if (sum > 0) for (let k = 0; k < out.length; k++) out[k] /= sum;
  return out;
}

function split(t: tf.Tensor3D): { grid: MapGrid; maps: Float32Array[] } {
  const [b, rows, cols] = t.shape;
  const data = t.dataSync() as Float32Array;
  const per = rows * cols;
  return { grid: { rows, cols }, maps: Array.from({ length: b }, (_, i) => data.slice(i * per, (i + 1) * per)) };
}

export function explainVggBatch(model: VggAttentionModel, x: tf.Tensor4D, options: { classes?: Int32Array } = {}): VggBatchExplanation {
  const f = model.features(x, false);
  const out = model.head(f);
  const logits = out.logits.dataSync().slice() as Float32Array;
  const classes = options.classes ?? argmaxClasses(out.logits);
  const cam = gradCam((a) => model.head({ ...f, conv5: a }).logits, f.conv5, Int32Array.from(classes));
  const gateMaps = out.gateMaps.map(split);
  const [g3, g4] = gateMaps;
  const result: VggBatchExplanation = {
    logits,
    classes: Int32Array.from(classes),
    gateMaps,
    gradCam: split(cam),
    gatesProduct: { grid: g3.grid, maps: g3.maps.map((m, i) => gateProduct(m, g3.grid, g4.maps[i], g4.grid)) },
  };
  tf.dispose([f.local3, f.local4, f.conv5, out.logits, ...out.gateMaps, cam]);
  return result;
}

/** A batch explained with the gates' maps, where both agree, and Grad-CAM (the same for the panel
 * and the pointing game). */
/** The maps the pointing game scores for VGG-attention (explainVgg's ids). */
export const VGG_EVALUATION_MAPS = ['gate-pool3', 'gate-pool4', 'gates-product', 'grad-cam'] as const;

export function explainVgg(model: VggAttentionModel, x: tf.Tensor4D, options: ClassifierExplainArgs): ClassifierBatchExplanation {
  const e = explainVggBatch(model, x, { classes: options.classes });
  const [l3, l4] = model.gateLayers;
  return {
    logits: e.logits,
    classes: e.classes,
    maps: [
      { id: 'gate-pool3', label: `Attention gate on ${l3}`, grid: e.gateMaps[0].grid, values: e.gateMaps[0].maps },
      { id: 'gate-pool4', label: `Attention gate on ${l4}`, grid: e.gateMaps[1].grid, values: e.gateMaps[1].maps },
      { id: 'gates-product', label: `Both gates: ${l3} map x ${l4} map`, grid: e.gatesProduct.grid, values: e.gatesProduct.maps },
      { id: 'grad-cam', label: 'Grad-CAM (last conv block)', grid: e.gradCam.grid, values: e.gradCam.maps },
    ],
  };
}

function mapEntropy(m: Float32Array): number {
  let h = 0;
  for (const v of m) if (v > 0) h -= v * Math.log(v);
  return h;
}

/** Per gate: mean map entropy and mean weight on the first cell, over a batch. */
export function vggAttentionStats(model: VggAttentionModel, x: tf.Tensor4D): AttentionStat[] {
  const e = explainVggBatch(model, x);
  return e.gateMaps.map((g, layer) => ({
    kind: layer === 0 ? 'gate-pool3' : 'gate-pool4',
    layer,
    head: 0,
    entropy: g.maps.reduce((s, m) => s + mapEntropy(m), 0) / g.maps.length,
    firstShare: g.maps.reduce((s, m) => s + m[0], 0) / g.maps.length,
  }));
}
