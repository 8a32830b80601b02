/** The supervisor against the real engine process (dist/core/engine.js); no VS Code needed. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EngineSupervisor } from '../../extension/engine/engineSupervisor';
import type { EngineStatus } from '../../protocol/panel';
import { RpcError } from '../../protocol/rpc';
import { ENGINE_PATH } from '../engineProcess';
import { repoRoot } from '../repoRoot';


function untilStatus(engine: EngineSupervisor, kind: EngineStatus['kind'], timeoutMs = 20_000): Promise<EngineStatus> {
  return new Promise((resolve, reject) => {
    if (engine.currentStatus.kind === kind) return resolve(engine.currentStatus);
    const timer = setTimeout(() => reject(new Error(`status never became '${kind}' (is '${engine.currentStatus.kind}')`)), timeoutMs);
    const off = engine.onStatus((s) => {
      if (s.kind !== kind) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

describe('EngineSupervisor (real engine process)', function () {
  this.timeout(60_000);
  let engine: EngineSupervisor;
  afterEach(() => engine?.dispose());

  it('starts lazily: no process until the first request', async () => {
    engine = new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'auto' });
    assert.equal(engine.currentStatus.kind, 'idle');
    assert.equal(engine.pid, undefined);
    const info = await engine.request('engine.info', {});
    assert.equal(info.pid, engine.pid);
    assert.equal((await untilStatus(engine, 'running')).kind, 'running');
    assert.ok(info.candidates.some((c) => c.status === 'chosen' && c.name === info.backend));
  });

  it('passes the backend setting to the engine', async () => {
    engine = new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'cpu' });
    assert.equal((await engine.request('engine.info', {})).backend, 'cpu');
  });

  it('carries tensors from the engine as binary typed arrays', async () => {
    engine = new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'auto' });
    const t = await engine.request('diagnostics.tensor', { elements: 300_000 });
    assert.ok(t.data instanceof Float32Array);
    assert.equal(t.data.length, 300_000);
    assert.equal(t.data[1025], 1);
  });

  it('answers bad input with a clear error, not a crash', async () => {
    engine = new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'auto' });
    await assert.rejects(engine.request('checkpoint.inspect', { path: path.join(repoRoot, 'package.json') }), (e: RpcError) =>
      e.code === 'invalid-checkpoint' && e.message.includes('package.json'),
    );
    assert.equal((await engine.request('engine.info', {})).pid, engine.pid, 'the engine survived');
  });

  it('when killed from outside: fails pending requests clearly, restarts, and serves again', async () => {
    engine = new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'auto', initialBackoffMs: 100 });
    const first = await engine.request('engine.info', {});
    const pending = engine.request('diagnostics.matmul', { size: 2048, repeats: 50 }); // long enough to be in flight
    await new Promise((r) => setTimeout(r, 200));
    process.kill(first.pid, 'SIGKILL');
    await assert.rejects(pending, (e: RpcError) => e.code === 'channel-closed' && /stopped unexpectedly \(signal SIGKILL\)/.test(e.message));
    const restarting = await untilStatus(engine, 'restarting');
    assert.equal(restarting.kind === 'restarting' && restarting.delayMs, 100);
    const running = await untilStatus(engine, 'running');
    assert.ok(running.kind === 'running' && running.restarts === 1);
    const again = await engine.request('engine.info', {});
    assert.notEqual(again.pid, first.pid);
  });

  it('gives up after repeated quick crashes, with backoff between tries', async () => {
    const statuses: EngineStatus[] = [];
    engine = new EngineSupervisor({
      enginePath: path.join(repoRoot, 'test', 'fixtures', 'exitingEngine.js'),
      backend: () => 'auto',
      initialBackoffMs: 10,
      maxConsecutiveCrashes: 3,
    });
    engine.onStatus((s) => statuses.push(s));
    await assert.rejects(engine.request('engine.info', {}), (e: RpcError) => /exit code 7/.test(e.message));
    const failed = await untilStatus(engine, 'failed');
    assert.match(failed.kind === 'failed' ? failed.reason : '', /crashed 4 times in a row.*Restart Engine/);
    const delays = statuses.flatMap((s) => (s.kind === 'restarting' ? [s.delayMs] : []));
    assert.deepEqual(delays, [10, 20, 40]);
  });
});
