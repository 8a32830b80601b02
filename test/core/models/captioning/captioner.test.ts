/**
 * Captioner (Show, Attend and Tell): per-word maps sum to 1, hard attention picks one location and
 * scores it, the doubly stochastic penalty by hand, greedy and beam trees, capture, the moving
 * average baseline, tiny trainings (soft and hard) whose loss falls, leaks, bad input.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { generateScenes, SCENE_SETS } from '../../../../core/data/scenes/scenes';
import { beamSearch } from '../../../../core/decoding/beamSearch';
import { greedyDecode } from '../../../../core/decoding/greedy';
import { checkTree } from '../../../../core/decoding/searchTree';
import { chooseLocations } from '../../../../core/models/captioning/captionDecoder';
import { doublyStochasticPenalty, hardCaptionLoss, MovingAverageBaseline } from '../../../../core/models/captioning/captionLoss';
import { Captioner } from '../../../../core/models/captioning/captioner';
import { captionStepModel } from '../../../../core/models/captioning/captionStepModel';
import { CAPTION_ADAM, captionBatch, captionLearningRate, captionObjective, disposeCaptionBatch } from '../../../../core/models/captioning/captionTraining';
import { captionTokenizer, type CaptionAttention, type CaptionInitialState } from '../../../../core/models/captioning/config';
import { DistancePrior } from '../../../../core/models/captioning/distancePrior';
import { ParamStore } from '../../../../core/nn/paramStore';
import { Rng } from '../../../../core/util/rng';
import { EOS } from '../../../../core/text/tokenizer';
import { Adam } from '../../../../core/training/adam';
import { trainStep } from '../../../../core/training/trainLoop';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

const tokenizer = captionTokenizer();
const SCENES = generateScenes(SCENE_SETS.train, 0, 4, { size: 32 });

function model(attention: CaptionAttention, seed = 1): Captioner {
  return new Captioner({ vocabSize: tokenizer.size, attention, imageSize: 32, channels: [8, 16], embedDim: 8, units: 16, attentionDim: 8, maxLength: 12 }, seed);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('captioner', () => {
  useEngineBackend();

  it('every scene caption encodes with the caption tokenizer', () => {
    for (const s of generateScenes(SCENE_SETS.heldOut, 0, 50, { size: 32 })) assert.equal(tokenizer.decode(tokenizer.encode(s.caption)), s.caption);
  });

  for (const attention of ['soft', 'hard'] as const) {
    describe(attention, () => {
      it('per-word maps are [B, T, side^2], rows sum to 1, and forward does not leak', () => {
        const m = model(attention);
        const b = captionBatch(SCENES, tokenizer);
        const before = tf.memory().numTensors;
        const r = m.forward(b.images, b.targetIn, attention === 'hard' ? new Rng(1) : undefined);
        const T = b.targetIn.shape[1];
        assert.equal(m.gridSide, 8);
        assert.deepEqual(r.logits.shape, [4, T, tokenizer.size]);
        assert.deepEqual(r.maps.shape, [4, T, 64]);
        const sums = tf.tidy(() => r.maps.sum(2).dataSync());
        sums.forEach((x) => assert.ok(Math.abs(x - 1) < 1e-5, `a map sums to ${x}`));
        if (attention === 'hard') {
          assert.deepEqual(r.logChosen?.shape, [4, T]);
          // log alpha of the chosen location, read back from the maps.
          const maps = r.maps.arraySync();
          const lc = (r.logChosen as tf.Tensor2D).arraySync();
          r.chosen?.forEach((row, i) => row.forEach((l, t) => assert.ok(Math.abs(Math.log(maps[i][t][l] + 1e-12) - lc[i][t]) < 1e-4)));
        } else {
          assert.equal(r.logChosen, undefined);
        }
        tf.dispose([r.logits, r.maps, ...(r.logChosen ? [r.logChosen] : [])]);
        assert.equal(tf.memory().numTensors, before, 'forward leaked tensors');
        disposeCaptionBatch(b);
        m.dispose();
      });

      it('greedy and beam give valid trees, capture leaves log-probabilities unchanged, and nothing leaks', () => {
        const m = model(attention, 2);
        const b = captionBatch(SCENES.slice(0, 1), tokenizer);
        const before = tf.memory().numTensors;
        const r = beamSearch(captionStepModel(m, b.images, { withAttention: true }), { beamSize: 3, maxTokens: 8 });
        assert.deepEqual(checkTree(r.tree, EOS), []);
        const g1 = greedyDecode(captionStepModel(m, b.images), { batch: 1, maxTokens: 8 });
        const plain = captionStepModel(m, b.images);
        const captured = captionStepModel(m, b.images, { withAttention: true });
        const s1 = plain.begin();
        const s2 = captured.begin();
        const ids = tf.tensor1d([1], 'int32');
        const a = plain.step(s1, ids);
        const c = captured.step(s2, ids);
        assert.equal(maxAbsDiff(a.logProbs.dataSync(), c.logProbs.dataSync()), 0);
        assert.deepEqual(c.cross?.[0].shape, [1, 1, 1, 64]);
        tf.dispose([ids, a.logProbs, c.logProbs, ...(c.cross ?? [])]);
        plain.dispose(s1);
        captured.dispose(s2);
        assert.ok(g1.tokens[0].length >= 1);
        assert.equal(tf.memory().numTensors, before, 'decoding leaked tensors');
        disposeCaptionBatch(b);
        m.dispose();
      });
    });
  }

  it('the doubly stochastic penalty equals a hand computation, padding excluded', () => {
    const maps = tf.tensor3d(
      [
        [[0.5, 0.5, 0], [0.2, 0.3, 0.5], [1, 0, 0]],
        [[0, 0, 1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],
      ],
    ); // [2, 3, 3]
    const targetOut = tf.tensor2d([[5, 6, 0], [5, 6, 7]], [2, 3], 'int32'); // row 0: its last word is padding
    const p = doublyStochasticPenalty(maps, targetOut);
    const totals = [
      [0.7, 0.8, 0.5],
      [0.4, 0.4, 2.2],
    ];
    const hand = mean(totals.flat().map((x) => (1 - x) ** 2));
    assert.ok(Math.abs(p.dataSync()[0] - hand) < 1e-6);
    tf.dispose([maps, targetOut, p]);
  });

  it('hard attention samples by the map and its argmax is the largest weight', () => {
    const probs = new Float32Array([0.1, 0.7, 0.2, 0.6, 0.1, 0.3]);
    assert.deepEqual(Array.from(chooseLocations(probs, 2, 3, { kind: 'argmax' })), [1, 0]);
    const rng = new Rng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[chooseLocations(probs, 1, 3, { kind: 'sample', rng })[0]]++;
    counts.forEach((n, l) => assert.ok(Math.abs(n / 4000 - probs[l]) < 0.03, `location ${l} drawn ${n} times`));
  });

  it('the moving-average baseline starts at the first reward and then averages', () => {
    const b = new MovingAverageBaseline(0.9);
    b.update(-10);
    assert.equal(b.value, -10);
    b.update(-20);
    assert.ok(Math.abs((b.value as number) + 11) < 1e-12);
  });

  for (const attention of ['soft', 'hard'] as const) {
    it(`a tiny ${attention}-attention training: the word loss falls, and nothing leaks`, () => {
      const m = model(attention, 3);
      const objective = captionObjective(m);
      const optimizer = new Adam(CAPTION_ADAM);
      const before = tf.memory().numTensors;
      const nll: number[] = [];
      const pool = generateScenes(SCENE_SETS.train, 100, 64, { size: 32 });
      const rng = new Rng(9);
      for (let s = 0; s < 40; s++) {
        const batch = captionBatch(Array.from({ length: 8 }, () => rng.pick(pool)), tokenizer);
        const r = trainStep(objective, batch, rng, m.params.variables(), optimizer, 0.01, 5);
        disposeCaptionBatch(batch);
        assert.ok(Number.isFinite(r.loss));
        if (attention === 'hard') assert.ok(Number.isFinite(r.extra.reward) && Number.isFinite(r.extra.baseline));
        else assert.ok(r.extra.penalty >= 0);
        nll.push(r.reported);
      }
      const first = mean(nll.slice(0, 5));
      const last = mean(nll.slice(-5));
      console.log(`      ${attention}: word NLL first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
      assert.ok(last < first * 0.7, `NLL did not fall enough: ${first} -> ${last}`);
      optimizer.dispose();
      assert.equal(tf.memory().numTensors, before, 'training leaked tensors');
      m.dispose();
    });
  }

  it('hard attention: the REINFORCE term gives the attention weights a gradient; the CNN gets one too', () => {
    const m = model('hard', 4);
    const b = captionBatch(SCENES, tokenizer);
    const baseline = new MovingAverageBaseline();
    const rng = new Rng(2);
    const { value, grads } = tf.variableGrads(() => {
      const f = m.forward(b.images, b.targetIn, rng);
      return hardCaptionLoss(f.logits, f.maps, f.logChosen as tf.Tensor2D, b.targetOut, { baseline }).loss;
    }, m.params.variables());
    const names = m.params.nameMap();
    for (const v of [m.decoder.attention.v as tf.Variable, m.decoder.attention.queryWeight as tf.Variable, m.encoder.kernels[0]]) {
      assert.ok(tf.tidy(() => grads[v.name].abs().sum().dataSync()[0]) > 0, `no gradient for ${names.get(v)}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    disposeCaptionBatch(b);
    m.dispose();
  });

  it("initialState 'zeros': no initial-state weights and a zero first state, so the image reaches the decoder only through attention", () => {
    const m = new Captioner({ vocabSize: tokenizer.size, imageSize: 32, channels: [8, 16], embedDim: 8, units: 16, attentionDim: 8, initialState: 'zeros' }, 1);
    const names = [...m.params.byName().keys()];
    assert.ok(!names.some((n) => n.includes('init')), names.join(', '));
    const b = captionBatch(SCENES, tokenizer);
    const state = m.begin(b.images);
    assert.equal(Math.max(...(state.rnn.h.dataSync() as Float32Array).map(Math.abs)), 0);
    assert.equal(Math.max(...(state.rnn.c!.dataSync() as Float32Array).map(Math.abs)), 0);
    m.disposeState(state);
    const paper = model('soft');
    const s2 = paper.begin(b.images);
    assert.ok(Math.max(...(s2.rnn.h.dataSync() as Float32Array).map(Math.abs)) > 0, "'mean-features' starts from the image");
    paper.disposeState(s2);
    paper.dispose();
    disposeCaptionBatch(b);
    m.dispose();
  });

  it('positionDim: each location carries its own learned vector after the CNN features, the same for every image', () => {
    const m = new Captioner({ vocabSize: tokenizer.size, imageSize: 32, channels: [8, 16], embedDim: 8, units: 16, attentionDim: 8, positionDim: 4 }, 1);
    const b = captionBatch(SCENES, tokenizer);
    const f = m.encoder.encode(b.images); // [B, 64, 16 + 4]
    assert.deepEqual(f.shape, [SCENES.length, 64, 20]);
    const pos = tf.tidy(() => f.slice([0, 0, 16], [-1, -1, 4]));
    const rows = pos.arraySync() as number[][][];
    for (const r of rows.slice(1)) assert.equal(maxAbsDiff(r.flat(), rows[0].flat()), 0);
    assert.ok(maxAbsDiff(rows[0][0], rows[0][1]) > 0, 'two locations have different position vectors');
    tf.dispose([f, pos]);
    disposeCaptionBatch(b);
    m.dispose();
  });

  it('poolLast false: the last block does not pool, so the grid is twice as fine and the maps still sum to 1', () => {
    const m = new Captioner({ vocabSize: tokenizer.size, imageSize: 32, channels: [8, 16], poolLast: false, embedDim: 8, units: 16, attentionDim: 8 }, 1);
    assert.equal(m.gridSide, 16);
    const b = captionBatch(SCENES, tokenizer);
    const fwd = m.forward(b.images, b.targetIn);
    assert.deepEqual(fwd.maps.shape, [SCENES.length, b.targetIn.shape[1], 256]);
    const sums = fwd.maps.sum(2);
    for (const v of sums.dataSync()) assert.ok(Math.abs(v - 1) < 1e-5, `a map sums to ${v}`);
    tf.dispose([sums, fwd.logits, fwd.maps]);
    disposeCaptionBatch(b);
    m.dispose();
  });

  it('distance prior: with the previous map on one cell, every location at the same whole-cell distance from it gets the same score term', () => {
    const p = new ParamStore(new Rng(3));
    const prior = new DistancePrior(p, 'prior', 4, 2, 5); // 4 x 4 grid, 2 features, attention width 5
    const previous = tf.oneHot(tf.tensor1d([5], 'int32'), 16).cast('float32') as tf.Tensor2D; // cell (x 1, y 1)
    const matrix = prior.matrix();
    const term = prior.term(previous, matrix); // [1, 16, 5]
    const rows = (term.arraySync() as number[][][])[0];
    // Distance 1 (rounded): the four neighbours and the four diagonals; distance 2: (3, 1), (1, 3).
    for (const l of [0, 2, 4, 6, 8, 9, 10]) assert.ok(maxAbsDiff(rows[l], rows[1]) < 1e-6, `cell ${l} differs from cell 1`);
    assert.ok(maxAbsDiff(rows[7], rows[13]) < 1e-6);
    assert.ok(maxAbsDiff(rows[7], rows[1]) > 1e-4, 'distances 1 and 2 got the same term');
    assert.ok(maxAbsDiff(rows[5], rows[1]) > 1e-4, 'distances 0 and 1 got the same term');
    tf.dispose([previous, matrix, term]);
    prior.dispose();
    p.dispose();
  });

  it('distance prior: word-by-word decoding carries the previous map, giving the teacher-forced log-probabilities; beam and greedy do not leak', () => {
    const m = new Captioner({ vocabSize: tokenizer.size, imageSize: 32, channels: [8, 16], embedDim: 8, units: 16, attentionDim: 8, distancePrior: 3 }, 5);
    assert.ok([...m.params.byName().keys()].some((n) => n.includes('distancePrior')));
    // At initialisation the prior's term is small; enlarged, a dropped map shows in the words.
    const kernel = m.decoder.distancePrior!.kernel;
    tf.tidy(() => kernel.assign(kernel.mul(50)));
    const b = captionBatch(SCENES.slice(0, 1), tokenizer);
    const fwd = m.forward(b.images, b.targetIn);
    const teacher = tf.tidy(() => tf.logSoftmax(fwd.logits).arraySync() as number[][][])[0];
    const before = tf.memory().numTensors;
    const sm = captionStepModel(m, b.images);
    const state = sm.begin();
    const ids = b.targetIn.arraySync()[0];
    ids.forEach((id, t) => {
      const tok = tf.tensor1d([id], 'int32');
      const r = sm.step(state, tok);
      assert.ok(maxAbsDiff(r.logProbs.dataSync(), teacher[t]) < 1e-4, `word ${t} differs from teacher forcing`);
      tf.dispose([tok, r.logProbs]);
    });
    sm.dispose(state);
    // Dropping the carried map changes the second word: the comparison above tests the carrying.
    const s2 = m.begin(b.images);
    const t0 = tf.tensor1d([ids[0]], 'int32');
    const t1 = tf.tensor1d([ids[1]], 'int32');
    const w0 = m.decodeStep(s2, t0);
    s2.previousMap?.dispose();
    s2.previousMap = undefined;
    const w1 = m.decodeStep(s2, t1);
    assert.ok(maxAbsDiff(w1.logProbs.dataSync(), teacher[1]) > 1e-3, 'the second word does not depend on the first word\'s map');
    tf.dispose([t0, t1, w0.logProbs, w0.map, w1.logProbs, w1.map]);
    m.disposeState(s2);
    const r = beamSearch(captionStepModel(m, b.images, { withAttention: true }), { beamSize: 3, maxTokens: 8 });
    assert.deepEqual(checkTree(r.tree, EOS), []);
    greedyDecode(captionStepModel(m, b.images), { batch: 1, maxTokens: 8 });
    assert.equal(tf.memory().numTensors, before, 'decoding with the distance prior leaked tensors');
    tf.dispose([fwd.logits, fwd.maps]);
    disposeCaptionBatch(b);
    m.dispose();
  });

  it('the cosine schedule starts at the learning rate and ends at a twentieth of it; constant stays', () => {
    const args = { learningRate: 0.002, learningRateSchedule: 'cosine' as const };
    assert.ok(Math.abs(captionLearningRate(args, 0, 100) - 0.002) < 1e-12);
    assert.ok(Math.abs(captionLearningRate(args, 50, 100) - (0.0001 + 0.0019 / 2)) < 1e-12);
    assert.ok(Math.abs(captionLearningRate(args, 100, 100) - 0.0001) < 1e-12);
    assert.equal(captionLearningRate({ learningRate: 0.002 }, 70, 100), 0.002);
  });

  it('rejects bad configurations and images, naming them', () => {
    assert.throws(() => new Captioner({ vocabSize: 10, imageSize: 32, channels: [4, 4, 4, 4, 4, 4] }), /not divisible by 2\^6/);
    assert.throws(() => new Captioner({ vocabSize: 10, attention: 'wild' as CaptionAttention }), /attention must be 'soft' or 'hard'/);
    assert.throws(() => new Captioner({ vocabSize: 10, initialState: 'ones' as CaptionInitialState }), /initialState must be 'mean-features' or 'zeros'/);
    assert.throws(() => new Captioner({ vocabSize: 10, positionDim: -1 }), /positionDim must be a non-negative integer, got -1/);
    assert.throws(() => new Captioner({ vocabSize: 10, distancePrior: 1.5 }), /distancePrior must be a non-negative integer, got 1.5/);
    const m = model('soft');
    const img = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const t = tf.tensor2d([[1]], [1, 1], 'int32');
    assert.throws(() => m.forward(img, t), /images must be \[B, 32, 32, 3\], got \[1,16,16,3\]/);
    tf.dispose([img, t]);
    m.dispose();
  });
});
