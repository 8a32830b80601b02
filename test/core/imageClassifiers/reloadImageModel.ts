/** Saves an image model, loads it back and checks it predicts the same logits, bit for bit. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadImageModel, saveImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import type { ImageModel } from '../../../core/imageClassifiers/imageModel';
import { maxAbsDiff } from '../engineBackend';
import { CLASSIFIERS, type ImageModelKind } from './classifiers';

/**
 * `editSaved` may change the saved model.json (to make it look like an older version's) before the
 * load; `checkLoaded` looks at the loaded model before it is disposed.
 */
export async function assertReloadsExactly(
  model: ImageModel,
  x: tf.Tensor4D,
  options: { editSaved?: (modelJson: { modelTopology: { config: Record<string, unknown> } }) => void; checkLoaded?: (loaded: ImageModel) => void } = {},
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `${model.kind}-`));
  try {
    await saveImageModel(model, dir, ['a', 'b', 'c', 'd', 'e']);
    if (options.editSaved) {
      const file = path.join(dir, 'model.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      options.editSaved(json);
      writeFileSync(file, JSON.stringify(json));
    }
    const loaded = await loadImageModel(dir, CLASSIFIERS[model.kind as ImageModelKind]);
    try {
      assert.equal(loaded.model.kind, model.kind);
      options.checkLoaded?.(loaded.model);
      const a = model.logits(x, false);
      const b = loaded.model.logits(x, false);
      assert.equal(maxAbsDiff(a.dataSync(), b.dataSync()), 0);
      tf.dispose([a, b]);
    } finally {
      loaded.model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
