import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { explainVggBatch } from '../../../../core/models/vggAttention/explain';
import { ParamStore } from '../../../../core/nn/paramStore';
import { addGateParams, attentionGate } from '../../../../core/models/vggAttention/attentionGate';
import { VggAttentionModel } from '../../../../core/models/vggAttention/vggAttention';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';
import { assertReloadsExactly } from '../../imageClassifiers/reloadImageModel';

const SMALL = { imageSize: 64, widthMultiplier: 1 / 16, numClasses: 5, seed: 5 };

describe('VGG-16 with attention gates', () => {
  useEngineBackend();

  it('has the VGG-16 layout: 13 convs in 5 blocks, gates on blocks 3 and 4 (conv3_3, conv4_3 by default)', () => {
    const model = new VggAttentionModel(SMALL);
    const convs = model.params.names().filter((n) => /^conv\d_\d\/kernel$/.test(n));
    assert.deepEqual(convs, ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3'].map((n) => `${n}/kernel`));
    assert.deepEqual(model.widths, [4, 8, 16, 32, 32]);
    assert.deepEqual(model.params.get('gate_pool3/local/kernel').shape, [1, 1, 16, 32]);
    assert.deepEqual(model.params.get('gate_pool4/global/kernel').shape, [1, 1, 32, 32]);
    assert.deepEqual(model.gateLayers, ['conv3_3', 'conv4_3']);
    model.dispose();
  });

  it('gate maps are [B, h, w] and sum to 1 over space; logits [B, classes]', () => {
    const model = new VggAttentionModel(SMALL);
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const out = model.forward(x);
    assert.deepEqual(out.logits.shape, [2, 5]);
    assert.deepEqual(out.gateMaps.map((m) => m.shape), [[2, 16, 16], [2, 8, 8]]);
    for (const m of out.gateMaps) {
      const sums = m.sum([1, 2]).dataSync();
      assert.ok(sums.every((s) => Math.abs(s - 1) < 1e-5), `gate sums ${sums}`);
      assert.ok(m.min().dataSync()[0] >= 0);
    }
    tf.dispose([x, out.logits, ...out.gateMaps]);
    model.dispose();
  });

  it("gatePlacement 'after-pool' gates pool3 and pool4: half as fine maps that sum to 1, the same weights", () => {
    const before = new VggAttentionModel(SMALL);
    const after = new VggAttentionModel({ ...SMALL, gatePlacement: 'after-pool' });
    assert.deepEqual(after.gateLayers, ['pool3', 'pool4']);
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const out = after.forward(x);
    assert.deepEqual(out.gateMaps.map((m) => m.shape), [[2, 8, 8], [2, 4, 4]]);
    for (const m of out.gateMaps) {
      const sums = m.sum([1, 2]).dataSync();
      assert.ok(sums.every((s) => Math.abs(s - 1) < 1e-5), `gate sums ${sums}`);
    }
    const shapes = (m: VggAttentionModel) => Object.fromEntries([...m.params.byName()].map(([k, v]) => [k, v.shape]));
    assert.deepEqual(shapes(before), shapes(after));
    tf.dispose([x, out.logits, ...out.gateMaps]);
    after.dispose();
    before.dispose();
  });

  it('a gate computes softmax(conv(relu(conv(L) + up(conv(g))))) and the A-weighted sum of L', () => {
    // A hand-checkable gate: 1 local channel, 1 global channel, 1 attention channel, all weights 1.
    const p = new ParamStore(1);
    addGateParams(p, 'g', 1, 1, 1);
    p.get('g/local/kernel').assign(tf.ones([1, 1, 1, 1]));
    p.get('g/global/kernel').assign(tf.ones([1, 1, 1, 1]));
    p.get('g/score/kernel').assign(tf.ones([1, 1, 1, 1]));
    const local = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
    const global = tf.tensor4d([1], [1, 1, 1, 1]); // up factor 2: g is 1 everywhere
    const { map, attended } = attentionGate(p, 'g', local, global, 'relu');
    const e = [1, 2, 3, 4].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    const expected = e.map((v) => v / z);
    assert.ok(maxAbsDiff(map.dataSync(), expected) < 1e-6);
    assert.ok(Math.abs(attended.dataSync()[0] - expected.reduce((s, a, i) => s + a * i, 0)) < 1e-5);
    tf.dispose([local, global, map, attended]);
    p.dispose();
  });

  it('upsamples g with aligned (half-pixel) centres: mirrored guidance gives a mirrored map', () => {
    const p = new ParamStore(1);
    addGateParams(p, 'g', 1, 1, 1);
    p.get('g/local/kernel').assign(tf.zeros([1, 1, 1, 1]));
    p.get('g/global/kernel').assign(tf.ones([1, 1, 1, 1]));
    p.get('g/score/kernel').assign(tf.ones([1, 1, 1, 1]).mul(3));
    const local = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const topLeft = tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]);
    const bottomRight = tf.tensor4d([0, 0, 0, 1], [1, 2, 2, 1]);
    const a = attentionGate(p, 'g', local, topLeft, 'relu');
    const b = attentionGate(p, 'g', local, bottomRight, 'relu');
    const mirrored = tf.reverse(b.map, [1, 2]);
    assert.ok(maxAbsDiff(a.map.dataSync(), mirrored.dataSync()) < 1e-6, 'the map of the top-left cell is the mirror of the bottom-right one');
    // The top-left guidance peaks on the whole top-left block (cells 0..3), flat over its inner 2x2.
    const m = a.map.dataSync();
    assert.ok(Math.abs(m[0] - m[9]) < 1e-6 && m[0] > m[3 * 8 + 3]);
    tf.dispose([local, topLeft, bottomRight, a.map, a.attended, b.map, b.attended, mirrored]);
    p.dispose();
  });

  it('gate dropout acts in training only: inference logits do not depend on it', () => {
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const plain = new VggAttentionModel({ imageSize: 32, seed: 2 });
    const dropping = new VggAttentionModel({ imageSize: 32, seed: 2, gateDropout: 1 });
    const [a, b, c] = [plain.logits(x, false), dropping.logits(x, false), dropping.logits(x, true)];
    assert.equal(maxAbsDiff(a.dataSync(), b.dataSync()), 0);
    const d = plain.logits(x, true);
    assert.ok(maxAbsDiff(c.dataSync(), d.dataSync()) > 1e-4, 'training logits change when a gate is dropped');
    tf.dispose([x, a, b, c, d]);
    plain.dispose();
    dropping.dispose();
  });

  it('Grad-CAM on conv5_3 is [B, 4, 4], non-negative; no tensors leak; save/load keeps predictions', async () => {
    const model = new VggAttentionModel(SMALL);
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    explainVggBatch(model, x);
    const before = tf.memory().numTensors;
    const e = explainVggBatch(model, x);
    assert.deepEqual(e.gradCam.grid, { rows: 4, cols: 4 });
    assert.equal(e.gradCam.maps.length, 2);
    assert.ok(e.gradCam.maps.every((m) => m.every((v) => v >= 0)));
    const out = model.forward(x);
    tf.dispose([out.logits, ...out.gateMaps]);
    assert.equal(tf.memory().numTensors, before);
    await assertReloadsExactly(model, x);
    x.dispose();
    model.dispose();
  });

  it('a checkpoint saved before gatePlacement existed loads with its gates after the pools, as trained', async () => {
    const old = new VggAttentionModel({ ...SMALL, gatePlacement: 'after-pool' });
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    try {
      await assertReloadsExactly(old, x, {
        editSaved: (json) => delete json.modelTopology.config.gatePlacement,
        checkLoaded: (loaded) => assert.deepEqual((loaded as VggAttentionModel).gateLayers, ['pool3', 'pool4']),
      });
    } finally {
      x.dispose();
      old.dispose();
    }
  });
});
