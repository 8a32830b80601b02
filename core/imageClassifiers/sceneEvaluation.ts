/**
 * Held-out evaluation on scenes: classification accuracy and, per map type, the pointing-game hit
 * rate (maps are computed for each example's predicted class, as a user would see them).
 */
import * as tf from '@tensorflow/tfjs';
import { stackScenes, type Scene } from '../data/scenes/scenes';
import type { ImageModel } from './imageModel';
import { VitModel } from '../models/vit/vit';
import { VggAttentionModel } from '../models/vggAttention/vggAttention';
import { attentionRolloutRow, clsPatchMap, fuseHeads, gradientRolloutRow, patchesOfRow } from '../explain/attentionRollout';
import { pointingHit, randomPointingRate, type MapGrid } from '../explain/pointingGame';
import { explainVggBatch } from '../models/vggAttention/explain';
import { explainVitBatch } from '../models/vit/explain';

export const VIT_MAP_TYPES = ['cls-attention-last', 'rollout-mean', 'rollout-max', 'rollout-min', 'gradient-rollout'] as const;
export const VGG_MAP_TYPES = ['gate-pool3', 'gate-pool4', 'gates-product', 'grad-cam'] as const;

export interface SceneEvaluation {
  scenes: number;
  accuracy: number;
  /** Hit rate per map type. */
  pointing: Record<string, number>;
  /** The map type with the highest hit rate. */
  bestMap: string;
  /** What a uniformly random point would score (the targets' mean share of the image). */
  randomPointing: number;
  seconds: number;
}

type MapsFor = (model: ImageModel, x: tf.Tensor4D) => { predicted: Int32Array; maps: Record<string, { grid: MapGrid; maps: Float32Array[] }> };

function argmaxRows(logits: Float32Array, k: number): Int32Array {
  const b = logits.length / k;
  const out = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

const vitMaps: MapsFor = (model, x) => {
  const vit = model as VitModel;
  const e = explainVitBatch(vit, x);
  const grid: MapGrid = { rows: e.grid, cols: e.grid };
  const t = e.dims.tokens;
  const maps: Record<string, { grid: MapGrid; maps: Float32Array[] }> = {};
  for (const type of VIT_MAP_TYPES) maps[type] = { grid, maps: [] };
  e.attention.forEach((a, i) => {
    maps['cls-attention-last'].maps.push(clsPatchMap(fuseHeads(a, e.dims, e.dims.layers - 1, 'mean'), t));
    maps['rollout-mean'].maps.push(patchesOfRow(attentionRolloutRow(a, e.dims, { headFusion: 'mean' })));
    maps['rollout-max'].maps.push(patchesOfRow(attentionRolloutRow(a, e.dims, { headFusion: 'max' })));
    maps['rollout-min'].maps.push(patchesOfRow(attentionRolloutRow(a, e.dims, { headFusion: 'min' })));
    maps['gradient-rollout'].maps.push(patchesOfRow(gradientRolloutRow(a, e.gradients[i], e.dims)));
  });
  return { predicted: argmaxRows(e.logits, vit.numClasses), maps };
};

const vggMaps: MapsFor = (model, x) => {
  const vgg = model as VggAttentionModel;
  const e = explainVggBatch(vgg, x);
  return {
    predicted: argmaxRows(e.logits, vgg.numClasses),
    maps: { 'gate-pool3': e.gateMaps[0], 'gate-pool4': e.gateMaps[1], 'gates-product': e.gatesProduct, 'grad-cam': e.gradCam },
  };
};

export function evaluateOnScenes(model: ImageModel, scenes: readonly Scene[], batchSize = 50): SceneEvaluation {
  const t0 = performance.now();
  const mapsFor = model instanceof VitModel ? vitMaps : model instanceof VggAttentionModel ? vggMaps : undefined;
  if (!mapsFor) throw new Error(`no maps for model kind '${model.kind}'`);
  let correct = 0;
  const hits: Record<string, number> = {};
  for (let i = 0; i < scenes.length; i += batchSize) {
    const part = scenes.slice(i, i + batchSize);
    const { x, size } = stackScenes(part);
    if (size !== model.imageSize) throw new Error(`scenes are ${size}x${size}; the model takes ${model.imageSize}x${model.imageSize}`);
    const xt = tf.tensor4d(x, [part.length, size, size, 3]);
    const { predicted, maps } = mapsFor(model, xt);
    xt.dispose();
    part.forEach((s, j) => {
      if (predicted[j] === s.label) correct++;
      for (const [type, m] of Object.entries(maps)) hits[type] = (hits[type] ?? 0) + (pointingHit(m.maps[j], m.grid, size, s.target.box) ? 1 : 0);
    });
  }
  const pointing = Object.fromEntries(Object.entries(hits).map(([k, v]) => [k, v / scenes.length]));
  const bestMap = Object.entries(pointing).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return {
    scenes: scenes.length,
    accuracy: correct / scenes.length,
    pointing,
    bestMap,
    randomPointing: randomPointingRate(scenes.map((s) => s.target.box), scenes[0].size),
    seconds: (performance.now() - t0) / 1000,
  };
}
