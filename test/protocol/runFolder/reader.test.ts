/** Reading run folders: effective status (dead trainer -> failed), metrics followed incrementally,
 * corrupt and half-written lines, rewrite on resume. Plain files, no tfjs. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FORMAT } from '../../../protocol/runFolder/format';
import { listRuns, markRunFailed, MetricsFollower, parseMetricsLines, readLastMetrics, readRun } from '../../../protocol/runFolder/reader';

async function makeRun(root: string, id: string, opts: { status?: object; proc?: object; metrics?: string; createdAt?: string; model?: string; task?: string; checkpoints?: number[] } = {}): Promise<string> {
  const dir = path.join(root, id);
  await fs.mkdir(path.join(dir, 'checkpoints'), { recursive: true });
  const config = { format: RUN_FORMAT, version: 1, id, model: opts.model ?? 'transformer', task: opts.task ?? 'reverse', createdAt: opts.createdAt ?? '2026-01-01T00:00:00Z', seed: 1, modelConfig: {}, training: { steps: 100 } };
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  if (opts.status) await fs.writeFile(path.join(dir, 'status.json'), JSON.stringify(opts.status));
  if (opts.proc) await fs.writeFile(path.join(dir, 'process.json'), JSON.stringify(opts.proc));
  if (opts.metrics !== undefined) await fs.writeFile(path.join(dir, 'metrics.jsonl'), opts.metrics);
  for (const s of opts.checkpoints ?? []) await fs.mkdir(path.join(dir, 'checkpoints', `step-${String(s).padStart(8, '0')}`));
  return dir;
}

const line = (step: number, loss = 1 / step) => JSON.stringify({ step, time: 0, loss }) + '\n';

describe('runs: reading run folders', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'runs-reader-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  const cases: { name: string; status: string; proc?: 'alive' | 'dead' | 'other-host'; expect: string; message?: RegExp }[] = [
    { name: 'finished stays finished', status: 'finished', expect: 'finished' },
    { name: 'running with a live trainer is running', status: 'running', proc: 'alive', expect: 'running' },
    { name: 'running whose trainer died is failed, with why', status: 'running', proc: 'dead', expect: 'failed', message: /pid 4242.*killed or crashed/ },
    { name: 'a trainer on another machine is trusted', status: 'running', proc: 'other-host', expect: 'running' },
    { name: 'running without process.json is trusted', status: 'running', expect: 'running' },
    { name: 'stopped keeps its message', status: 'stopped', expect: 'stopped' },
  ];
  for (const c of cases) {
    it(`status: ${c.name}`, async () => {
      const proc = c.proc && { pid: 4242, hostname: c.proc === 'other-host' ? 'elsewhere' : os.hostname(), startedAt: '' };
      const dir = await makeRun(root, 'r', { status: { status: c.status, step: 0, updatedAt: '' }, proc });
      const run = await readRun(dir, () => c.proc === 'alive' || c.proc === 'other-host');
      assert.equal(run?.status, c.expect);
      if (c.message) assert.match(run?.message ?? '', c.message);
    });
  }

  it('a running or dead run takes its step and loss from the last flushed metrics line, ignoring a half-written one', async () => {
    const dir = await makeRun(root, 'r', { status: { status: 'running', step: 0, updatedAt: '' }, proc: { pid: 1, hostname: os.hostname() }, metrics: line(10) + line(20, 0.5) + '{"step":30,"lo' });
    const run = await readRun(dir, () => false);
    assert.equal(run?.status, 'failed');
    assert.equal(run?.step, 20);
    assert.equal(run?.lastLoss, 0.5);
  });

  it('a run stopped between logged steps reports the step of its newest checkpoint', async () => {
    const dir = await makeRun(root, 'r', { status: { status: 'stopped', step: 180, updatedAt: '' }, checkpoints: [150, 183] });
    assert.equal((await readRun(dir))?.step, 183);
  });

  it('lists runs newest first, skips folders that are not runs, lists checkpoints by step', async () => {
    await makeRun(root, 'old', { createdAt: '2026-01-01T00:00:00Z', checkpoints: [200, 100] });
    await makeRun(root, 'new', { createdAt: '2026-02-01T00:00:00Z' });
    await fs.mkdir(path.join(root, 'not-a-run'));
    await fs.writeFile(path.join(root, 'stray.txt'), 'x');
    const runs = await listRuns(root);
    assert.deepEqual(runs.map((r) => r.id), ['new', 'old']);
    assert.deepEqual(runs[1].checkpoints.map((c) => c.step), [100, 200]);
    assert.deepEqual(await listRuns(path.join(root, 'missing')), []);
  });

  it('markRunFailed records the error of a run whose engine died, once, and never over a final status', async () => {
    const dir = await makeRun(root, 'r', { status: { status: 'running', step: 0, updatedAt: '' }, metrics: line(5) });
    await markRunFailed(dir, 'engine stopped unexpectedly (signal SIGKILL)');
    const s = JSON.parse(await fs.readFile(path.join(dir, 'status.json'), 'utf8'));
    assert.equal(s.status, 'failed');
    assert.equal(s.step, 5);
    assert.match(s.message, /SIGKILL/);
    const done = await makeRun(root, 'd', { status: { status: 'stopped', step: 3, updatedAt: '' } });
    await markRunFailed(done, 'late');
    assert.equal(JSON.parse(await fs.readFile(path.join(done, 'status.json'), 'utf8')).status, 'stopped');
  });

  it('parseMetricsLines skips corrupt lines with a warning naming the file and line', () => {
    const { records, warnings } = parseMetricsLines(['{"step":1,"loss":2}', 'garbage', '{"step":"x","loss":1}', '', '{"step":3,"loss":NaN}', '{"step":4,"loss":1}'], 10, 'm.jsonl');
    assert.deepEqual(records.map((r) => r.step), [1, 4]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0], /^m\.jsonl:12: skipped a corrupt metrics line/);
  });

  it('readLastMetrics reads the tail only and skips a torn last line', async () => {
    const big = Array.from({ length: 5000 }, (_, i) => line(i + 1)).join('');
    const dir = await makeRun(root, 'r', { metrics: big + '{"step":5001,"loss":' });
    assert.equal((await readLastMetrics(dir))?.step, 5000);
    assert.equal(await readLastMetrics(path.join(root, 'none')), undefined);
  });

  describe('MetricsFollower', () => {
    it('returns only appended complete lines, keeps a half-written line for the next read, and warns on corrupt ones', async () => {
      const dir = await makeRun(root, 'r', { metrics: line(1) + line(2) });
      const f = new MetricsFollower(dir);
      let c = await f.read();
      assert.deepEqual([c.records.map((r) => r.step), c.reset], [[1, 2], false]);
      await fs.appendFile(f.file, '{"step":3,"loss":0.3');
      c = await f.read();
      assert.deepEqual(c.records, []);
      await fs.appendFile(f.file, '}\nnot json\n' + line(4));
      c = await f.read();
      assert.deepEqual(c.records.map((r) => r.step), [3, 4]);
      assert.equal(c.warnings.length, 1);
      assert.match(c.warnings[0], /metrics\.jsonl:4: skipped/);
      assert.deepEqual((await f.read()).records, []);
    });

    it('starts over (reset) when the file was rewritten shorter, as a resume does', async () => {
      const dir = await makeRun(root, 'r', { metrics: line(1) + line(2) + line(3) });
      const f = new MetricsFollower(dir);
      await f.read();
      await fs.writeFile(f.file, line(1));
      const c = await f.read();
      assert.equal(c.reset, true);
      assert.deepEqual(c.records.map((r) => r.step), [1]);
    });

    it('reads nothing from a run without metrics yet', async () => {
      const dir = await makeRun(root, 'r');
      assert.deepEqual(await new MetricsFollower(dir).read(), { records: [], reset: false, warnings: [] });
    });
  });
});
