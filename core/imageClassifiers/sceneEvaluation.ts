/**
 * Held-out evaluation on scenes: classification accuracy and, per map type, the pointing-game hit
 * rate (maps are computed for each example's predicted class, as a user would see them).
 */
import * as tf from '@tensorflow/tfjs';
import { stackScenes, type Scene } from '../data/scenes/scenes';
import type { ClassifierBatchExplanation } from '../explain/imageMaps';
import { pointingHit, randomPointingRate } from '../explain/pointingGame';
import type { ImageModel } from './imageModel';

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

export function evaluateOnScenes(model: ImageModel, scenes: readonly Scene[], batchSize = 50): SceneEvaluation {
  const t0 = performance.now();
  let correct = 0;
  const hits: Record<string, number> = {};
  for (let i = 0; i < scenes.length; i += batchSize) {
    const part = scenes.slice(i, i + batchSize);
    const { x, size } = stackScenes(part);
    if (size !== model.imageSize) throw new Error(`scenes are ${size}x${size}; the model takes ${model.imageSize}x${model.imageSize}`);
    const xt = tf.tensor4d(x, [part.length, size, size, 3]);
    let e: ClassifierBatchExplanation;
    try {
      e = model.explainBatch(xt, { purpose: 'evaluation' });
    } finally {
      xt.dispose();
    }
    const predicted = argmaxRows(e.logits, model.numClasses);
    part.forEach((s, j) => {
      if (predicted[j] === s.label) correct++;
      for (const m of e.maps) hits[m.id] = (hits[m.id] ?? 0) + (pointingHit(m.values[j], m.grid, size, s.target.box) ? 1 : 0);
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
