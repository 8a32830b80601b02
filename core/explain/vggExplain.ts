/**
 * The VGG-attention model's maps for a batch: both gates' maps (trainable attention, sum to 1 over
 * space) and Grad-CAM on the last conv block (conv5_3) for each example's class.
 */
import * as tf from '@tensorflow/tfjs';
import type { VggAttentionModel } from '../models/vggAttention/vggAttention';
import { gradCam } from './gradCam';
import type { MapGrid } from './pointingGame';

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
  /** pool3's gate then pool4's: per example a [rows, cols] map. */
  gateMaps: { grid: MapGrid; maps: Float32Array[] }[];
  /** Grad-CAM on conv5_3, per example [rows, cols] (not normalised; 0 where no evidence). */
  gradCam: { grid: MapGrid; maps: Float32Array[] };
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
  const result: VggBatchExplanation = {
    logits,
    classes: Int32Array.from(classes),
    gateMaps: out.gateMaps.map(split),
    gradCam: split(cam),
  };
  tf.dispose([f.pool3, f.pool4, f.conv5, out.logits, ...out.gateMaps, cam]);
  return result;
}
