/** Image training through the shared run format: files, metrics without duplicated steps, resume
 * with Adam's moments, stopping at a step boundary. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MODEL_JSON } from '../../../core/checkpoint/checkpointFiles';
import { loadImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { CLASSIFIERS, type ImageModelKind } from './classifiers';
import { trainImageRun, type ImageRunArgs } from '../../../core/imageClassifiers/trainImageRun';
import { CHECKPOINTS_DIR, checkpointDirName } from '../../../protocol/runFolder/format';
import { readMetrics } from '../../../core/training/runWriter';
import { useEngineBackend } from '../engineBackend';

describe('image training runs', () => {
  useEngineBackend();

  it('writes config, metrics, status and checkpoints; a resumed run continues the step count', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'image-run-')), 'run');
    try {
      const common = {
        kind: CLASSIFIERS['vgg-attention'],
        modelConfig: { imageSize: 32, widthMultiplier: 1 / 16 },
        outDir: dir,
        checkpointEvery: 4,
        logEvery: 2,
        evalEvery: 4,
        evalScenes: 10,
      };
      const ac = new AbortController();
      const first = await trainImageRun({
        ...common,
        training: { steps: 8, batchSize: 4 },
        signal: ac.signal,
        onProgress: (p) => {
          if (p.step === 4) ac.abort();
        },
      });
      assert.equal(first.status, 'stopped');
      assert.equal(first.step, 4);
      first.model.dispose();
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
      assert.equal(config.model, 'vgg-attention');
      assert.equal(config.task, 'scenes');
      assert.equal(config.modelConfig.imageSize, 32);
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).status, 'stopped');

      const second = await trainImageRun({ ...common, training: { steps: 8, batchSize: 4 }, resume: true });
      assert.equal(second.status, 'finished');
      assert.equal(second.step, 8);
      assert.ok(second.heldOutAccuracy !== undefined && second.pointing?.['gate-pool3'] !== undefined);
      second.model.dispose();
      const { records, skippedLines } = await readMetrics(dir);
      assert.deepEqual(skippedLines, []);
      assert.deepEqual(records.map((r) => r.step), [2, 4, 6, 8], 'each logged step once, in order');
      const evalRecord = records.find((r) => r.step === 8)!;
      assert.equal(typeof evalRecord.evalAccuracy, 'number');
      assert.deepEqual((evalRecord.attention ?? []).map((a) => a.kind), ['gate-pool3', 'gate-pool4']);
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).status, 'finished');
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('yields between steps, so a stop from a timer (as from an engine message) lands mid-run', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'image-run-'));
    try {
      const ac = new AbortController();
      const r = await trainImageRun({
        kind: CLASSIFIERS['vgg-attention'],
        modelConfig: { imageSize: 32, widthMultiplier: 1 / 16 },
        training: { steps: 200, batchSize: 2 },
        outDir: path.join(root, 'run'),
        logEvery: 25,
        evalEvery: 0,
        signal: ac.signal,
        // A timer set mid-run stands for a stop message: without a yield between steps it could
        // only fire at the next file write, many steps later.
        onProgress: (p) => {
          if (p.step === 25) setTimeout(() => ac.abort(), 0);
        },
      });
      r.model.dispose();
      assert.equal(r.status, 'stopped');
      assert.ok(r.step <= 27, `stopped only at step ${r.step}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const TINY: Record<ImageModelKind, Record<string, unknown>> = {
    vit: { imageSize: 32, patchSize: 8, dim: 16, depth: 1, heads: 2, mlpDim: 32 },
    'vgg-attention': { imageSize: 32, widthMultiplier: 1 / 16 },
  };

  /** Every step's loss from the run's metrics (logged at every step). */
  async function stepLosses(dir: string): Promise<number[]> {
    return (await readMetrics(dir)).records.map((r) => r.loss as number);
  }

  for (const kind of ['vit', 'vgg-attention'] as const) {
    it(`${kind}: a run stopped after 3 steps and resumed gives the losses of an uninterrupted run (Adam's moments come back)`, async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'image-run-'));
      try {
        const common: ImageRunArgs = { kind: CLASSIFIERS[kind], modelConfig: TINY[kind], training: { steps: 6, batchSize: 4, learningRate: 3e-3 }, outDir: '', logEvery: 1, evalEvery: 0, evalScenes: 4 };
        const whole = await trainImageRun({ ...common, outDir: path.join(root, 'whole') });
        whole.model.dispose();
        const ac = new AbortController();
        const parts = path.join(root, 'parts');
        const first = await trainImageRun({ ...common, outDir: parts, signal: ac.signal, onProgress: (p) => p.step === 3 && ac.abort() });
        first.model.dispose();
        assert.equal(first.status, 'stopped');
        assert.equal(first.step, 3);
        const second = await trainImageRun({ ...common, outDir: parts, resume: true });
        second.model.dispose();
        assert.equal(second.status, 'finished');
        const expected = await stepLosses(path.join(root, 'whole'));
        const got = await stepLosses(parts);
        assert.equal(got.length, 6);
        got.forEach((loss, i) => assert.ok(Math.abs(loss - expected[i]) <= 1e-5, `step ${i + 1}: ${loss} resumed, ${expected[i]} uninterrupted`));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('a step whose loss is not finite ends the run failed, leaves the weights alone and keeps the last good checkpoint', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'image-run-'));
    try {
      const dir = path.join(root, 'run');
      const good = path.join(dir, CHECKPOINTS_DIR, checkpointDirName(2));
      const r = await trainImageRun({
        kind: CLASSIFIERS['vgg-attention'],
        modelConfig: TINY['vgg-attention'],
        training: { steps: 6, batchSize: 4 },
        outDir: dir,
        checkpointEvery: 2,
        evalEvery: 0,
        evalScenes: 4,
        onStep: (step, model) => {
          if (step !== 3) return;
          const w = model.params.get('classifier/kernel');
          w.assign(w.mul(NaN));
        },
      });
      try {
        assert.equal(r.status, 'failed');
        assert.equal(r.step, 3);
        assert.match(r.message ?? '', /step 4: the loss became NaN/);
        assert.equal(r.lastCheckpoint, path.join(good, MODEL_JSON));
        assert.ok(r.message?.includes(good), r.message);
        // A NaN update would have reached every weight through the gradients.
        assert.ok(r.model.params.get('conv1_1/kernel').dataSync().every(Number.isFinite), 'the failed step did not update the weights');
      } finally {
        r.model.dispose();
      }
      const kept = await loadImageModel(good, CLASSIFIERS['vgg-attention']);
      assert.ok(kept.model.params.variables().every((v) => v.dataSync().every(Number.isFinite)), 'the kept checkpoint is good');
      kept.model.dispose();
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).status, 'failed');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
