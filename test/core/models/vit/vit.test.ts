import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { explainVitBatch } from '../../../../core/models/vit/explain';
import { VitModel } from '../../../../core/models/vit/vit';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';
import { assertReloadsExactly } from '../../imageClassifiers/reloadImageModel';

const TINY = { imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2, mlpDim: 32, numClasses: 5, seed: 3 };

describe('ViT', () => {
  useEngineBackend();

  it('captures attention [layers, heads, 1+N, 1+N] whose rows sum to 1, without changing the logits', () => {
    const model = new VitModel(TINY);
    const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const plain = model.forward(x);
    const captured = model.forward(x, { captureAttention: true });
    assert.deepEqual(captured.logits.shape, [3, 5]);
    assert.equal(maxAbsDiff(plain.logits.dataSync(), captured.logits.dataSync()), 0);
    assert.equal(captured.attention.length, 2);
    for (const a of captured.attention) {
      assert.deepEqual(a.shape, [3, 2, 17, 17]);
      const rows = a.sum(-1).dataSync();
      assert.ok(rows.every((r) => Math.abs(r - 1) < 1e-5), 'every attention row sums to 1');
    }
    tf.dispose([x, plain.logits, captured.logits, ...captured.attention]);
    model.dispose();
  });

  it('patches follow the grid: token 1 + r * grid + c is the patch at row r, column c', () => {
    const model = new VitModel(TINY);
    // An image that is 1 only in patch (row 2, column 1); with the patch embedding set to sum
    // the pixels, only that token's embedding differs from the others.
    const img = tf.buffer([1, 32, 32, 3]);
    for (let y = 16; y < 24; y++) for (let x = 8; x < 16; x++) for (let c = 0; c < 3; c++) img.set(1, 0, y, x, c);
    const patches = tf.tidy(() => (model as unknown as { patchify(x: tf.Tensor4D): tf.Tensor3D }).patchify(img.toTensor() as tf.Tensor4D).sum(-1));
    const sums = Array.from(patches.dataSync());
    assert.equal(sums.indexOf(192), 2 * 4 + 1);
    assert.equal(sums.filter((s) => s !== 0).length, 1);
    patches.dispose();
    model.dispose();
  });

  it('attention gradients equal a finite difference of the logit', () => {
    const model = new VitModel(TINY);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const e = explainVitBatch(model, x, { classes: Int32Array.of(2) });
    // Perturb one attention weight of block 1, head 0, query 0 ([CLS]), key 5 through the offsets.
    const eps = 1e-2;
    const index = ((1 * 2 + 0) * 17 + 0) * 17 + 5;
    const logitWith = (delta: number) =>
      tf.tidy(() => {
        const offsets = [0, 1].map(() => tf.buffer([1, 2, 17, 17]));
        offsets[1].set(delta, 0, 0, 0, 5);
        return model.forward(x, { attentionOffsets: offsets.map((o) => o.toTensor() as tf.Tensor4D) }).logits.dataSync()[2];
      });
    const numeric = (logitWith(eps) - logitWith(-eps)) / (2 * eps);
    assert.ok(Math.abs(numeric - e.gradients[0][index]) < 2e-3, `numeric ${numeric} vs analytic ${e.gradients[0][index]}`);
    x.dispose();
    model.dispose();
  });

  it('leaks no tensors in forward or explanations, and survives a save/load round trip', async () => {
    const model = new VitModel(TINY);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    explainVitBatch(model, x); // warm-up (tfjs caches some tensors on first use)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const out = model.forward(x, { captureAttention: true });
      tf.dispose([out.logits, ...out.attention]);
      explainVitBatch(model, x);
    }
    assert.equal(tf.memory().numTensors, before);
    await assertReloadsExactly(model, x);
    x.dispose();
    model.dispose();
  });

  it('names the expected shape when given the wrong input', () => {
    const model = new VitModel(TINY);
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    assert.throws(() => model.forward(x), /ViT input x has shape \[1,16,16,3\]; expected \[batch, 32, 32, 3\]/);
    assert.throws(() => new VitModel({ imageSize: 30, patchSize: 8 }), /not a multiple of patchSize/);
    x.dispose();
    model.dispose();
  });
});
