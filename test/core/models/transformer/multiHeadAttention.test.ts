/**
 * Multi-head attention against a direct computation from the same weights, in plain JS:
 * per head softmax(Q K^T / sqrt(dk) + mask) V, concatenated, projected.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { causalBias, paddingBias } from '../../../../core/models/transformer/masks';
import { createMha, multiHeadAttention, projectKeyValue, type MhaWeights } from '../../../../core/models/transformer/multiHeadAttention';
import { ParamStore } from '../../../../core/nn/paramStore';
import { sinusoidalTable } from '../../../../core/models/transformer/positionalEncoding';
import { Rng } from '../../../../core/util/rng';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

type Mat = number[][];

function toMat(t: tf.Tensor, rows: number, cols: number, offset = 0): Mat {
  const d = t.dataSync();
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => d[offset + r * cols + c]));
}

function project(x: Mat, w: Mat, b: number[]): Mat {
  return x.map((row) => b.map((bj, j) => row.reduce((s, xi, i) => s + xi * w[i][j], bj)));
}

/** Direct multi-head attention for one example: returns output [T][D] and weights [H][T][S]. */
function direct(w: MhaWeights, q: Mat, kv: Mat, allowed: (t: number, s: number) => boolean, headMask?: number[]): { out: Mat; weights: number[][][] } {
  const D = q[0].length;
  const H = w.heads;
  const dk = D / H;
  const m = (l: { w: tf.Variable; b: tf.Variable }) => ({ W: toMat(l.w, D, D), b: Array.from(l.b.dataSync()) });
  const [Wq, Wk, Wv, Wo] = [m(w.q), m(w.k), m(w.v), m(w.o)];
  const Q = project(q, Wq.W, Wq.b);
  const K = project(kv, Wk.W, Wk.b);
  const V = project(kv, Wv.W, Wv.b);
  const concat: Mat = q.map(() => new Array<number>(D).fill(0));
  const weights: number[][][] = [];
  for (let h = 0; h < H; h++) {
    const wh: number[][] = [];
    for (let t = 0; t < q.length; t++) {
      const scores = kv.map((_, s) => {
        let dot = 0;
        for (let i = 0; i < dk; i++) dot += Q[t][h * dk + i] * K[s][h * dk + i];
        return allowed(t, s) ? dot / Math.sqrt(dk) : -Infinity;
      });
      const mx = Math.max(...scores);
      const e = scores.map((x) => (x === -Infinity ? 0 : Math.exp(x - mx)));
      const z = e.reduce((a, b) => a + b, 0);
      const p = e.map((x) => x / z);
      wh.push(p);
      for (let i = 0; i < dk; i++) concat[t][h * dk + i] = (headMask?.[h] ?? 1) * p.reduce((acc, ps, s) => acc + ps * V[s][h * dk + i], 0);
    }
    weights.push(wh);
  }
  return { out: project(concat, Wo.W, Wo.b), weights };
}

