/**
 * Captioning through the real engine process (no VS Code): image.describe recognises a captioner
 * checkpoint by its format, image.caption returns the words and per word a map [T, grid, grid] that
 * sums to 1 (hard attention: one-hot, at the cell it reports it looked at), and asking a captioner to
 * classify (or a classifier to caption) gives a message that says which it is.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveImageModel } from '../../../../core/imageClassifiers/imageCheckpoint';
import { createImageModel } from '../../imageClassifiers/classifiers';
import { Captioner } from '../../../../core/models/captioning/captioner';
import { saveCaptioner } from '../../../../core/models/captioning/checkpoint';
import { captionTokenizer, type CaptionAttention } from '../../../../core/models/captioning/config';
import { EngineSupervisor } from '../../../../extension/engine/engineSupervisor';
import { ImageCaptionParams } from '../../../../protocol/image';
import { rejection, wasmEngine } from '../../../engineProcess';
import { repoRoot } from '../../../repoRoot';

const scene = path.join(repoRoot, 'demo', 'workspace', 'images', 'scene-01-circle.png');

describe('image.caption params', () => {
  it('default to greedy decoding and refuse a beam wider than 8 or a fractional one', () => {
    assert.equal(ImageCaptionParams.parse({ spec: 'demo:x', file: '/a.png' }).beamSize, 1);
    assert.equal(ImageCaptionParams.safeParse({ spec: 'demo:x', file: '/a.png', beamSize: 9 }).success, false);
    assert.equal(ImageCaptionParams.safeParse({ spec: 'demo:x', file: '/a.png', beamSize: 1.5 }).success, false);
  });
});

describe('captioning: engine process', function () {
  this.timeout(120_000);
  let engine: EngineSupervisor;
  let dir: string;
  const ckpt: Record<CaptionAttention, string> = { soft: '', hard: '' };
  let vit: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'caption-engine-'));
    await tf.ready();
    const tokenizer = captionTokenizer();
    for (const attention of ['soft', 'hard'] as const) {
      ckpt[attention] = path.join(dir, `captioner-${attention}`);
      const model = new Captioner({ vocabSize: tokenizer.size, attention, imageSize: 32, channels: [8, 8], embedDim: 8, units: 16, attentionDim: 8, maxLength: 6 }, 3);
      await saveCaptioner(ckpt[attention], { model, tokenizer, metadata: { task: 'scenes' } });
      model.dispose();
    }
    vit = path.join(dir, 'vit');
    const v = createImageModel('vit', { imageSize: 32, patchSize: 8, dim: 16, depth: 1, heads: 2, mlpDim: 16 });
    await saveImageModel(v, vit, ['circle', 'square', 'triangle', 'cross', 'ring']);
    v.dispose();
    engine = wasmEngine();
  });
  after(async () => {
    engine?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('describes a captioner checkpoint: its attention and map grid, no classes', async () => {
    const d = await engine.request('image.describe', { spec: ckpt.hard });
    assert.equal(d.kind, 'captioner');
    assert.equal(d.label, 'captioner-hard');
    assert.equal(d.inputSize, 32);
    assert.deepEqual(d.classNames, []);
    assert.deepEqual(d.captioner, { attention: 'hard', grid: 8, maxLength: 6 });
  });

  for (const attention of ['soft', 'hard'] as const) {
    it(`${attention}: captions a PNG word by word, each word with a map over the grid that sums to 1`, async () => {
      const r = await engine.request('image.caption', { spec: ckpt[attention], file: scene });
      assert.equal(r.model.captioner?.attention, attention);
      assert.deepEqual(r.input.shape, [32, 32, 3]);
      assert.deepEqual([r.image.width, r.image.height], [64, 64]);
      const T = r.words.length;
      assert.ok(T >= 1 && T <= 6, `${T} words`);
      assert.equal(r.caption, r.words.join(' '));
      assert.equal(r.probs.length, T);
      for (const p of r.probs) assert.ok(p > 0 && p <= 1, `probability ${p}`);
      assert.deepEqual(r.maps.shape, [T, 8, 8]);
      const maps = r.maps.data as Float32Array;
      for (let t = 0; t < T; t++) {
        const m = maps.subarray(t * 64, (t + 1) * 64);
        const sum = m.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, `word ${t}'s map sums to ${sum}`);
        if (attention === 'hard') {
          // The word's map is soft (alpha_t); the location it read is the argmax, reported per word.
          const [row, col] = r.looked![t];
          assert.equal(Math.max(...m), m[row * 8 + col], `word ${t} reports cell (${row}, ${col}), not its map's maximum`);
        }
      }
      if (attention === 'soft') assert.equal(r.looked, undefined);
      else assert.equal(r.looked?.length, T);
    });
  }

  it('beam search gives a caption too', async () => {
    const r = await engine.request('image.caption', { spec: ckpt.soft, file: scene, beamSize: 3 });
    assert.equal(r.maps.shape[0], r.words.length);
  });

  it('a captioner cannot classify, a classifier cannot caption, and a bad image names the file', async () => {
    const explain = await rejection(engine.request('image.explain', { spec: ckpt.soft, file: scene }));
    assert.equal(explain.code, 'unsupported');
    assert.match(explain.message, /captioner-soft is a captioner/);
    const caption = await rejection(engine.request('image.caption', { spec: vit, file: scene }));
    assert.equal(caption.code, 'unsupported');
    assert.match(caption.message, /vit is a vit model \(ViT\), which has no captions .*models that do: captioner/);
    const corrupt = await rejection(engine.request('image.caption', { spec: ckpt.soft, file: path.join(path.dirname(scene), 'corrupt.png') }));
    assert.equal(corrupt.code, 'invalid-input');
    assert.match(corrupt.message, /^corrupt\.png: /);
  });
});
