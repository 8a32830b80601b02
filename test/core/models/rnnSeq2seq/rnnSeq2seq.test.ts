/**
 * RNN seq2seq with attention: alignment rows, padding, the additive score by hand, incremental
 * decoding against teacher forcing, greedy and beam trees, capture, checkpoints, leaks, bad input.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { beamSearch } from '../../../../core/decoding/beamSearch';
import { greedyDecode } from '../../../../core/decoding/greedy';
import { checkTree } from '../../../../core/decoding/searchTree';
import type { ScoreKind } from '../../../../core/nn/attentionScore';
import type { RecurrentKind } from '../../../../core/nn/recurrentCell';
import { RnnSeq2seq } from '../../../../core/models/rnnSeq2seq/rnnSeq2seq';
import { rnnStepModel } from '../../../../core/models/rnnSeq2seq/stepModel';
import { padIds } from '../../../../core/nn/padding';
import { BOS, EOS } from '../../../../core/text/tokenizer';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

const V = 11;
const CONFIGS: { cell: RecurrentKind; score: ScoreKind }[] = [
  { cell: 'gru', score: 'additive' },
  { cell: 'gru', score: 'dot' },
  { cell: 'gru', score: 'general' },
  { cell: 'lstm', score: 'additive' },
  { cell: 'lstm', score: 'dot' },
  { cell: 'lstm', score: 'general' },
];

function model(cell: RecurrentKind, score: ScoreKind, seed = 1): RnnSeq2seq {
  return new RnnSeq2seq({ sourceVocabSize: V, targetVocabSize: V, cell, score, embedDim: 8, encoderUnits: 6, attentionDim: 5, maxLength: 12 }, seed);
}

const SOURCES = [
  [4, 5, 6, 7, 8],
  [9, 4],
  [10, 9, 8],
];
const TARGETS = [
  [BOS, 8, 7, 6, 5, 4],
  [BOS, 4, 9],
  [BOS, 8, 9, 10],
];

describe('rnn seq2seq', () => {
  useEngineBackend();

  for (const { cell, score } of CONFIGS) {
    describe(`${cell} + ${score}`, () => {
      it('alignment rows sum to 1 and padding gets no weight', () => {
        const m = model(cell, score);
        const src = padIds(SOURCES);
        const tgt = padIds(TARGETS);
        const { logits, alignment } = m.forward(src, tgt);
        assert.deepEqual(logits.shape, [3, 6, V]);
        assert.deepEqual(alignment.shape, [3, 6, 5]);
        const a = alignment.arraySync();
        a.forEach((rows, b) =>
          rows.forEach((row, t) => {
            const sum = row.reduce((x, y) => x + y, 0);
            assert.ok(Math.abs(sum - 1) < 1e-5, `row ${b},${t} sums to ${sum}`);
            row.forEach((w, s) => {
              assert.ok(Number.isFinite(w) && w >= 0);
              if (s >= SOURCES[b].length) assert.equal(w, 0, `padding position ${s} of row ${b} has weight ${w}`);
            });
          }),
        );
        tf.dispose([src, tgt, logits, alignment]);
        m.dispose();
      });

      it('padding does not change a row: alone and in a padded batch give the same logits', () => {
        const m = model(cell, score, 2);
        const batch = m.forward(padIds(SOURCES), padIds(TARGETS));
        const alone = m.forward(padIds([SOURCES[1]]), padIds([TARGETS[1]]));
        const inBatch = tf.tidy(() => batch.logits.slice([1, 0, 0], [1, 3, V]));
        assert.ok(maxAbsDiff(inBatch.dataSync(), alone.logits.dataSync()) < 1e-5);
        const alignInBatch = tf.tidy(() => batch.alignment.slice([1, 0, 0], [1, 3, 2]));
        assert.ok(maxAbsDiff(alignInBatch.dataSync(), alone.alignment.dataSync()) < 1e-5);
        tf.dispose([batch.logits, batch.alignment, alone.logits, alone.alignment, inBatch, alignInBatch]);
        m.dispose();
      });

      it('incremental decoding equals teacher forcing, and capture leaves log-probabilities unchanged', () => {
        const m = model(cell, score, 3);
        const fwd = m.forward(padIds(SOURCES), padIds(TARGETS.map((t) => t.slice(0, 3))));
        const expected = tf.tidy(() => tf.logSoftmax(fwd.logits));
        const plain = rnnStepModel(m, SOURCES);
        const captured = rnnStepModel(m, SOURCES, { withAttention: true });
        const s1 = plain.begin();
        const s2 = captured.begin();
        for (let t = 0; t < 3; t++) {
          const ids = tf.tensor1d(TARGETS.map((r) => r[t]), 'int32');
          const a = plain.step(s1, ids);
          const b = captured.step(s2, ids);
          assert.equal(a.cross, undefined);
          assert.equal(b.cross?.length, 1);
          const cross = b.cross?.[0] as tf.Tensor4D;
          assert.deepEqual(cross.shape, [3, 1, 1, 5]);
          assert.deepEqual(Array.from(a.logProbs.dataSync()), Array.from(b.logProbs.dataSync()));
          const want = tf.tidy(() => expected.slice([0, t, 0], [3, 1, V]).reshape([3, V]));
          assert.ok(maxAbsDiff(a.logProbs.dataSync(), want.dataSync()) < 1e-5, `step ${t}`);
          const wantAlign = tf.tidy(() => fwd.alignment.slice([0, t, 0], [3, 1, 5]));
          assert.ok(maxAbsDiff(cross.dataSync(), wantAlign.dataSync()) < 1e-5);
          tf.dispose([ids, a.logProbs, b.logProbs, cross, want, wantAlign]);
        }
        plain.dispose(s1);
        captured.dispose(s2);
        tf.dispose([fwd.logits, fwd.alignment, expected]);
        m.dispose();
      });

      it('greedy and beam search give valid trees and do not leak', () => {
        const m = model(cell, score, 4);
        const before = tf.memory().numTensors;
        for (const [beamSize, alpha] of [
          [1, 0],
          [3, 0.6],
        ] as const) {
          const r = beamSearch(rnnStepModel(m, [SOURCES[0]], { withAttention: true }), { beamSize, alpha, maxTokens: 8 });
          assert.deepEqual(checkTree(r.tree, EOS), []);
          assert.ok(r.hypotheses.length >= 1 && r.hypotheses.length <= beamSize);
          if (beamSize === 1) {
            const g = greedyDecode(rnnStepModel(m, [SOURCES[0]]), { batch: 1, maxTokens: 8 });
            assert.deepEqual(r.hypotheses[0].tokens, g.tokens[0]);
          }
        }
        const g = greedyDecode(rnnStepModel(m, SOURCES), { batch: 3, maxTokens: 8 });
        assert.equal(g.tokens.length, 3);
        g.tokens.forEach((row) => assert.ok(row.length >= 1 && row.length <= 8));
        assert.equal(tf.memory().numTensors, before, 'decoding leaked tensors');
        m.dispose();
      });
    });
  }

  it('the additive score equals v^T tanh(W s + U h) computed by hand from the same weights', () => {
    const m = model('gru', 'additive', 5);
    const att = m.decoder.attention;
    const [B, S, K, Q, A] = [2, 3, 12, 12, 5];
    const query = tf.randomNormal([B, Q], 0, 1, 'float32', 7) as tf.Tensor2D;
    const keys = tf.randomNormal([B, S, K], 0, 1, 'float32', 8) as tf.Tensor3D;
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 0], [B, S]);
    const projected = att.projectKeys(keys);
    const scores = att.scores(query, projected).arraySync();
    const { weights, context } = att.attend(query, projected, keys, mask);
    const W = (att.queryWeight as tf.Variable).arraySync() as number[][];
    const U = (att.keyWeight as tf.Variable).arraySync() as number[][];
    const v = (att.v as tf.Variable).arraySync() as number[][];
    const q = query.arraySync();
    const h = keys.arraySync();
    const hand: number[][] = [];
    for (let b = 0; b < B; b++) {
      hand.push([]);
      for (let s = 0; s < S; s++) {
        let score = 0;
        for (let a = 0; a < A; a++) {
          let x = 0;
          for (let i = 0; i < Q; i++) x += q[b][i] * W[i][a];
          for (let i = 0; i < K; i++) x += h[b][s][i] * U[i][a];
          score += v[a][0] * Math.tanh(x);
        }
        hand[b].push(score);
        assert.ok(Math.abs(score - scores[b][s]) < 1e-4, `score ${b},${s}: ${scores[b][s]} vs ${score}`);
      }
    }
    // Masked softmax and context by hand too.
    const w = weights.arraySync();
    const c = context.arraySync();
    for (let b = 0; b < B; b++) {
      const real = b === 0 ? 3 : 2;
      const e = hand[b].slice(0, real).map((x) => Math.exp(x - Math.max(...hand[b].slice(0, real))));
      const z = e.reduce((x, y) => x + y, 0);
      for (let s = 0; s < S; s++) assert.ok(Math.abs(w[b][s] - (s < real ? e[s] / z : 0)) < 1e-5);
      for (let k = 0; k < K; k++) {
        let x = 0;
        for (let s = 0; s < real; s++) x += (e[s] / z) * h[b][s][k];
        assert.ok(Math.abs(c[b][k] - x) < 1e-4);
      }
    }
    tf.dispose([query, keys, mask, projected, weights, context]);
    m.dispose();
  });

  it('forward does not leak tensors, and its gradients reach every weight', () => {
    const m = model('lstm', 'additive', 6);
    const src = padIds(SOURCES);
    const tgt = padIds(TARGETS);
    const out = padIds(TARGETS.map((t) => [...t.slice(1), EOS]));
    const before = tf.memory().numTensors;
    const r = m.forward(src, tgt);
    tf.dispose([r.logits, r.alignment]);
    const { value, grads } = tf.variableGrads(() => {
      const f = m.forward(src, tgt);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(out, V), f.logits) as tf.Scalar;
    }, m.params.variables());
    for (const [name, g] of Object.entries(grads)) assert.ok(tf.tidy(() => g.abs().sum().dataSync()[0]) > 0, `no gradient for ${name}`);
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, 'forward or its gradients leaked tensors');
    tf.dispose([src, tgt, out]);
    m.dispose();
  });

  it('rejects bad configurations and inputs, naming them', () => {
    assert.throws(() => new RnnSeq2seq({ sourceVocabSize: V, targetVocabSize: V, score: 'dot', encoderUnits: 4, decoderUnits: 6 }), /dot score needs decoderUnits \(6\) = 2 x encoderUnits \(8\)/);
    assert.throws(() => new RnnSeq2seq({ sourceVocabSize: V, targetVocabSize: V, cell: 'rnn' as RecurrentKind }), /cell must be 'gru' or 'lstm'/);
    const m = model('gru', 'additive');
    const bad = tf.tensor2d([[1, 2, V]], [1, 3], 'int32');
    assert.throws(() => m.forward(bad, padIds([[BOS]])), /source holds id 11, outside the vocabulary of 11/);
    const long = padIds([Array.from({ length: 13 }, () => 4)]);
    assert.throws(() => m.begin(long), /longer than the maximum length 12/);
    tf.dispose([bad, long]);
    m.dispose();
  });
});
