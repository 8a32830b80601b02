import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ATTENTION_FILE_FORMAT, openAttentionFile } from '../../../core/formats/attentionFile';
import { type AttentionLayerToWrite, writeAttentionFile } from '../../../core/formats/attentionFileWriter';
import { writeSafetensors } from '../../../core/formats/safetensorsWriter';
import { Rng } from '../../../core/util/rng';
import type { AttentionKind } from '../../../protocol/models';
import { RpcError } from '../../../protocol/rpc';

/** Row-stochastic [heads, queries, keys] weights, seeded by kind and layer. */
function weights(seed: number, heads: number, queries: number, keys: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(heads * queries * keys);
  for (let r = 0; r < heads * queries; r++) {
    let sum = 0;
    for (let k = 0; k < keys; k++) sum += out[r * keys + k] = rng.next();
    for (let k = 0; k < keys; k++) out[r * keys + k] /= sum;
  }
  return out;
}

function layersOf(kind: AttentionKind, count: number, heads: number, queries: number, keys: number, seed = 1): AttentionLayerToWrite[] {
  return Array.from({ length: count }, (_, layer) => ({ kind, layer, shape: [heads, queries, keys], data: weights(seed * 1000 + layer, heads, queries, keys) }));
}

describe('attention files (bring your own attention)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-file-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a decoder-only model: describe, pages and heads are what was written', () => {
    const file = path.join(dir, 'gpt2.safetensors');
    const tokens = ['The', ' cat', ' sat', ' down'];
    const layers = layersOf('decoder-self', 3, 2, 4, 4);
    writeAttentionFile(file, layers, { tokens, model: 'gpt2', text: 'The cat sat down' });
    const att = openAttentionFile(file);
    try {
      assert.deepEqual(att.describe(), {
        file,
        model: 'gpt2',
        text: 'The cat sat down',
        kinds: [{ kind: 'decoder-self', layers: 3, heads: 2, queries: 4, keys: 4, queryTokens: tokens, keyTokens: tokens }],
      });
      assert.deepEqual(att.page('decoder-self', 2), layers[2].data);
      assert.deepEqual(att.head('decoder-self', 1, 1), (layers[1].data as Float32Array).slice(16, 32));
    } finally {
      att.close();
    }
  });

  it('an encoder-decoder model: each kind gets its axes\' tokens; F16 pages within half precision', () => {
    const file = path.join(dir, 'marian.safetensors');
    const source = ['▁Hello', '▁world', '</s>'];
    const target = ['<pad>', '▁Bonjour', '▁le', '▁monde'];
    const layers = [...layersOf('encoder-self', 2, 4, 3, 3, 1), ...layersOf('decoder-self', 2, 4, 4, 4, 2), ...layersOf('cross', 2, 4, 4, 3, 3)];
    writeAttentionFile(file, layers, { sourceTokens: source, targetTokens: target, dtype: 'F16' });
    const att = openAttentionFile(file);
    try {
      const kinds = att.describe().kinds;
      assert.deepEqual(kinds.map((k) => [k.kind, k.queryTokens, k.keyTokens]), [
        ['encoder-self', source, source],
        ['decoder-self', target, target],
        ['cross', target, source],
      ]);
      const page = att.page('cross', 1);
      const written = layers[5].data as Float32Array;
      assert.equal(page.length, written.length);
      page.forEach((v, i) => assert.ok(Math.abs(v - written[i]) <= 1e-3 * Math.max(1, written[i]), `element ${i}: ${v} vs ${written[i]}`));
    } finally {
      att.close();
    }
  });

  it('32 layers x 32 heads paged from disk: the last layer\'s last head reads correctly', () => {
    const file = path.join(dir, 'big.safetensors');
    const n = 96;
    const tokens = Array.from({ length: n }, (_, i) => `t${i}`);
    // Data made when written, so the test never holds the whole file either.
    writeAttentionFile(file, Array.from({ length: 32 }, (_, layer) => ({ kind: 'decoder-self' as const, layer, shape: [32, n, n] as [number, number, number], data: () => weights(layer, 32, n, n) })), { tokens });
    assert.equal(fs.statSync(file).size > 32 * 32 * n * n * 4, true);
    const att = openAttentionFile(file);
    try {
      assert.equal(att.describe().kinds[0].layers, 32);
      assert.deepEqual(att.head('decoder-self', 31, 31), weights(31, 32, n, n).slice(31 * n * n));
      assert.equal(att.page('decoder-self', 17).length, 32 * n * n);
    } finally {
      att.close();
    }
  });

  describe('refuses files the panels could not show, saying what is wrong', () => {
    const tokens = ['a', 'b'];
    const ok = (kind: AttentionKind = 'encoder-self', layer = 0, shape: number[] = [1, 2, 2]) => ({ name: `${kind}.${layer}`, shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)) });
    const meta = (extra: Record<string, string> = {}) => ({ format: ATTENTION_FILE_FORMAT, tokens: JSON.stringify(tokens), ...extra });
    const cases: { name: string; tensors: ReturnType<typeof ok>[]; metadata?: Record<string, string>; parts: string[] }[] = [
      { name: 'a weights file (no format)', tensors: [ok()], metadata: { format: 'pt' }, parts: ["'format'", '"pt"', 'not an attention file'] },
      { name: 'a tensor with another name', tensors: [ok(), { ...ok(), name: 'h.0.attn.weight' }], metadata: meta(), parts: ["'h.0.attn.weight'", '<kind>.<layer>'] },
      { name: 'a missing layer', tensors: [ok('encoder-self', 0), ok('encoder-self', 2)], metadata: meta(), parts: ["'encoder-self.1'", '0..1'] },
      { name: 'layers of different shapes', tensors: [ok('encoder-self', 0), ok('encoder-self', 1, [2, 2, 2])], metadata: meta(), parts: ["'encoder-self.1'", '[2, 2, 2]', '[1, 2, 2]'] },
      { name: 'a batch axis left in', tensors: [ok('encoder-self', 0, [1, 1, 2, 2])], metadata: meta(), parts: ["'encoder-self.0'", 'drop the batch axis'] },
      { name: 'token count not matching the axis', tensors: [ok('encoder-self', 0, [1, 3, 3])], metadata: meta(), parts: ['3 queries', "'tokens' lists 2"] },
      { name: 'tokens not JSON', tensors: [ok()], metadata: meta({ tokens: '[a, b]' }), parts: ["'tokens'", 'not JSON'] },
      { name: 'tokens not strings', tensors: [ok()], metadata: meta({ tokens: '[1, 2]' }), parts: ["'tokens'", 'list of strings'] },
      { name: 'no tokens for an axis', tensors: [ok('cross', 0, [1, 2, 2])], metadata: { format: ATTENTION_FILE_FORMAT, source_tokens: '["x","y"]' }, parts: ['cross', "'target_tokens'"] },
      { name: 'no tensors', tensors: [], metadata: meta(), parts: ['no attention tensors'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const file = path.join(dir, 'bad.safetensors');
        writeSafetensors(file, c.tensors, { metadata: c.metadata });
        assert.throws(() => openAttentionFile(file), (err: unknown) => {
          assert.ok(err instanceof RpcError && err.code === 'invalid-input', String(err));
          for (const p of [file, ...c.parts]) assert.ok(err.message.includes(p), `"${err.message}" lacks "${p}"`);
          return true;
        });
      });
    }

    it('asks for a layer, head or kind the file lacks', () => {
      const file = path.join(dir, 'small.safetensors');
      writeAttentionFile(file, layersOf('encoder-self', 1, 1, 2, 2), { tokens });
      const att = openAttentionFile(file);
      assert.throws(() => att.page('encoder-self', 1), /layers 0\.\.0, not 1/);
      assert.throws(() => att.head('encoder-self', 0, 1), /heads 0\.\.0, not 1/);
      assert.throws(() => att.page('cross', 0), /has no cross attention \(it has encoder-self\)/);
      att.close();
    });
  });
});
