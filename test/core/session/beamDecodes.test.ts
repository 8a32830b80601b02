/** The engine's beam requests: tree and hypotheses through the RPC channel, forced prefixes, node
 * attention shapes (Transformer and RNN seq2seq), and clear refusals for bad settings and models
 * without a decoder. */
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkTree } from '../../../core/decoding/searchTree';
import { pathTokens } from '../../../core/session/beamDecodes';
import { LoadedModels } from '../../../core/session/loadedModels';
import { registerBeamHandlers } from '../../../core/engine/handlers/beamHandlers';
import type { EngineEndpoint } from '../../../core/engine/engineServer';
import { saveRnnSeq2seq } from '../../../core/models/rnnSeq2seq/checkpoint';
import { RnnSeq2seq } from '../../../core/models/rnnSeq2seq/rnnSeq2seq';
import { saveTransformer } from '../../../core/models/transformer/checkpoint';
import { Transformer } from '../../../core/models/transformer/transformer';
import { EOS, Tokenizer } from '../../../core/text/tokenizer';
import { engineSide, hostSide, type EngineInfo } from '../../../protocol/engine';
import { RpcEndpoint, type RpcError } from '../../../protocol/rpc';
import { transportPair } from '../../protocol/fakeTransport';
import { useEngineBackend } from '../engineBackend';
import { saveImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { VitModel } from '../../../core/models/vit/vit';

async function savedModel(kind: 'seq2seq' | 'lm'): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `beam-${kind}-`));
  const tok = Tokenizer.fit('char', ['abcdefgh']);
  const model = new Transformer({ kind, sourceVocabSize: tok.size, targetVocabSize: tok.size, dModel: 16, heads: 2, dFF: 32, encoderLayers: 1, decoderLayers: 2, maxLength: 12 }, 7);
  await saveTransformer(dir, { model, sourceTokenizer: kind === 'seq2seq' ? tok : undefined, targetTokenizer: tok, metadata: { task: 'test' } });
  model.dispose();
  return dir;
}

