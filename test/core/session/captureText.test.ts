/** "Attention for this text": truncation, unknown tokens, labels, ablation and model caching. */
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { layerPage, queryKeyDetail } from '../../../core/session/attentionPages';
import { LoadedModels } from '../../../core/session/loadedModels';
import { CaptureStore, captureText } from '../../../core/session/captureText';
import { writeCheckpoint } from '../../../core/checkpoint/checkpointFiles';
import { saveRnnSeq2seq } from '../../../core/models/rnnSeq2seq/checkpoint';
import { RnnSeq2seq } from '../../../core/models/rnnSeq2seq/rnnSeq2seq';
import { saveTransformer } from '../../../core/models/transformer/checkpoint';
import { Transformer } from '../../../core/models/transformer/transformer';
import { Tokenizer } from '../../../core/text/tokenizer';
import { RpcError } from '../../../protocol/rpc';
import { useEngineBackend } from '../engineBackend';
import { saveImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { VitModel } from '../../../core/models/vit/vit';

async function savedModel(kind: 'seq2seq' | 'lm'): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `text-attn-${kind}-`));
  const tok = Tokenizer.fit('char', ['abcdefgh']);
  const model = new Transformer({ kind, sourceVocabSize: tok.size, targetVocabSize: tok.size, dModel: 16, heads: 2, dFF: 32, encoderLayers: 2, decoderLayers: 2, maxLength: 8 }, 3);
  await saveTransformer(dir, { model, sourceTokenizer: kind === 'seq2seq' ? tok : undefined, targetTokenizer: tok, metadata: { task: 'test' } });
  model.dispose();
  return dir;
}

