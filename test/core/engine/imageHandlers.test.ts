/**
 * Image attention requests in the real engine process (no VS Code): describe, explain a PNG with a
 * tiny ViT and a tiny VGG-attention model saved for the test, pages of a kept explanation (one
 * query's rows, rollout with other controls), and clear messages for bad images.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { queryRows } from '../../../core/engine/handlers/imageHandlers';
import { saveImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { createImageModel } from '../imageClassifiers/classifiers';
import { EngineSupervisor } from '../../../extension/engine/engineSupervisor';
import { rejection, wasmEngine } from '../../engineProcess';
import { repoRoot } from '../../repoRoot';

const images = path.join(repoRoot, 'demo', 'workspace', 'images');
const CLASSES = ['circle', 'square', 'triangle', 'cross', 'ring'];

function rowSum(a: Float32Array, from: number, n: number): number {
  let s = 0;
  for (let i = from; i < from + n; i++) s += a[i];
  return s;
}

describe('queryRows', () => {
  it('splits one query row per layer and head into the [CLS] key and the patch keys', () => {
    const dims = { layers: 2, heads: 3, tokens: 5 };
    const att = Float32Array.from({ length: 2 * 3 * 5 * 5 }, (_, i) => i);
    const { patches, cls } = queryRows(att, dims, 2);
    assert.equal(patches.length, 2 * 3 * 4);
    assert.equal(cls.length, 2 * 3);
    // layer 1, head 2, query 2: row starts at ((1 * 3 + 2) * 5 + 2) * 5 = 135
    assert.equal(cls[5], 135);
    assert.deepEqual([...patches.subarray(5 * 4, 6 * 4)], [136, 137, 138, 139]);
    assert.throws(() => queryRows(att, dims, 5), /query token 5 is out of range: this model has 5 tokens/);
  });
});

describe('image attention: engine process', function () {
  this.timeout(120_000);
  let engine: EngineSupervisor;
  let dir: string;
  let vit: string;
  let vgg: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'image-engine-'));
    vit = path.join(dir, 'vit');
    vgg = path.join(dir, 'vgg');
    await tf.ready(); // whichever backend the test process has; the engine itself runs on wasm
    const v = createImageModel('vit', { imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2, mlpDim: 16 });
    await saveImageModel(v, vit, CLASSES, { task: 'scenes' });
    v.dispose();
    const g = createImageModel('vgg-attention', { imageSize: 32, widthMultiplier: 1 / 32 });
    await saveImageModel(g, vgg, CLASSES, { task: 'scenes' });
    g.dispose();
    engine = wasmEngine();
  });
  after(async () => {
    engine?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('describes a ViT checkpoint', async () => {
    const d = await engine.request('image.describe', { spec: vit });
    assert.equal(d.kind, 'vit');
    assert.equal(d.label, 'vit');
    assert.equal(d.inputSize, 32);
    assert.deepEqual(d.classNames, CLASSES);
    assert.deepEqual(d.patchAttention, { layers: 2, heads: 2, tokens: 17, grid: 4, patchSize: 8 });
  });

  it('explains a PNG with a ViT: classes, input, maps, [CLS] rows; then pages of it', async () => {
    const e = await engine.request('image.explain', { spec: vit, file: path.join(images, 'scene-01-circle.png'), topK: 3 });
    assert.equal(e.top.length, 3);
    assert.ok(e.top[0].probability >= e.top[1].probability);
    assert.equal(e.predicted, e.top[0].index);
    assert.deepEqual(e.input.shape, [32, 32, 3]);
    assert.deepEqual(e.maps.map((m) => m.id), ['rollout', 'gradient-rollout', 'cls-attention-last']);
    for (const m of e.maps) assert.deepEqual(m.values.shape, [4, 4]);
    assert.deepEqual(e.clsAttention?.shape, [2, 2, 16]);

    const q = await engine.request('image.queryAttention', { explanationId: e.explanationId, query: 5 });
    assert.deepEqual(q.attention.shape, [2, 2, 16]);
    assert.deepEqual(q.clsWeights.shape, [2, 2]);
    for (let lh = 0; lh < 4; lh++) {
      const sum = rowSum(q.attention.data as Float32Array, lh * 16, 16) + (q.clsWeights.data as Float32Array)[lh];
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${lh} sums to ${sum}`);
    }
    const cls = await engine.request('image.queryAttention', { explanationId: e.explanationId, query: 0 });
    assert.deepEqual([...(cls.attention.data as Float32Array)], [...(e.clsAttention!.data as Float32Array)]);

    const same = await engine.request('image.rollout', { explanationId: e.explanationId, headFusion: 'mean', discardRatio: 0 });
    assert.deepEqual([...(same[0].values.data as Float32Array)], [...(e.maps[0].values.data as Float32Array)]);
    const other = await engine.request('image.rollout', { explanationId: e.explanationId, headFusion: 'max', discardRatio: 0.5 });
    assert.deepEqual(other.map((m) => m.id), ['rollout', 'gradient-rollout']);
    assert.match(other[0].label, /max of heads, discard 50%/);

    const err = await rejection(engine.request('image.queryAttention', { explanationId: e.explanationId, query: 17 }));
    assert.equal(err.code, 'invalid-input');
    assert.equal((await rejection(engine.request('image.rollout', { explanationId: 9999, headFusion: 'mean', discardRatio: 0 }))).code, 'not-found');
  });

  it('explains a PNG with VGG-attention: both gate maps and Grad-CAM; no ViT pages', async () => {
    const e = await engine.request('image.explain', { spec: vgg, file: path.join(images, 'scene-02-square.png') });
    assert.equal(e.model.kind, 'vgg-attention');
    const ids = e.maps.map((m) => m.id);
    for (const id of ['gate-pool3', 'gate-pool4', 'grad-cam']) assert.ok(ids.includes(id), `no ${id} map in ${ids.join(', ')}`);
    for (const m of e.maps.filter((x) => x.id.startsWith('gate-pool'))) assert.ok(Math.abs(rowSum(m.values.data as Float32Array, 0, m.values.data.length) - 1) < 1e-3);
    assert.equal(e.clsAttention, undefined);
    assert.equal((await rejection(engine.request('image.queryAttention', { explanationId: e.explanationId, query: 0 }))).code, 'unsupported');
  });

  it('bad images and missing files give messages that name the file', async () => {
    const corrupt = await rejection(engine.request('image.explain', { spec: vit, file: path.join(images, 'corrupt.png') }));
    assert.equal(corrupt.code, 'invalid-input');
    assert.match(corrupt.message, /^corrupt\.png: /);
    const truncated = await rejection(engine.request('image.explain', { spec: vit, file: path.join(images, 'truncated.png') }));
    assert.match(truncated.message, /^truncated\.png: .*(truncated|corrupt)/);
    const missing = await rejection(engine.request('image.explain', { spec: vit, file: path.join(images, 'nope.png') }));
    assert.equal(missing.code, 'not-found');
    const notImage = await rejection(engine.request('image.describe', { spec: 'demo:no-such-demo' }));
    assert.equal(notImage.code, 'not-found');
  });
});
