/** Captioner runs: the run format, evaluation (naming, pointing), checkpoints and resume through trainRun. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { generateScenes, SCENE_SETS } from '../../../../core/data/scenes/scenes';
import { checkTree, type SearchTree } from '../../../../core/decoding/searchTree';
import { loadCaptioner } from '../../../../core/models/captioning/checkpoint';
import { captionImage } from '../../../../core/models/captioning/capture';
import { EOS } from '../../../../core/text/tokenizer';
import { evaluateCaptioner, namedObjects } from '../../../../core/models/captioning/evaluateCaptioner';
import { readMetrics } from '../../../../core/training/runWriter';
import { trainRun } from '../../../../core/runs/trainRun';
import { useEngineBackend } from '../../engineBackend';

describe('captioner runs', () => {
  useEngineBackend();
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'captioner-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('names the colour-shape pairs of a caption', () => {
    assert.deepEqual(namedObjects('a red circle to the left of a blue square'.split(' ')), ['red circle', 'blue square']);
    assert.deepEqual(namedObjects('a red a circle'.split(' ')), []);
  });

  it('trains hard attention through trainRun, evaluates, resumes, and the checkpoint reloads', async () => {
    const runDir = path.join(dir, 'hard');
    const before = tf.memory().numTensors;
    const r = await trainRun({ runDir, model: 'captioner', data: { kind: 'task', name: 'scenes' }, options: { attention: 'hard', steps: 2, batchSize: 4, imageSize: 32, dModel: 8, logEvery: 1, evalEvery: 0 } });
    assert.equal(r.status, 'finished', r.message);
    const config = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8')) as { model: string; task: string; modelConfig: { attention: string; imageSize: number; units: number } };
    assert.deepEqual([config.model, config.task, config.modelConfig.attention, config.modelConfig.imageSize, config.modelConfig.units], ['captioner', 'scenes', 'hard', 32, 8]);
    assert.equal(tf.memory().numTensors, before, 'the run leaked tensors');
    const resumed = await trainRun({ runDir, resume: true, options: { steps: 3 } });
    assert.equal(resumed.status, 'finished', resumed.message);
    const { records } = await readMetrics(runDir);
    assert.deepEqual(records.map((m) => m.step), [1, 2, 3]);
    const last = records[records.length - 1];
    assert.ok(typeof last.heldOutNaming === 'number' && typeof last.heldOutPointing === 'number');
    assert.ok(typeof last.reward === 'number' && typeof last.baseline === 'number');
    const b = await loadCaptioner(resumed.lastCheckpoint as string);
    assert.equal(b.model.config.attention, 'hard');
    const scenes = generateScenes(SCENE_SETS.heldOut, 0, 3, { size: 32 });
    const e = evaluateCaptioner(b, scenes);
    assert.equal(e.captions.length, 3);
    e.maps.forEach((perWord) =>
      perWord.forEach((m) => {
        assert.equal(m.length, b.model.gridSide ** 2);
        assert.ok(Math.abs(m.reduce((x, y) => x + y, 0) - 1) < 1e-5);
      }),
    );
    assert.ok(e.naming >= 0 && e.naming <= 1 && e.pointing >= 0 && e.pointing <= 1);
    // The image panel's view: caption, per-word maps, looked-at cells; greedy and beam; no leak.
    const n0 = tf.memory().numTensors;
    const c = captionImage(b, scenes[0].pixels);
    assert.equal(c.caption, e.captions[0]);
    assert.equal(c.attention, 'hard');
    const [T, side] = c.maps.shape;
    assert.equal(T, c.words.length);
    assert.equal(c.looked?.length, T);
    for (let t = 0; t < T; t++) assert.ok(Math.abs(c.maps.data.slice(t * side * side, (t + 1) * side * side).reduce((x, y) => x + y, 0) - 1) < 1e-5);
    const cb = captionImage(b, scenes[0].pixels, { beamSize: 3 });
    assert.deepEqual(checkTree(cb.tree as SearchTree, EOS), []);
    assert.equal(tf.memory().numTensors, n0, 'captionImage leaked tensors');
    assert.throws(() => captionImage(b, new Float32Array(10)), /the image must be \[32, 32, 3\]/);
    b.model.dispose();
  });

  it('refuses a captioner run on another task', async () => {
    await assert.rejects(trainRun({ runDir: path.join(dir, 'bad'), model: 'captioner', data: { kind: 'task', name: 'reverse' } }), /captioner trains on the task 'scenes'/);
  });
});
