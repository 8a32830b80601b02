import * as assert from 'node:assert/strict';
import { z } from 'zod';
import { RpcEndpoint, RpcError, type EventSchemas, type RequestSchemas, type Side } from '../../protocol/rpc';
import { transportPair } from './fakeTransport';

const serverSide = {
  requests: {
    add: { params: z.object({ a: z.number(), b: z.number() }), result: z.number() },
    fail: { params: z.object({}), result: z.number() },
    slow: { params: z.object({ steps: z.number().int() }), result: z.string() },
    tensor: { params: z.object({ n: z.number().int() }), result: z.instanceof(Float32Array) },
    bad: { params: z.object({}), result: z.number() },
  },
  events: { hello: z.object({ name: z.string() }) },
} satisfies Side<RequestSchemas, EventSchemas>;
const clientSide = { requests: {}, events: { tick: z.number() } } satisfies Side<RequestSchemas, EventSchemas>;

function setup() {
  const { a, b } = transportPair();
  const problems: string[] = [];
  const server = new RpcEndpoint(a, serverSide, clientSide, (m) => problems.push(m));
  const client = new RpcEndpoint(b, clientSide, serverSide);
  let slowSignal: AbortSignal | undefined;
  server.handle('add', ({ a: x, b: y }) => x + y);
  server.handle('fail', () => {
    throw new RpcError('invalid-input', 'line 3: unknown token "§"');
  });
  server.handle('slow', async ({ steps }, ctx) => {
    slowSignal = ctx.signal;
    for (let i = 1; i <= steps; i++) {
      await new Promise((r) => setTimeout(r, 5));
      if (ctx.signal.aborted) return 'aborted';
      ctx.progress({ step: i, total: steps, fraction: i / steps });
    }
    return 'done';
  });
  server.handle('tensor', ({ n }) => new Float32Array(n).fill(1.5));
  // Returns a string where the schema promises a number: the caller must reject, not resolve junk.
  server.handle('bad', () => 'not a number' as unknown as number);
  return { a, b, server, client, problems, slowSignal: () => slowSignal };
}

describe('RpcEndpoint', () => {
  it('ties each reply to its request, concurrently', async () => {
    const { client } = setup();
    const results = await Promise.all([client.request('add', { a: 1, b: 2 }), client.request('add', { a: 10, b: -4 })]);
    assert.deepEqual(results, [3, 6]);
  });

  it('turns a handler error into a rejected request carrying code and message', async () => {
    const { client } = setup();
    await assert.rejects(client.request('fail', {}), (e: RpcError) => e.code === 'invalid-input' && e.message.includes('line 3'));
  });

  it('reports progress and the final result', async () => {
    const { client } = setup();
    const seen: number[] = [];
    const r = await client.request('slow', { steps: 4 }, { onProgress: (p) => seen.push(p.step ?? -1) });
    assert.equal(r, 'done');
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  it('cancels: the caller rejects at once and the handler sees its signal aborted', async () => {
    const { client, slowSignal } = setup();
    const controller = new AbortController();
    const p = client.request('slow', { steps: 1000 }, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await assert.rejects(p, (e: RpcError) => e.code === 'cancelled');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(slowSignal()?.aborted, true);
  });

  it('fails every pending request when the channel closes', async () => {
    const { client } = setup();
    const p1 = client.request('slow', { steps: 1000 });
    const p2 = client.request('slow', { steps: 1000 });
    client.close(new RpcError('channel-closed', 'engine died (signal SIGKILL)'));
    for (const p of [p1, p2]) {
      await assert.rejects(p, (e: RpcError) => e.code === 'channel-closed' && /SIGKILL.*'slow'/.test(e.message));
    }
    await assert.rejects(client.request('add', { a: 1, b: 1 }), (e: RpcError) => e.code === 'channel-closed');
  });

  it('answers invalid parameters with bad-request and never calls the handler', async () => {
    const { client, problems } = setup();
    // A webview can send anything: simulate a malformed request that bypasses the typed API.
    await assert.rejects(
      client.request('add', { a: 'one', b: 2 } as unknown as { a: number; b: number }),
      (e: RpcError) => e.code === 'bad-request' && e.message.includes("'add'"),
    );
    assert.equal(problems.length, 1);
  });

  it('rejects a reply that does not match the result schema', async () => {
    const { client } = setup();
    await assert.rejects(client.request('bad', {}), (e: RpcError) => e.code === 'internal' && e.message.includes('malformed'));
  });

  it('answers unknown request types with an error instead of leaving the caller waiting', async () => {
    const { a, b } = transportPair();
    new RpcEndpoint(a, { requests: {}, events: {} }, clientSide);
    const client = new RpcEndpoint(b, clientSide, serverSide);
    await assert.rejects(client.request('add', { a: 1, b: 2 }), (e: RpcError) => e.code === 'bad-request' && e.message.includes('Unknown request'));
  });

  it('drops malformed envelopes and invalid events, reporting each', async () => {
    const { a, server, problems } = setup();
    const seen: string[] = [];
    server.on('hello', (p) => seen.push(p.name));
    a.inject({ nonsense: true });
    a.inject(null);
    a.inject({ id: 1, body: { kind: 'event', type: 'hello', payload: { name: 42 } } });
    a.inject({ id: 2, body: { kind: 'event', type: 'nope', payload: {} } });
    a.inject({ id: 3, body: { kind: 'event', type: 'hello', payload: { name: 'ok' } } });
    assert.deepEqual(seen, ['ok']);
    assert.equal(problems.length, 4);
  });

  it('carries typed arrays as typed arrays', async () => {
    const { client } = setup();
    const t = await client.request('tensor', { n: 8 });
    assert.ok(t instanceof Float32Array);
    assert.equal(t.length, 8);
    assert.equal(t[7], 1.5);
  });
});
