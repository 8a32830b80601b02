/** The engine-facing API: attention capture with labels, checkpoints, bad input (beam decodes: test/core/decoding/beamTrees.test.ts). */
import * as assert from 'node:assert/strict';
import { mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../../protocol/rpc';
import { loadTransformer, saveTransformer, type TransformerBundle } from '../../../../core/models/transformer/checkpoint';
import { captureAttention, encodeSource } from '../../../../core/models/transformer/capture';
import { padIds } from '../../../../core/nn/padding';
import { Transformer } from '../../../../core/models/transformer/transformer';
import { Tokenizer } from '../../../../core/text/tokenizer';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

function bundle(kind: 'seq2seq' | 'lm' = 'seq2seq'): TransformerBundle {
  const src = Tokenizer.fit('char', ['abcdefgh']);
  const tgt = Tokenizer.fit('char', ['abcdefgh']);
  const model = new Transformer({ kind, sourceVocabSize: src.size, targetVocabSize: tgt.size, dModel: 16, heads: 2, dFF: 32, encoderLayers: 2, decoderLayers: 3, maxLength: 10 }, 11);
  return { model, sourceTokenizer: kind === 'seq2seq' ? src : undefined, targetTokenizer: tgt, metadata: {} };
}

const isInvalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === 'invalid-input' && re.test(e.message);

describe('transformer: attention capture API', () => {
  useEngineBackend();

  it('captures every map with [layers, heads, queries, keys] and token labels on both axes', () => {
    const b = bundle();
    const cap = captureAttention(b, 'abcd', 'dcb');
    assert.deepEqual(
      cap.maps.map((m) => [m.kind, ...m.shape]),
      [
        ['encoder-self', 2, 2, 4, 4],
        ['decoder-self', 3, 2, 4, 4],
        ['cross', 3, 2, 4, 4],
      ],
    );
    const cross = cap.maps[2];
    assert.deepEqual(cross.keyLabels, ['a', 'b', 'c', 'd']);
    assert.deepEqual(cross.queryLabels, ['<bos>', 'd', 'c', 'b']);
    assert.equal(cap.predicted.ids.length, 4);
    for (const m of cap.maps) {
      const [L, H, Q, K] = m.shape;
      for (let r = 0; r < L * H * Q; r++) {
        const sum = m.data.subarray(r * K, (r + 1) * K).reduce((a, x) => a + x, 0);
        assert.ok(Math.abs(sum - 1) <= 1e-5);
      }
    }
    // Decoder self-attention is causal.
    const ds = cap.maps[1];
    assert.equal(ds.data[1], 0); // layer 0, head 0, query 0 (<bos>) on key 1
    b.model.dispose();
  });

  it('without a target, captures over the greedy output; the LM captures its text', () => {
    const b = bundle();
    const cap = captureAttention(b, 'abc');
    assert.equal(cap.decoderInput.ids.length, cap.target.length + 1);
    b.model.dispose();
    const lm = bundle('lm');
    const c2 = captureAttention(lm, null, 'abcab');
    assert.deepEqual(
      c2.maps.map((m) => m.kind),
      ['decoder-self'],
    );
    assert.deepEqual(c2.maps[0].shape, [3, 2, 6, 6]);
    lm.model.dispose();
  });

  it('ablation through the API changes the captured maps downstream only', () => {
    const b = bundle();
    const base = captureAttention(b, 'abcd', 'dcba');
    const off = captureAttention(b, 'abcd', 'dcba', { ablate: [{ kind: 'decoder-self', layer: 0, head: 1 }] });
    assert.equal(maxAbsDiff(base.maps[0].data, off.maps[0].data), 0, 'encoder untouched');
    assert.ok(maxAbsDiff(base.maps[2].data, off.maps[2].data) > 0, 'cross-attention after the ablated head changes');
    b.model.dispose();
  });

  const bad: { name: string; run: (b: TransformerBundle) => unknown; re: RegExp }[] = [
    { name: 'empty source', run: (b) => captureAttention(b, '   '), re: /source is empty/ },
    { name: 'source over the maximum length', run: (b) => captureAttention(b, 'abcdefghabc'), re: /source has 11 tokens; this model accepts at most 10/ },
    { name: 'unknown characters', run: (b) => encodeSource(b, 'abXz'), re: /source: 2 token\(s\) not in the model's vocabulary: "X", "z"/ },
  ];
  for (const c of bad) {
    it(`bad input: ${c.name} gives a clear invalid-input error`, () => {
      const b = bundle();
      assert.throws(() => c.run(b), isInvalid(c.re));
      b.model.dispose();
    });
  }

  it('unknown characters are accepted as <unk> when asked', () => {
    const b = bundle();
    const cap = captureAttention(b, 'abXz', 'ab', { allowUnknown: true });
    assert.deepEqual(cap.source?.labels, ['a', 'b', '<unk>', '<unk>']);
    b.model.dispose();
  });

  it('a checkpoint round trip gives identical logits; a mismatched checkpoint is refused', async () => {
    const b = bundle();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ad-tf-ckpt-'));
    await saveTransformer(dir, { ...b, metadata: { task: 'test' } });
    const back = await loadTransformer(dir);
    assert.equal(back.metadata.task, 'test');
    assert.deepEqual(back.sourceTokenizer?.vocab, b.sourceTokenizer?.vocab);
    const src = padIds([[4, 5, 6]]);
    const tin = padIds([[1, 7, 8]]);
    const r1 = b.model.forward(src, tin);
    const r2 = back.model.forward(src, tin);
    assert.equal(maxAbsDiff(r1.logits.dataSync(), r2.logits.dataSync()), 0);
    tf.dispose([src, tin, r1.logits, r2.logits, ...r1.encoderSelf, ...r1.decoderSelf, ...r1.cross, ...r2.encoderSelf, ...r2.decoderSelf, ...r2.cross]);
    // Edit the config so the weights no longer fit.
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.dFF = 48;
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await assert.rejects(loadTransformer(dir), (e: unknown) => e instanceof RpcError && e.code === 'invalid-checkpoint' && /does not match the model: 'encoder\/0\/ffn\/inner\/w' is \[16,32\], the model needs \[16,48\]/.test(e.message));
    b.model.dispose();
    back.model.dispose();
  });
});
