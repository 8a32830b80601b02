/**
 * The training loop end to end on tiny models: loss falls, NaN stops training and keeps the last
 * good checkpoint, cancellation stops with a checkpoint, resume continues the step count without
 * duplicated metrics, a corrupt metrics line is skipped.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTransformer } from '../../../../core/models/transformer/checkpoint';
import { METRICS_JSONL, STATUS_JSON, type RunStatusFile } from '../../../../protocol/runFolder/format';
import { readMetrics } from '../../../../core/training/runWriter';
import { latestCheckpoint } from '../../../../core/checkpoint/runCheckpoints';
import { reverseTask } from '../../../../core/data/tasks/symbolTasks';
import { datasetFromTask } from '../../../../core/data/tasks/task';
import { trainTransformer, type TrainProgress, type TrainTransformerArgs } from '../../../../core/models/transformer/trainTransformer';
import { useEngineBackend } from '../../engineBackend';

const tiny: TrainTransformerArgs = {
  dataset: datasetFromTask(reverseTask({ minLength: 2, maxLength: 5, alphabet: 'abcdef' })),
  model: { encoderLayers: 1, decoderLayers: 1, dModel: 32, heads: 2, dFF: 64, maxLength: 8, dropout: 0 },
  batchSize: 16,
  warmup: 20,
  learningRateFactor: 0.1,
  logEvery: 5,
  evalEvery: 0,
  evalExamples: 20,
};

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ad-train-'));
const status = (dir: string) => JSON.parse(readFileSync(path.join(dir, STATUS_JSON), 'utf8')) as RunStatusFile;

describe('training: trainTransformer', function () {
  this.timeout(120_000);
  useEngineBackend();

  it('loss falls on a tiny reverse task; progress reports step, loss, accuracy, speed, ETA; no tensor leaks', async () => {
    const progress: TrainProgress[] = [];
    const before = tf.memory().numTensors;
    const r = await trainTransformer({ ...tiny, steps: 80, onProgress: (p) => progress.push(p) });
    assert.equal(r.status, 'finished');
    const first = progress[0].loss;
    const last = progress.at(-1)?.loss ?? NaN;
    assert.ok(last < first * 0.8, `loss did not fall: ${first} -> ${last}`);
    const p = progress.at(-1) as TrainProgress;
    assert.equal(p.step, 80);
    assert.ok(p.stepsPerSecond > 0 && p.etaSeconds === 0 && p.accuracy > 0);
    assert.ok(r.evalExactMatch !== undefined, 'evaluates at the end');
    r.bundle.model.dispose();
    assert.equal(tf.memory().numTensors, before, 'training leaked tensors');
  });

  it('a language model trains on plain text', async () => {
    const text = 'the cat sat on the mat. the dog sat on the log. '.repeat(20);
    const progress: TrainProgress[] = [];
    const r = await trainTransformer({ ...tiny, dataset: undefined, text: { name: 'cats.txt', text }, model: { ...tiny.model, maxLength: 16 }, steps: 40, onProgress: (p) => progress.push(p) });
    assert.equal(r.bundle.model.config.kind, 'lm');
    assert.ok((progress.at(-1)?.loss ?? NaN) < progress[0].loss);
    r.bundle.model.dispose();
  });

  it('NaN loss stops training with a message and keeps the last good checkpoint', async () => {
    const dir = tmp();
    const r = await trainTransformer({
      ...tiny,
      steps: 50,
      outDir: dir,
      checkpointEvery: 10,
      onStep: (step, model) => {
        if (step === 13) model.params.get('output/b').assign(tf.fill([model.config.targetVocabSize], NaN));
      },
    });
    assert.equal(r.status, 'failed');
    assert.match(r.message ?? '', /training stopped at step 14: the loss became NaN .* last good checkpoint is .*step-00000010/);
    assert.equal(status(dir).status, 'failed');
    assert.match(status(dir).message ?? '', /NaN/);
    const ckpt = await latestCheckpoint(dir);
    assert.equal(ckpt?.step, 10);
    const loaded = await loadTransformer(ckpt?.dir ?? '');
    assert.ok(Number.isFinite(loaded.model.params.get('output/b').sum().dataSync()[0]));
    loaded.model.dispose();
    r.bundle.model.dispose();
  });

  it('cancel stops at a step boundary with a checkpoint; resume continues the step count with no duplicated metrics', async () => {
    const dir = tmp();
    const ac = new AbortController();
    const r1 = await trainTransformer({ ...tiny, steps: 40, outDir: dir, checkpointEvery: 100, onProgress: (p) => p.step === 20 && ac.abort(), signal: ac.signal });
    assert.equal(r1.status, 'stopped');
    assert.equal(r1.step, 20);
    assert.ok(readFileSync(path.join(dir, 'checkpoints', 'step-00000020', 'optimizer', 'model.json'), 'utf8').includes('adam-state'), 'Adam moments saved for resume');
    assert.equal(status(dir).status, 'stopped');
    r1.bundle.model.dispose();
    // A crash left a half-written line and metrics beyond the checkpoint.
    await fs.appendFile(path.join(dir, METRICS_JSONL), '{"step": 25, "time": 1, "loss": 1}\n{"step": 26, "ti');
    const before = await readMetrics(dir);
    assert.equal(before.skippedLines.length, 1);
    const r2 = await trainTransformer({ ...tiny, steps: 40, outDir: dir, resume: true });
    assert.equal(r2.status, 'finished');
    assert.equal(r2.step, 40);
    const { records, skippedLines } = await readMetrics(dir);
    assert.deepEqual(skippedLines, []);
    const steps = records.map((m) => m.step);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'steps increase');
    assert.equal(new Set(steps).size, steps.length, `duplicated steps: ${steps}`);
    assert.deepEqual(steps, [5, 10, 15, 20, 25, 30, 35, 40]);
    assert.equal(status(dir).status, 'finished');
    assert.equal((await latestCheckpoint(dir))?.step, 40);
    r2.bundle.model.dispose();
  });

  it('refuses to overwrite an existing run and to resume without a checkpoint', async () => {
    const dir = tmp();
    const r = await trainTransformer({ ...tiny, steps: 5, outDir: dir });
    r.bundle.model.dispose();
    await assert.rejects(trainTransformer({ ...tiny, steps: 5, outDir: dir }), /already holds a run/);
    await assert.rejects(trainTransformer({ ...tiny, steps: 5, outDir: tmp(), resume: true }), /no readable config.json/);
  });
});
