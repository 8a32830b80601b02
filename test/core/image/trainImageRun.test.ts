/** Image training through the shared run format: files, metrics without duplicated steps, resume. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readMetrics } from '../../../core/runs/runWriter';
import { trainImageRun } from '../../../core/image/trainImageRun';
import { useWasmBackend } from './useWasm';

describe('image training runs', () => {
  useWasmBackend();

  it('writes config, metrics, status and checkpoints; a resumed run continues the step count', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'image-run-')), 'run');
    try {
      const common = {
        kind: 'vgg-attention' as const,
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
        kind: 'vgg-attention',
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
});