describe('beam requests (engine side)', () => {
  useEngineBackend();
  let seq2seq: string;
  let lm: string;
  let host: RpcEndpoint<typeof hostSide.requests, typeof hostSide.events, typeof engineSide.requests, typeof engineSide.events>;
  let engine: EngineEndpoint;
  const settings = { beamSize: 4, alpha: 0.6, maxTokens: 8 };

  before(async () => {
    seq2seq = await savedModel('seq2seq');
    lm = await savedModel('lm');
    const { a, b } = transportPair();
    engine = new RpcEndpoint(a, engineSide, hostSide);
    host = new RpcEndpoint(b, hostSide, engineSide);
    registerBeamHandlers({ rpc: engine, backendReady: async () => ({}) as EngineInfo, models: new LoadedModels() });
  });
  after(() => {
    host.close();
    engine.close();
  });

  it('decodes with the whole tree: valid, best first, source labels, effective length cap', async () => {
    const r = await host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings });
    assert.deepEqual(checkTree(r.tree, EOS), []);
    assert.deepEqual(r.source.labels, ['a', 'b', 'c']);
    assert.ok(r.hypotheses.length >= 1 && r.hypotheses.length <= 4);
    for (let i = 1; i < r.hypotheses.length; i++) assert.ok(r.hypotheses[i - 1].normalized >= r.hypotheses[i].normalized);
    assert.equal(r.settings.maxTokens, 8);
    const capped = await host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, maxTokens: 200 });
    assert.equal(capped.settings.maxTokens, 11, 'capped at the model maximum length - 1');
  });

  it('a forced prefix (a node path) opens every hypothesis and is marked forced in the tree', async () => {
    const first = await host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings });
    const pruned = first.tree.nodes.find((n) => n.status === 'pruned' && n.depth === 2 && n.token !== EOS);
    assert.ok(pruned, 'a pruned second-step alternative');
    const prefix = pathTokens(first.tree, pruned.id);
    const r = await host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, prefix });
    assert.deepEqual(r.prefix, prefix);
    for (const h of r.hypotheses) assert.deepEqual(h.tokens.slice(0, prefix.length), prefix);
    assert.deepEqual(r.tree.nodes.slice(1, 3).map((n) => [n.forced, n.token]), prefix.map((t) => [true, t]));
  });

  it('node attention: cross [L, H, d, S] and decoder self [L, H, d, d] for a node at depth d; no leak', async () => {
    const r = await host.request('beam.decode', { spec: seq2seq, text: 'abcd', ...settings });
    const node = r.tree.nodes.filter((n) => n.depth === 3)[0];
    const before = tf.memory().numTensors;
    const a = await host.request('beam.nodeAttention', { decodeId: r.decodeId, node: node.id });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.cross?.shape, [2, 2, 3, 4]);
    assert.deepEqual(a.decoderSelf?.shape, [2, 2, 3, 3]);
    assert.equal(a.queryLabels[0], '<bos>');
    assert.equal(a.predicted, node.label);
    const row = Array.from(a.cross!.data.subarray(0, 4)).reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(row - 1) < 1e-5);
    await assert.rejects(host.request('beam.nodeAttention', { decodeId: r.decodeId, node: 0 }), /root .* has no attention/);
    await assert.rejects(host.request('beam.nodeAttention', { decodeId: r.decodeId, node: 99_999 }), /not in this tree/);
    await assert.rejects(host.request('beam.nodeAttention', { decodeId: 12345, node: 1 }), (e: RpcError) => e.code === 'not-found');
  });

  it('the LM decodes from its prompt; the prompt is not part of the prefix', async () => {
    const r = await host.request('beam.decode', { spec: lm, text: 'ab', ...settings });
    assert.equal(r.promptLength, 2);
    assert.deepEqual(r.prefix, []);
    const a = await host.request('beam.nodeAttention', { decodeId: r.decodeId, node: r.hypotheses[0].nodeId });
    assert.equal(a.cross, undefined);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['beam 0', { beamSize: 0 }, /beam size must be at least 1/],
    ['beam above the limit', { beamSize: 33 }, /beam size must be at most 32/],
    ['alpha out of range', { alpha: 2.5 }, /alpha must be between 0 and 2/],
    ['negative alpha', { alpha: -0.1 }, /alpha must be between 0 and 2/],
    ['max length 0', { maxTokens: 0 }, /maximum output length must be at least 1/],
    ['alpha NaN', { alpha: Number.NaN }, /alpha must be a number/],
  ];
  for (const [what, patch, message] of bad) {
    it(`refuses ${what} with a clear message`, async () => {
      await assert.rejects(host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, ...patch } as never), (e: RpcError) => e.code === 'bad-request' && message.test(e.message));
    });
  }

  it('refuses an empty text, a prefix with <eos>, a prefix that fills the length limit, and n-best above the beam', async () => {
    await assert.rejects(host.request('beam.decode', { spec: seq2seq, text: '  ', ...settings }), (e: RpcError) => e.code === 'invalid-input' && /empty/.test(e.message));
    await assert.rejects(host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, prefix: [5, EOS] }), /must not contain <eos>/);
    await assert.rejects(host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, maxTokens: 2, prefix: [5, 6] }), /forced prefix has 2 tokens/);
    await assert.rejects(host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, nBest: 5 }), (e: RpcError) => e.code === 'invalid-input' && /n-best is 5 but the beam keeps only 4/.test(e.message));
    const two = await host.request('beam.decode', { spec: seq2seq, text: 'abc', ...settings, nBest: 2 });
    assert.ok(two.hypotheses.length <= 2 && two.settings.nBest === 2);
  });

  it('a model without a decoder (an image checkpoint) is refused as unsupported, by name', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'beam-image-'));
    const vit = new VitModel({ imageSize: 16, patchSize: 8, dim: 8, depth: 1, heads: 2, mlpDim: 8 });
    await saveImageModel(vit, dir, ['a', 'b', 'c', 'd', 'e']);
    vit.dispose();
    await assert.rejects(host.request('beam.decode', { spec: dir, text: 'abc', ...settings }), (e: RpcError) => e.code === 'unsupported' && /needs a model with a decoder.*'vit'/.test(e.message));
  });

  it('an RNN seq2seq decodes with the same tree format; its node attention is the alignment [1, 1, d, S] alone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'beam-rnn-'));
    const tok = Tokenizer.fit('char', ['abcdefgh']);
    const model = new RnnSeq2seq({ sourceVocabSize: tok.size, targetVocabSize: tok.size, embedDim: 8, encoderUnits: 8, maxLength: 12 }, 5);
    await saveRnnSeq2seq(dir, { model, sourceTokenizer: tok, targetTokenizer: tok, metadata: {} });
    model.dispose();
    const r = await host.request('beam.decode', { spec: dir, text: 'abcd', ...settings });
    assert.deepEqual(checkTree(r.tree, EOS), []);
    assert.equal(r.model.family, 'rnn-seq2seq');
    assert.deepEqual(r.source.labels, ['a', 'b', 'c', 'd']);
    assert.equal(r.settings.maxTokens, 8);
    const node = r.tree.nodes.find((n) => n.depth === 3);
    assert.ok(node, 'a node at depth 3');
    const before = tf.memory().numTensors;
    const a = await host.request('beam.nodeAttention', { decodeId: r.decodeId, node: node.id });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.cross?.shape, [1, 1, 3, 4]);
    assert.equal(a.decoderSelf, undefined);
    for (let q = 0; q < 3; q++) assert.ok(Math.abs(Array.from(a.cross!.data.subarray(q * 4, (q + 1) * 4)).reduce((s, x) => s + x, 0) - 1) < 1e-5);
    const prefix = pathTokens(r.tree, node.id);
    const forced = await host.request('beam.decode', { spec: dir, text: 'abcd', ...settings, prefix });
    for (const h of forced.hypotheses) assert.deepEqual(h.tokens.slice(0, prefix.length), prefix);
  });
});
