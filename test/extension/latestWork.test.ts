/** LatestWork: of a panel's overlapping requests, only the newest one's answer is shown. */
import * as assert from 'node:assert/strict';
import { LatestWork, type PanelStatus } from '../../extension/panels/latestWork';
import { RpcError } from '../../protocol/rpc';

/** A request the test answers by hand; `signal` is the one run() gave it. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void; signal?: AbortSignal } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('panels: LatestWork', () => {
  const loading: PanelStatus = { state: 'loading', message: 'working' };
  const failed = (message: string): PanelStatus => ({ state: 'error', message });

  function setup() {
    const posted: PanelStatus[] = [];
    const warned: string[] = [];
    const shown: string[] = [];
    const work = new LatestWork<PanelStatus>((s) => posted.push(s), (e) => warned.push(e.message));
    const start = (answer: ReturnType<typeof deferred<string>>) =>
      work.run(loading, (signal) => ((answer.signal = signal), answer.promise), (r) => shown.push(r), failed);
    return { work, posted, warned, shown, start };
  }

  it('shows the newest answer only, even when an older one arrives last; the older request is aborted', async () => {
    const { work, shown, start } = setup();
    const first = deferred<string>();
    const second = deferred<string>();
    const a = start(first);
    const b = start(second);
    assert.equal(first.signal?.aborted, true, 'the first request was aborted');
    second.resolve('new');
    first.resolve('old');
    await Promise.all([a, b]);
    assert.deepEqual(shown, ['new']);
    assert.equal(work.status, undefined, 'no status once a result is shown');
  });

  it('keeps loading, then the failure, for a page that loads meanwhile; a cancellation is silent', async () => {
    const { work, posted, warned, shown, start } = setup();
    const answer = deferred<string>();
    const run = start(answer);
    assert.deepEqual(work.status, loading);
    answer.reject(new RpcError('invalid-input', 'bad text'));
    await run;
    assert.deepEqual(work.status, failed('bad text'));
    assert.deepEqual(posted, [loading, failed('bad text')]);
    assert.deepEqual(warned, ['bad text']);
    const cancelled = deferred<string>();
    const again = start(cancelled);
    cancelled.reject(new RpcError('cancelled', 'stopped'));
    await again;
    assert.deepEqual(shown, []);
    assert.deepEqual(warned, ['bad text'], 'a cancellation is not a failure');
  });

  it('supersede drops what runs now; a ticket taken before a lookup stops counting once newer work starts', async () => {
    const { work, shown, start } = setup();
    const answer = deferred<string>();
    const run = start(answer);
    work.supersede();
    assert.equal(answer.signal?.aborted, true);
    answer.resolve('late');
    await run;
    assert.deepEqual(shown, []);
    const ticket = work.ticket();
    assert.equal(work.isCurrent(ticket), true);
    void start(deferred<string>());
    assert.equal(work.isCurrent(ticket), false);
  });
});
