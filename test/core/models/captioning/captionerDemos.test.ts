/**
 * Quality bars on the committed captioner demos (inference only), 500 held-out scenes (the first of
 * the held-out set, as `npm run train:demos` measured them):
 * - soft attention: >= 90% of captions name the right colour-shape pairs, and when a caption names an
 *   object's shape, that word's map peaks inside the object's box for >= 80% of those words;
 * - both: every word's map sums to 1; the hard-attention model's figures are printed beside the
 *   soft one's (the issue asks for them to be reported, not for a bar).
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { generateScenes, SCENE_SETS } from '../../../../core/data/scenes/scenes';
import { loadCaptioner } from '../../../../core/models/captioning/checkpoint';
import { evaluateCaptioner, type CaptionEvalResult } from '../../../../core/models/captioning/evaluateCaptioner';
import { useEngineBackend } from '../../engineBackend';
import { repoRoot } from '../../../repoRoot';

const CHECKPOINTS = path.join(repoRoot, 'demo', 'checkpoints');
const HELD_OUT = 500;

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function evaluateDemo(name: string): () => Promise<CaptionEvalResult> {
  let result: Promise<CaptionEvalResult> | undefined;
  return () =>
    (result ??= (async () => {
      const dir = path.join(CHECKPOINTS, name);
      assert.ok(existsSync(path.join(dir, 'model.json')), `${dir} is missing: run npm run train:demos -- ${name}`);
      const bundle = await loadCaptioner(dir);
      try {
        const t0 = Date.now();
        const e = evaluateCaptioner(bundle, generateScenes(SCENE_SETS.heldOut, 0, HELD_OUT, { size: bundle.model.config.imageSize }));
        console.log(`      ${name}: naming ${percent(e.naming)}, pointing ${percent(e.pointing)} of ${e.pointedWords} shape words, ${HELD_OUT} held-out scenes (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        return e;
      } finally {
        bundle.model.dispose();
      }
    })());
}

function assertMapsSumToOne(e: CaptionEvalResult): void {
  let words = 0;
  for (const scene of e.maps) {
    for (const m of scene) {
      const sum = m.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `a word's map sums to ${sum}`);
      words++;
    }
  }
  assert.ok(words >= HELD_OUT * 3, `only ${words} words in ${HELD_OUT} captions`);
}

describe('captioner demo checkpoints: quality bars on 500 held-out scenes', function () {
  this.timeout(300_000);
  useEngineBackend();

  describe('captioner-soft-scenes', () => {
    const evaluate = evaluateDemo('captioner-soft-scenes');

    it('>= 90% of captions name the right shapes and colours', async () => {
      const e = await evaluate();
      assert.ok(e.naming >= 0.9, `naming ${percent(e.naming)}`);
    });

    it("when it names a shape, that word's map peaks inside the shape's box for >= 80% of those words", async () => {
      const e = await evaluate();
      assert.ok(e.pointedWords >= HELD_OUT, `only ${e.pointedWords} named shapes to point at`);
      assert.ok(e.pointing >= 0.8, `pointing ${percent(e.pointing)}`);
    });

    it("every word's map sums to 1", async () => assertMapsSumToOne(await evaluate()));
  });

  describe('captioner-hard-scenes', () => {
    const evaluate = evaluateDemo('captioner-hard-scenes');

    it("captions every scene, every word's map sums to 1 (figures printed beside the soft model's)", async () => {
      const e = await evaluate();
      assert.equal(e.captions.length, HELD_OUT);
      assertMapsSumToOne(e);
    });
  });
});