describe('transformer: multi-head attention', () => {
  useEngineBackend();

  const cases = [
    { name: 'self-attention, no mask', B: 2, T: 5, S: 5, D: 16, H: 4, mask: 'none' },
    { name: 'self-attention, causal', B: 2, T: 6, S: 6, D: 16, H: 2, mask: 'causal' },
    { name: 'cross-attention, padded keys', B: 3, T: 4, S: 7, D: 24, H: 3, mask: 'padding' },
    { name: 'one head', B: 1, T: 3, S: 3, D: 8, H: 1, mask: 'none' },
  ] as const;

  for (const c of cases) {
    it(`equals the direct computation within 1e-5: ${c.name}`, () => {
      const p = new ParamStore(new Rng(3));
      const w = createMha(p, 'mha', c.D, c.H);
      const x = tf.randomNormal([c.B, c.T, c.D], 0, 1, 'float32', 11);
      const y = c.T === c.S ? x : tf.randomNormal([c.B, c.S, c.D], 0, 1, 'float32', 12);
      // Example b has its last b keys padded.
      const ids = tf.tensor2d(Array.from({ length: c.B * c.S }, (_, i) => (i % c.S >= c.S - (Math.floor(i / c.S) % c.S) ? 0 : 5)), [c.B, c.S], 'int32');
      const bias = c.mask === 'causal' ? causalBias(c.T) : c.mask === 'padding' ? paddingBias(ids) : undefined;
      const before = tf.memory().numTensors;
      const r = tf.tidy(() => multiHeadAttention(w, x, projectKeyValue(w, y), { bias }));
      assert.equal(tf.memory().numTensors, before + 3, 'only the output, weights and queries survive');
      const out = r.output.dataSync();
      const wts = r.weights.dataSync();
      for (let b = 0; b < c.B; b++) {
        const allowed = (t: number, s: number) => (c.mask === 'causal' ? s <= t : c.mask === 'padding' ? s < c.S - b : true);
        const d = direct(w, toMat(x, c.T, c.D, b * c.T * c.D), toMat(y, c.S, c.D, b * c.S * c.D), allowed);
        const diff = maxAbsDiff(out.slice(b * c.T * c.D, (b + 1) * c.T * c.D), d.out.flat());
        assert.ok(diff <= 1e-5, `output differs by ${diff}`);
        const wd = maxAbsDiff(wts.slice(b * c.H * c.T * c.S, (b + 1) * c.H * c.T * c.S), d.weights.flat(2));
        assert.ok(wd <= 1e-5, `weights differ by ${wd}`);
        for (let h = 0; h < c.H; h++) {
          for (let t = 0; t < c.T; t++) {
            const row = Array.from(wts.slice(((b * c.H + h) * c.T + t) * c.S, ((b * c.H + h) * c.T + t + 1) * c.S));
            assert.ok(Math.abs(row.reduce((a, v) => a + v, 0) - 1) <= 1e-5, 'row sums to 1');
            row.forEach((v, s) => {
              if (!allowed(t, s)) assert.equal(v, 0, `masked key ${s} of query ${t} has weight ${v}`);
            });
          }
        }
      }
      tf.dispose([x, y, ids, r.output, r.weights, r.queries, ...(bias ? [bias] : [])]);
      p.dispose();
    });
  }

  it('head ablation zeroes exactly the chosen head before the output projection', () => {
    const p = new ParamStore(new Rng(5));
    const w = createMha(p, 'mha', 12, 3);
    const x = tf.randomNormal([1, 4, 12], 0, 1, 'float32', 1);
    const mask = tf.tensor1d([1, 0, 1]);
    const r = tf.tidy(() => multiHeadAttention(w, x, projectKeyValue(w, x), { headMask: mask }));
    const d = direct(w, toMat(x, 4, 12), toMat(x, 4, 12), () => true, [1, 0, 1]);
    assert.ok(maxAbsDiff(r.output.dataSync(), d.out.flat()) <= 1e-5);
    const full = tf.tidy(() => multiHeadAttention(w, x, projectKeyValue(w, x)));
    assert.ok(maxAbsDiff(full.output.dataSync(), r.output.dataSync()) > 1e-3, 'ablation changed nothing');
    tf.dispose([x, mask, r.output, r.weights, full.output, full.weights]);
    p.dispose();
  });

  it('positional encoding follows the paper: sin on even, cos on odd dimensions', () => {
    const t = sinusoidalTable(50, 8);
    assert.equal(t[0], 0);
    assert.equal(t[1], 1);
    assert.ok(Math.abs(t[3 * 8 + 2] - Math.sin(3 / Math.pow(10000, 2 / 8))) < 1e-6);
    assert.ok(Math.abs(t[7 * 8 + 5] - Math.cos(7 / Math.pow(10000, 4 / 8))) < 1e-6);
  });
});
