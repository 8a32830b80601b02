import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam, clipByGlobalNorm, globalNorm } from '../../../core/training/adam';
import { labelSmoothedLoss } from '../../../core/training/labelSmoothing';
import { warmupLearningRate } from '../../../core/training/schedule';
import { useEngineBackend } from '../engineBackend';

/** KL(q || softmax(logits)) averaged over non-pad rows, computed directly. */
function directKl(logits: number[][], targets: number[], eps: number): number {
  const V = logits[0].length;
  let total = 0;
  let n = 0;
  logits.forEach((row, i) => {
    if (targets[i] === 0) return;
    const mx = Math.max(...row);
    const z = row.reduce((a, x) => a + Math.exp(x - mx), 0);
    const logp = row.map((x) => x - mx - Math.log(z));
    let kl = 0;
    for (let v = 0; v < V; v++) {
      const q = v === targets[i] ? 1 - eps : v === 0 ? 0 : eps / (V - 2);
      if (q > 0) kl += q * (Math.log(q) - logp[v]);
    }
    total += kl;
    n++;
  });
  return total / n;
}

describe('training: loss, optimiser, schedule', () => {
  useEngineBackend();

  for (const eps of [0, 0.1, 0.3]) {
    it(`label-smoothed KL equals the direct computation (smoothing ${eps}), pad rows ignored`, () => {
      const logits = [
        [0.1, 2, -1, 0.5, 3],
        [1, 1, 1, 1, 1],
        [5, -2, 0, 0.3, 0.2],
        [0, 0, 9, 0, -4],
      ];
      const targets = [4, 2, 0, 3];
      const r = labelSmoothedLoss(tf.tensor2d(logits), tf.tensor1d(targets, 'int32'), eps);
      const got = r.loss.dataSync()[0];
      const want = directKl(logits, targets, eps);
      assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
      assert.equal(r.count.dataSync()[0], 3);
      assert.equal(r.correct.dataSync()[0], 1); // row 0 predicts 4 (right), row 1 ties -> 0, row 3 predicts 2
      if (eps === 0) assert.ok(Math.abs(r.nll.dataSync()[0] - got) < 1e-6);
      tf.dispose([r.loss, r.nll, r.correct, r.count]);
    });
  }

  it('the loss reaches zero (within float32 rounding) at the smoothed target', () => {
    const V = 6;
    const eps = 0.1;
    const q = [0, eps / 4, eps / 4, 1 - eps, eps / 4, eps / 4];
    const logits = q.map((x) => (x > 0 ? Math.log(x) : -1e4));
    const r = labelSmoothedLoss(tf.tensor2d([logits], [1, V]), tf.tensor1d([3], 'int32'), eps);
    assert.ok(Math.abs(r.loss.dataSync()[0]) < 1e-4, `loss ${r.loss.dataSync()[0]}`);
    tf.dispose([r.loss, r.nll, r.correct, r.count]);
  });

  it('warm-up schedule: linear rise, peak at warmup, inverse-sqrt decay', () => {
    const a = { dModel: 64, warmup: 400 };
    assert.ok(Math.abs(warmupLearningRate(200, a) - warmupLearningRate(400, a) / 2) < 1e-12);
    assert.ok(Math.abs(warmupLearningRate(400, a) - 64 ** -0.5 * 400 ** -0.5) < 1e-12);
    assert.ok(Math.abs(warmupLearningRate(1600, a) - warmupLearningRate(400, a) / 2) < 1e-12);
    assert.ok(Math.abs(warmupLearningRate(1, { dModel: 512, warmup: 4000 }) - 512 ** -0.5 * 4000 ** -1.5) < 1e-15);
  });

  it('Adam(0.9, 0.98, 1e-9) matches the update written out by hand for two steps', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = new Adam();
    const g1 = [0.5, -1, 2];
    const g2 = [0.1, 0.3, -0.2];
    const expected = [1, -2, 3];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    [g1, g2].forEach((g, k) => {
      const t = k + 1;
      const lr = 0.01 * t;
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.98 * v[i] + 0.02 * g[i] ** 2;
        expected[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.98 ** t)) + 1e-9);
      }
      const grad = tf.tensor1d(g);
      opt.apply([{ variable: w, grad }], lr);
      grad.dispose();
    });
    const got = w.dataSync();
    expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-6, `${got[i]} vs ${e}`));
    opt.dispose();
    w.dispose();
  });

  it('Adam state exported and imported continues exactly as the original', () => {
    const w1 = tf.variable(tf.tensor1d([1, 2]));
    const w2 = tf.variable(tf.tensor1d([1, 2]));
    const a = new Adam();
    const g = tf.tensor1d([0.3, -0.7]);
    a.apply([{ variable: w1, grad: g }], 0.1);
    w2.assign(w1);
    const state = a.exportState(new Map([[w1, 'w']]));
    assert.equal(state.step, 1);
    const b = new Adam();
    const before = tf.memory().numTensors;
    b.importState(state.step, state.specs, state.data, new Map([['w', w2]]));
    assert.equal(tf.memory().numTensors, before + 2, 'importing keeps exactly m and v');
    a.apply([{ variable: w1, grad: g }], 0.1);
    b.apply([{ variable: w2, grad: g }], 0.1);
    assert.deepEqual(Array.from(w1.dataSync()), Array.from(w2.dataSync()));
    assert.throws(() => new Adam().importState(1, state.specs, state.data, new Map([['other', w2]])), /does not match/);
    tf.dispose([w1, w2, g]);
    a.dispose();
    b.dispose();
  });

  it('clipping scales gradients to the global norm and leaves small ones alone', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])];
    const n = globalNorm(g);
    assert.ok(Math.abs(n - 5) < 1e-6);
    const c = clipByGlobalNorm(g, n, 1);
    assert.ok(Math.abs(globalNorm(c) - 1) < 1e-6);
    assert.equal(clipByGlobalNorm(g, n, 10), g);
    assert.ok(Number.isNaN(globalNorm([tf.tensor1d([NaN, 1])])));
    tf.dispose([...g, ...c]);
  });
});
