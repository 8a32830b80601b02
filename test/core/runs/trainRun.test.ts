/** trainRun, the one dispatch behind the CLI's `train` and the engine's 'train.start'. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readRun } from '../../../protocol/runFolder/reader';
import { readMetrics } from '../../../core/training/runWriter';
import { trainRun } from '../../../core/runs/trainRun';
import type { TrainOptions } from '../../../protocol/training';

const TINY: TrainOptions = { layers: 1, dModel: 16, heads: 2, dFF: 32, batchSize: 4, maxLength: 16, logEvery: 2, checkpointEvery: 4, evalEvery: 0 };

describe('runs: trainRun', function () {
  this.timeout(60_000);
  let dir: string;
  let previous: string | undefined;
  before(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previous) await tf.setBackend(previous);
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'train-run-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('trains on a TSV file, records where the data came from, and resumes without being told again', async () => {
    const tsv = path.join(dir, 'pairs.tsv');
    await fs.writeFile(tsv, Array.from({ length: 40 }, (_, i) => `ab${i % 7}\t${i % 7}ba`).join('\n') + '\nbroken line without a tab\n');
    const warnings: string[] = [];
    const runDir = path.join(dir, 'runs', 'r');
    const first = await trainRun({ runDir, model: 'transformer', data: { kind: 'tsv', path: tsv }, options: { ...TINY, steps: 6 }, onWarning: (m) => warnings.push(m) });
    assert.equal(first.status, 'finished');
    assert.match(warnings.join('\n'), /pairs\.tsv.*41/);
    const run = await readRun(runDir);
    assert.equal(run?.task, 'tsv:pairs.tsv');
    assert.deepEqual([run?.data?.kind, run?.data?.path, run?.data?.tokenizer], ['tsv', tsv, 'char']);
    await fs.access(path.join(runDir, 'process.json')).then(
      () => assert.fail('process.json is removed at the end'),
      () => undefined,
    );

    const resumed = await trainRun({ runDir, resume: true, options: { steps: 10 } });
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.step, 10);
    assert.deepEqual((await readMetrics(runDir)).records.map((r) => r.step), [2, 4, 6, 8, 10], 'the saved logEvery (2) was kept on resume');
  });

  it('refuses to resume a run another live process is training', async () => {
    const runDir = path.join(dir, 'busy');
    await trainRun({ runDir, model: 'transformer', data: { kind: 'task', name: 'copy' }, options: { ...TINY, steps: 4 } });
    await fs.writeFile(path.join(runDir, 'process.json'), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: '' }));
    await assert.rejects(trainRun({ runDir, resume: true, options: { steps: 8 } }), new RegExp(`being trained by process ${process.ppid}`));
  });

  it('refuses what it cannot train, before making a folder', async () => {
    const runDir = path.join(dir, 'x');
    await assert.rejects(trainRun({ runDir, data: { kind: 'task', name: 'reverse' } }), /name the model/);
    await assert.rejects(trainRun({ runDir, model: 'vgg-attention', data: { kind: 'task', name: 'reverse' } }), /trains on the task 'scenes'/);
    await assert.rejects(trainRun({ runDir, model: 'transformer' }), /needs a task, a TSV file or a text file/);
    await assert.rejects(fs.access(runDir));
  });
});
