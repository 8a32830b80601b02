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
});
