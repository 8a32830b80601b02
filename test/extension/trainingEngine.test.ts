/**
 * Training in the real engine process through the EngineSupervisor (no VS Code): progress, other
 * requests answered while training, stop -> 'stopped' + checkpoint, and crash safety: SIGKILL the
 * engine mid-run, see the run as failed, resume it from its last checkpoint with no duplicated step.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetrics } from '../../core/training/runWriter';
import { readRun } from '../../protocol/runFolder/reader';
import { EngineSupervisor } from '../../extension/engine/engineSupervisor';
import { RpcError, type Progress } from '../../protocol/rpc';
import type { TrainOptions } from '../../protocol/training';
import { wasmEngine } from '../engineProcess';


/** A model small enough that a step takes milliseconds on 2 busy cores. */
const TINY: TrainOptions = { layers: 1, dModel: 16, heads: 2, dFF: 32, batchSize: 8, maxLength: 16, logEvery: 2, checkpointEvery: 10, evalEvery: 0 };

function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('training: engine process', function () {
  this.timeout(120_000);
  let engine: EngineSupervisor;
  let runs: string;
  beforeEach(async () => {
    runs = await fs.mkdtemp(path.join(os.tmpdir(), 'train-engine-'));
    engine = wasmEngine();
  });
  afterEach(async () => {
    engine?.dispose();
    await fs.rm(runs, { recursive: true, force: true });
  });

  it('trains with throttled progress, answers other requests meanwhile, and stops on request with a checkpoint', async () => {
    const runDir = path.join(runs, 'a');
    const progress: Progress[] = [];
    const done = engine.request('train.start', { runDir, model: 'transformer', data: { kind: 'task', name: 'reverse' }, options: { ...TINY, steps: 100_000 } }, { onProgress: (p) => progress.push(p) });
    await until('step 20', () => (progress.at(-1)?.step ?? 0) >= 20);
    const t0 = Date.now();
    await engine.request('engine.info', {});
    const infoMs = Date.now() - t0;
    assert.ok(infoMs < 2000, `engine.info answered in ${infoMs} ms while training`);
    assert.deepEqual((await engine.request('train.active', {})).runDirs, [runDir]);
    const p = progress.at(-1) as Progress;
    assert.equal(p.total, 100_000);
    assert.ok(p.metrics && p.metrics.loss > 0 && p.metrics.stepsPerSecond > 0 && p.metrics.etaSeconds > 0);
    assert.match(p.message ?? '', /^step \d+\/100000, loss \d/);
    const stop = await engine.request('train.stop', { runDir });
    assert.equal(stop.running, true);
    assert.equal(stop.outcome?.status, 'stopped');
    const outcome = await done;
    assert.equal(outcome.status, 'stopped');
    const run = await readRun(runDir);
    assert.equal(run?.status, 'stopped');
    assert.equal(run?.step, outcome.step);
    assert.equal(run?.checkpoints.at(-1)?.step, outcome.step, 'a checkpoint at the stopping step');
    assert.deepEqual([run?.data?.kind, run?.data?.name, run?.data?.options?.logEvery], ['task', 'reverse', 2]);
    await fs.access(path.join(runDir, 'process.json')).then(
      () => assert.fail('process.json must be removed when training ends'),
      () => undefined,
    );
  });

  it('cancelling the request stops the run (status stopped), and a resume continues the step count', async () => {
    const runDir = path.join(runs, 'b');
    const ac = new AbortController();
    let step = 0;
    const done = engine.request('train.start', { runDir, model: 'transformer', data: { kind: 'task', name: 'reverse' }, options: { ...TINY, steps: 60 } }, { signal: ac.signal, onProgress: (p) => (step = p.step ?? 0) });
    await until('step 12', () => step >= 12);
    ac.abort();
    await assert.rejects(done, (e: RpcError) => e.code === 'cancelled');
    // The resume waits for the stopping run to write its checkpoint, then continues it.
    const resumed = await engine.request('train.start', { runDir, resume: true });
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.step, 60);
    const steps = (await readMetrics(runDir)).records.map((r) => r.step);
    assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b), 'no step logged twice');
    assert.equal(steps.at(-1), 60);
  });

  it('survives SIGKILL mid-run: the run reads as failed, and resumes from its last checkpoint with no duplicated or missing steps', async () => {
    const runDir = path.join(runs, 'c');
    let step = 0;
    const first = await engine.request('engine.info', {});
    const done = engine.request('train.start', { runDir, model: 'transformer', data: { kind: 'task', name: 'reverse' }, options: { ...TINY, steps: 80 } }, { onProgress: (p) => (step = p.step ?? 0) });
    await until('step 25', () => step >= 25);
    process.kill(first.pid, 'SIGKILL');
    await assert.rejects(done, (e: RpcError) => e.code === 'channel-closed' && /SIGKILL/.test(e.message));
    const dead = await readRun(runDir);
    assert.equal(dead?.status, 'failed');
    assert.match(dead?.message ?? '', /killed or crashed/);
    const lastCheckpoint = dead?.checkpoints.at(-1)?.step ?? 0;
    assert.ok(lastCheckpoint >= 20, `a checkpoint at step 20 or later (got ${lastCheckpoint})`);
    assert.ok((dead?.step ?? 0) >= lastCheckpoint, 'the flushed metrics reach the checkpoint');

    // A half-written line, as a crash mid-append leaves: skipped, not fatal.
    await fs.appendFile(path.join(runDir, 'metrics.jsonl'), '{"step": 99, "lo');
    const logs: string[] = [];
    engine.onLog((_level, message) => logs.push(message));
    const resumed = await engine.request('train.start', { runDir, resume: true }); // the supervisor restarts the engine
    assert.ok(logs.some((m) => /metrics\.jsonl: skipped 1 corrupt line/.test(m)), 'the corrupt line is reported');
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.step, 80);
    const { records, skippedLines } = await readMetrics(runDir);
    assert.deepEqual(skippedLines, []);
    const steps = records.map((r) => r.step);
    const expected = Array.from({ length: 40 }, (_, i) => 2 * (i + 1));
    assert.deepEqual(steps, expected, 'every logged step exactly once, the step count continued');
    assert.equal((await readRun(runDir))?.status, 'finished');
  });

  it('refuses bad requests clearly: unknown task, existing run, resume without a run', async () => {
    await assert.rejects(engine.request('train.start', { runDir: path.join(runs, 'x'), model: 'transformer', data: { kind: 'task', name: 'nope' } }), (e: RpcError) => /unknown task 'nope'/.test(e.message));
    await assert.rejects(engine.request('train.start', { runDir: path.join(runs, 'y'), resume: true }), (e: RpcError) => e.code === 'not-found');
    await assert.rejects(engine.request('train.start', { runDir: path.join(runs, 'z'), model: 'vit', data: { kind: 'task', name: 'reverse' } }), (e: RpcError) => /scenes/.test(e.message));
  });

  it('trains a captioner as Train Model asks (the scenes task, hard attention), into the same run format', async () => {
    const runDir = path.join(runs, 'captioner');
    const r = await engine.request('train.start', { runDir, model: 'captioner', data: { kind: 'task', name: 'scenes' }, options: { attention: 'hard', steps: 2, batchSize: 4, imageSize: 32, dModel: 8, logEvery: 1, evalEvery: 0 } });
    assert.equal(r.status, 'finished');
    assert.equal(r.step, 2);
    const run = await readRun(runDir);
    assert.equal(run?.model, 'captioner');
    assert.equal(run?.status, 'finished');
    assert.equal(run?.config?.modelConfig?.attention, 'hard', 'the attention chosen reaches the model');
  });

  it('lists what trains, checks options, and gives what a duplicate of a run needs', async () => {
    const models = await engine.request('train.models', {});
    assert.deepEqual(models.map((m) => m.model), ['transformer', 'rnn-seq2seq', 'captioner', 'vit', 'vgg-attention']);
    assert.deepEqual(models.find((m) => m.model === 'captioner')?.data, { tasks: ['scenes'], files: [] });
    assert.deepEqual(await engine.request('train.checkOptions', { model: 'vit', options: { layers: 2 } }), {});
    assert.deepEqual(await engine.request('train.checkOptions', { model: 'vit', options: { warmup: 2 } }), { problem: "vit takes no option 'warmup'" });
    const runDir = path.join(runs, 'dup');
    await engine.request('train.start', { runDir, model: 'transformer', data: { kind: 'task', name: 'reverse' }, options: { ...TINY, steps: 4 } });
    const again = await engine.request('train.runOptions', { runDir });
    assert.equal(again.model, 'transformer');
    assert.deepEqual(again.data, { kind: 'task', name: 'reverse' });
    assert.equal(again.options.dModel, 16);
    assert.equal(again.options.steps, 4);
  });
});
