/** Smoke test: a few steps of the training loop on one fixed batch of scenes make the loss fall, for both models. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { generateScenes } from '../../../core/data/scenes/scenes';
import { createImageModel } from './classifiers';
import type { ImageModelKind } from './classifiers';
import { learningRateAt, sceneBatch, trainImageModel } from '../../../core/imageClassifiers/imageTraining';
import { useEngineBackend } from '../engineBackend';

const CONFIGS: Record<ImageModelKind, Record<string, unknown>> = {
  vit: { imageSize: 32, patchSize: 8, dim: 32, depth: 2, heads: 2, mlpDim: 64, seed: 1 },
  'vgg-attention': { imageSize: 32, widthMultiplier: 1 / 16, seed: 1 },
};

describe('image model training (smoke)', () => {
  useEngineBackend();

  for (const kind of ['vit', 'vgg-attention'] as const) {
    it(`${kind}: 25 steps on a fixed batch of 16 scenes lower the loss by a third`, async () => {
      const model = createImageModel(kind, CONFIGS[kind]);
      const batch = sceneBatch(generateScenes(7, 0, 16, { size: 32 }));
      const r = await trainImageModel(model, { steps: 25, batchSize: 16, learningRate: 3e-3 }, { fixedBatch: batch });
      assert.equal(r.status, 'finished');
      const first = r.losses[0];
      const last = Math.min(...r.losses.slice(-3));
      assert.ok(last < first * 0.67, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
      tf.dispose([batch.x, batch.labels]);
      model.dispose();
    });
  }

  it('warms up linearly then decays by cosine to 5% of the peak', () => {
    assert.equal(learningRateAt(0, 100, 1, 10), 0.1);
    assert.equal(learningRateAt(9, 100, 1, 10), 1);
    assert.ok(Math.abs(learningRateAt(10, 100, 1, 10) - 1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(100, 100, 1, 10) - 0.05) < 1e-12);
  });
});
