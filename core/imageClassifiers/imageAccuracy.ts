/** Classification accuracy of an image model on scenes, in batches (inference statistics). */
import * as tf from '@tensorflow/tfjs';
import { stackScenes, type Scene } from '../data/scenes/scenes';
import type { ImageModel } from './imageModel';

export function predictClasses(model: ImageModel, scenes: readonly Scene[], batchSize = 100): Int32Array {
  const out = new Int32Array(scenes.length);
  for (let i = 0; i < scenes.length; i += batchSize) {
    const part = scenes.slice(i, i + batchSize);
    const { x, size } = stackScenes(part);
    const xt = tf.tensor4d(x, [part.length, size, size, 3]);
    const pred = tf.tidy(() => model.logits(xt, false).argMax(1));
    out.set(pred.dataSync() as Int32Array, i);
    tf.dispose([xt, pred]);
  }
  return out;
}

export function sceneAccuracy(model: ImageModel, scenes: readonly Scene[]): number {
  const pred = predictClasses(model, scenes);
  let hits = 0;
  scenes.forEach((s, i) => (hits += pred[i] === s.label ? 1 : 0));
  return hits / scenes.length;
}
