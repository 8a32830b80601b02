/**
 * The shape, proved: a family that lives only in this folder registers itself (the one registry
 * line) and the engine lists it, trains it into a run, describes and captures its checkpoint, and
 * decodes with it by beam search: every request answered through the same handlers the editor uses,
 * on an in-process engine wired to a host endpoint by the protocol's own RPC.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latestCheckpoint } from '../../../../core/checkpoint/runCheckpoints';
import { startEngineServer } from '../../../../core/engine/engineServer';
import { registerFamily } from '../../../../core/models/registry';
import { engineSide, hostSide } from '../../../../protocol/engine';
import { RpcEndpoint } from '../../../../protocol/rpc';
import { transportPair } from '../../../protocol/fakeTransport';
import { useEngineBackend } from '../../engineBackend';
import { TOY_FORMAT, toyFamily } from './toyFamily';

describe('a family from outside core/models: the toy next-letter LM', function () {
  this.timeout(120_000);
  useEngineBackend();
  let host: RpcEndpoint<typeof hostSide.requests, typeof hostSide.events, typeof engineSide.requests, typeof engineSide.events>;
  let runDir: string;
  let checkpoint: string;

  before(async () => {
    registerFamily(toyFamily);
    const { a, b } = transportPair();
    await startEngineServer(a, { backend: 'wasm', uptimeMs: () => 0 }).ready;
    host = new RpcEndpoint(b, hostSide, engineSide);
    runDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'toy-family-')), 'run');
  });
  after(async () => fs.rm(path.dirname(runDir), { recursive: true, force: true }));

  it('is listed among the trainable models with the options of its own schema', async () => {
    const toy = (await host.request('train.models', {})).find((m) => m.model === TOY_FORMAT);
    assert.ok(toy, 'the toy family is not listed by train.models');
    assert.equal(toy.label, 'Toy next-letter LM');
    assert.ok(toy.options.some((o) => o.name === 'steps'));
    assert.match((await host.request('train.checkOptions', { model: TOY_FORMAT, options: { learningRate: 0.1 } })).problem ?? '', /learningRate/);
  });

  it('trains into a run through train.start, with progress, and leaves a checkpoint', async () => {
    const steps: number[] = [];
    const r = await host.request('train.start', { runDir, model: TOY_FORMAT, options: { steps: 250, batchSize: 16, logEvery: 25 } }, { onProgress: (p) => steps.push(p.step ?? 0) });
    assert.equal(r.status, 'finished', r.message);
    // Progress is throttled by the engine; the last report is the last step.
    assert.ok(steps.length >= 2 && steps.at(-1) === 250, `progress steps ${steps.join(',')}`);
    assert.ok((r.finalLoss ?? Infinity) < 0.5, `final loss ${r.finalLoss}`);
    const latest = await latestCheckpoint(runDir);
    assert.ok(latest, 'no checkpoint in the run');
    checkpoint = latest.dir;
  });

  it('describes its checkpoint and captures causal attention for a text', async () => {
    const d = await host.request('model.describe', { spec: checkpoint });
    assert.equal(d.family, TOY_FORMAT);
    assert.equal(d.input, 'text');
    assert.deepEqual(d.surfaces, ['attention', 'decode']);
    const c = await host.request('attention.capture', { spec: checkpoint, text: 'abc' });
    assert.deepEqual(c.text.labels, ['a', 'b', 'c']);
    const page = await host.request('attention.layer', { captureId: c.captureId, kind: 'decoder-self', layer: 0 });
    assert.deepEqual(page.shape, [1, 4, 4]);
    const rows = Array.from({ length: 4 }, (_, q) => Array.from(page.data as Float32Array).slice(q * 4, q * 4 + 4));
    rows.forEach((row, q) => {
      assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `row ${q} sums to ${row}`);
      row.slice(q + 1).forEach((v) => assert.equal(v, 0, `query ${q} attends to a future position`));
    });
  });

  it('decodes by beam search from a prompt, starting and ending on its own special id', async () => {
    const r = await host.request('beam.decode', { spec: checkpoint, text: 'bcd', beamSize: 2, alpha: 0, maxTokens: 8 });
    assert.equal(r.hypotheses[0].text, 'bcdefgh', 'the prompt and the letters after it');
    assert.ok(r.hypotheses[0].finished, 'the best hypothesis did not end on the toy end id');
  });
});
