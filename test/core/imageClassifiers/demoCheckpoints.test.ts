/**
 * Quality bars on the committed demo checkpoints (inference only): on 500 held-out scenes each model
 * reaches >= 90% accuracy, and its best map type >= 80% in the pointing game (maps for the predicted
 * class; a hit when the map's maximum cell centre lies in the target's box). The checkpoints are what
 * `npm run train:demos` produces with the default configs; their metadata records the training.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { generateScenes, SCENE_SETS } from '../../../core/data/scenes/scenes';
import { evaluateOnScenes, type SceneEvaluation } from '../../../core/imageClassifiers/sceneEvaluation';
import { VGG_EVALUATION_MAPS } from '../../../core/models/vggAttention/explain';
import { VIT_EVALUATION_MAPS } from '../../../core/models/vit/explain';
import { CLASSIFIERS } from './classifiers';
import { loadImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { useEngineBackend } from '../engineBackend';
import { repoRoot } from '../../repoRoot';

const CHECKPOINTS = path.join(repoRoot, 'demo', 'checkpoints');
const HELD_OUT = 500;

describe('image demo checkpoints: quality bars on 500 held-out scenes', function () {
  this.timeout(240_000);
  useEngineBackend();

  for (const [name, mapTypes, kind] of [
    ['vit-scenes', VIT_EVALUATION_MAPS, CLASSIFIERS.vit],
    ['vgg-attention-scenes', VGG_EVALUATION_MAPS, CLASSIFIERS['vgg-attention']],
  ] as const) {
    describe(name, () => {
      let e: SceneEvaluation;
      before(async () => {
        const dir = path.join(CHECKPOINTS, name);
        assert.ok(existsSync(path.join(dir, 'model.json')), `${dir} is missing: run npm run train:demos -- ${name}`);
        const { model } = await loadImageModel(dir, kind);
        try {
          e = evaluateOnScenes(model, generateScenes(SCENE_SETS.heldOut, 0, HELD_OUT, { size: model.imageSize }));
        } finally {
          model.dispose();
        }
        const pointing = Object.entries(e.pointing).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`);
        console.log(`      ${name}: accuracy ${(e.accuracy * 100).toFixed(1)}%, pointing ${pointing.join(', ')}, random ${(e.randomPointing * 100).toFixed(1)}% (${e.seconds.toFixed(1)} s)`);
      });

      it('accuracy >= 90%', () => {
        assert.ok(e.accuracy >= 0.9, `accuracy ${e.accuracy}`);
      });

      it('best map type >= 80% in the pointing game', () => {
        assert.deepEqual(Object.keys(e.pointing).sort(), [...mapTypes].sort());
        assert.ok(e.pointing[e.bestMap] >= 0.8, `best map ${e.bestMap} scores ${e.pointing[e.bestMap]}`);
      });

      it('every map type beats a random point by a wide margin (3x), except Grad-CAM', () => {
        for (const [type, rate] of Object.entries(e.pointing)) {
          if (type !== 'grad-cam') assert.ok(rate >= 3 * e.randomPointing, `${type} scores ${rate}, random ${e.randomPointing}`);
        }
      });
    });
  }
});