describe('text attention (engine side)', () => {
  useEngineBackend();
  let seq2seqDir: string;
  let lmDir: string;
  const models = new LoadedModels();
  before(async () => {
    seq2seqDir = await savedModel('seq2seq');
    lmDir = await savedModel('lm');
  });
  after(() => models.dispose());

  it('describes a seq2seq capture: text tokens with spans, every map, encoder-self as the text axis', async () => {
    const store = new CaptureStore();
    const r = captureText(store, await models.get(seq2seqDir), 'abc', []);
    assert.deepEqual(r.text.labels, ['a', 'b', 'c']);
    assert.deepEqual(r.text.spans, [[0, 1], [1, 2], [2, 3]]);
    assert.deepEqual(r.textQueries, { kind: 'encoder-self', offset: 0, axis: 'query' });
    assert.deepEqual(r.maps.map((m) => m.kind), ['encoder-self', 'decoder-self', 'cross']);
    assert.equal(r.decoder.probs.length, r.decoder.predictedLabels.length);
    const page = layerPage(store.map(r.captureId, 'encoder-self'), 1);
    assert.deepEqual(page.shape, [2, 3, 3]);
  });

  it('opens a checkpoint by its model.json as well as by its folder', async () => {
    const byFile = await models.get(path.join(seq2seqDir, 'model.json'));
    assert.equal(byFile.description.input, 'text-pair');
    await assert.rejects(models.get(os.tmpdir()), (e: RpcError) => e.code === 'not-found' && /no model\.json here/.test(e.message));
  });

  it('can skip decoding (hovers): the text axis is the same, the decoder reads only <bos>', async () => {
    const m = await models.get(seq2seqDir);
    const store = new CaptureStore();
    const full = captureText(store, m, 'abcd', []);
    const quick = captureText(store, m, 'abcd', [], false);
    assert.deepEqual(quick.decoder.inputLabels, ['<bos>']);
    assert.deepEqual(Array.from(layerPage(store.map(quick.captureId, 'encoder-self'), 1).data), Array.from(layerPage(store.map(full.captureId, 'encoder-self'), 1).data));
  });

  it('the LM reads the text on the decoder, after <bos>', async () => {
    const r = captureText(new CaptureStore(), await models.get(lmDir), 'cab', []);
    assert.deepEqual(r.textQueries, { kind: 'decoder-self', offset: 1, axis: 'query' });
    assert.deepEqual(r.maps[0].queryLabels, ['<bos>', 'c', 'a', 'b']);
  });

  it('truncates text past the maximum length and says so', async () => {
    const r = captureText(new CaptureStore(), await models.get(seq2seqDir), 'abcdefghabcd', []);
    assert.deepEqual(r.text.truncated, { keptTokens: 8, totalTokens: 12 });
    assert.equal(r.text.text, 'abcdefgh');
    const lm = captureText(new CaptureStore(), await models.get(lmDir), 'abcdefghabcd', []);
    assert.deepEqual(lm.text.truncated, { keptTokens: 7, totalTokens: 12 }, '<bos> takes one LM position');
  });

  it('shows unknown characters as written and lists them, instead of failing', async () => {
    const r = captureText(new CaptureStore(), await models.get(seq2seqDir), 'aZb', []);
    assert.deepEqual(r.text.unknown, [1]);
    assert.deepEqual(r.maps[0].keyLabels, ['a', 'Z', 'b']);
  });

  it('rejects empty text and impossible ablations with clear messages', async () => {
    const m = await models.get(seq2seqDir);
    assert.throws(() => captureText(new CaptureStore(), m, '   ', []), (e: RpcError) => e.code === 'invalid-input' && /empty/.test(e.message));
    assert.throws(
      () => captureText(new CaptureStore(), m, 'abc', [{ kind: 'cross', layer: 5, head: 0 }]),
      (e: RpcError) => /cannot ablate cross layer 5 head 0: the model has 2 layers of 2 heads/.test(e.message),
    );
  });

  it('ablating a head zeroes nothing in the weights it reports but changes what follows it', async () => {
    const m = await models.get(seq2seqDir);
    const store = new CaptureStore();
    const base = captureText(store, m, 'abcd', []);
    const ablated = captureText(store, m, 'abcd', [{ kind: 'encoder-self', layer: 0, head: 0 }, { kind: 'encoder-self', layer: 0, head: 1 }]);
    const l0 = (id: number) => layerPage(store.map(id, 'encoder-self'), 0).data;
    const l1 = (id: number) => layerPage(store.map(id, 'encoder-self'), 1).data;
    assert.deepEqual(Array.from(l0(ablated.captureId)), Array.from(l0(base.captureId)), 'layer 0 weights are computed before the ablation');
    assert.notDeepEqual(Array.from(l1(ablated.captureId)), Array.from(l1(base.captureId)), 'layer 1 sees the ablated output');
    assert.deepEqual(ablated.ablated.length, 2);
  });

  it('query-key detail: softmax over q·k/sqrt(dk) reproduces the captured weights, for every kind', async () => {
    const store = new CaptureStore();
    const r = captureText(store, await models.get(seq2seqDir), 'abcd', [], true, true);
    for (const info of r.maps) {
      const map = store.map(r.captureId, info.kind);
      const [L, H, Q, K] = info.shape;
      for (const [layer, head, query] of [[0, 0, 0], [L - 1, H - 1, Q - 1], [1 % L, 1 % H, Math.min(2, Q - 1)]]) {
        const scores = Array.from({ length: K }, (_, key) => queryKeyDetail(map, layer, head, query, key).score);
        // Causal mask: decoder self-attention cannot see later keys.
        const visible = scores.map((_, key) => info.kind !== 'decoder-self' || key <= query);
        const max = Math.max(...scores.filter((_, key) => visible[key]));
        const exp = scores.map((s, key) => (visible[key] ? Math.exp(s - max) : 0));
        const sum = exp.reduce((a, b) => a + b, 0);
        exp.forEach((e, key) => {
          const d = queryKeyDetail(map, layer, head, query, key);
          assert.ok(Math.abs(e / sum - d.weight) < 1e-5, `${info.kind} l${layer} h${head} q${query} k${key}: ${e / sum} vs ${d.weight}`);
          const [dk] = [d.vectors.shape[1]];
          const product = Array.from(d.vectors.data.subarray(2 * dk));
          assert.ok(Math.abs(product.reduce((a, b) => a + b, 0) / Math.sqrt(dk) - d.score) < 1e-5);
        });
      }
    }
  });

  it('query-key detail is refused for captures taken without it, and for indices out of range', async () => {
    const store = new CaptureStore();
    const r = captureText(store, await models.get(seq2seqDir), 'abcd', []);
    assert.throws(() => queryKeyDetail(store.map(r.captureId, 'cross'), 0, 0, 0, 0), /no queries and keys/);
    const r2 = captureText(store, await models.get(seq2seqDir), 'abcd', [], true, true);
    assert.throws(() => queryKeyDetail(store.map(r2.captureId, 'encoder-self'), 0, 0, 9, 0), /outside/);
  });

  it('an RNN seq2seq: one cross map [1, 1, T, S] with the text on its keys, always decoded; no ablation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'text-attn-rnn-'));
    const tok = Tokenizer.fit('char', ['abcdefgh']);
    const model = new RnnSeq2seq({ sourceVocabSize: tok.size, targetVocabSize: tok.size, embedDim: 8, encoderUnits: 8, maxLength: 6 }, 4);
    await saveRnnSeq2seq(dir, { model, sourceTokenizer: tok, targetTokenizer: tok, metadata: { task: 'test' } });
    model.dispose();
    const m = await models.get(dir);
    assert.equal(m.description.family, 'rnn-seq2seq');
    assert.deepEqual(m.description.attention.map((a) => [a.kind, a.layers, a.heads, a.structure]), [['cross', 1, 1, 'alignment']]);
    const store = new CaptureStore();
    const r = captureText(store, m, 'aZbcdefg', [], false);
    assert.deepEqual(r.textQueries, { kind: 'cross', offset: 0, axis: 'key' });
    assert.deepEqual(r.text.truncated, { keptTokens: 6, totalTokens: 8 });
    assert.deepEqual(r.maps.map((x) => x.kind), ['cross']);
    assert.deepEqual(r.maps[0].keyLabels, ['a', 'Z', 'b', 'c', 'd', 'e'], 'what the user wrote, also where the model read <unk>');
    assert.equal(r.maps[0].queryLabels[0], '<bos>');
    assert.deepEqual(r.maps[0].shape.slice(0, 3), [1, 1, r.decoder.inputLabels.length]);
    assert.ok(r.decoder.inputLabels.length > 1 || r.output === '', 'decoded although decode was false');
    const page = layerPage(store.map(r.captureId, 'cross'), 0);
    for (let q = 0; q < page.shape[1]; q++) assert.ok(Math.abs(Array.from(page.data.subarray(q * 6, (q + 1) * 6)).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.throws(() => captureText(store, m, 'abc', [{ kind: 'cross', layer: 0, head: 0 }]), (e: RpcError) => e.code === 'unsupported' && /one alignment, with no heads to ablate/.test(e.message));
  });

  it('an image model is refused for text by name; a format no family reads is refused with the ones that are read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'text-attn-vit-'));
    const vit = new VitModel({ imageSize: 16, patchSize: 8, dim: 8, depth: 1, heads: 2, mlpDim: 8 });
    await saveImageModel(vit, dir, ['a', 'b', 'c', 'd', 'e']);
    vit.dispose();
    const m = await models.get(dir);
    assert.throws(() => captureText(new CaptureStore(), m, 'abc', []), (e: RpcError) => e.code === 'unsupported' && /is a ViT, which reads images, not text/.test(e.message));
    const llama = mkdtempSync(path.join(os.tmpdir(), 'text-attn-llama-'));
    await writeCheckpoint(llama, { format: 'llama', modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), metadata: {} });
    await assert.rejects(models.get(llama), (e: RpcError) => e.code === 'invalid-checkpoint' && /'llama' checkpoint; the engine reads transformer, rnn-seq2seq, captioner, vit, vgg-attention/.test(e.message));
  });

  it('expires old captures with a message that says what to do', () => {
    const store = new CaptureStore();
    assert.throws(() => store.map(99, 'cross'), (e: RpcError) => e.code === 'not-found' && /show attention again/.test(e.message));
  });

  it('keeps tensors from growing over repeated captures (models cached, captures in plain arrays)', async () => {
    const m = await models.get(seq2seqDir);
    captureText(new CaptureStore(), m, 'abcd', []);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) captureText(new CaptureStore(), await models.get(seq2seqDir), 'abcd', []);
    assert.equal(tf.memory().numTensors, before);
  });
});
