/**
 * The Transformer model: attention capture does not change logits, masks hold in the full model,
 * incremental decoding equals full recomputation, padding does not leak, bad input is refused,
 * and nothing leaks tensors.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../../protocol/rpc';
import { greedyDecode } from '../../../../core/decoding/greedy';
import { transformerStepModel } from '../../../../core/models/transformer/stepModel';
import { padIds } from '../../../../core/nn/padding';
import { Transformer } from '../../../../core/models/transformer/transformer';
import { BOS, EOS } from '../../../../core/text/tokenizer';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

const V = 12;
const seq2seq = () => new Transformer({ sourceVocabSize: V, targetVocabSize: V, dModel: 16, heads: 4, dFF: 32, encoderLayers: 2, decoderLayers: 2, maxLength: 16 }, 7);
const lm = () => new Transformer({ kind: 'lm', targetVocabSize: V, dModel: 16, heads: 2, dFF: 32, decoderLayers: 2, maxLength: 16 }, 8);

function disposeForward(r: ReturnType<Transformer['forward']>): void {
  tf.dispose([r.logits, ...r.encoderSelf, ...r.decoderSelf, ...r.cross]);
}

/** Greedy decoding by re-running the full forward pass on the whole prefix at every step. */
function greedyFull(model: Transformer, source: number[] | null, steps: number): { tokens: number[]; logProbs: number[] } {
  const tokens: number[] = [];
  const logProbs: number[] = [];
  for (let t = 0; t < steps; t++) {
    const src = source ? padIds([source]) : null;
    const inp = padIds([[BOS, ...tokens]]);
    const r = model.forward(src, inp);
    const lp = tf.tidy(() => tf.logSoftmax(r.logits.slice([0, t, 0], [1, 1, V]).reshape([V])));
    const values = lp.dataSync();
    let best = EOS;
    for (let v = EOS + 1; v < V; v++) if (values[v] > values[best]) best = v;
    tokens.push(best);
    logProbs.push(values[best]);
    tf.dispose([lp, inp, ...(src ? [src] : [])]);
    disposeForward(r);
    if (best === EOS) break;
  }
  return { tokens, logProbs };
}

describe('transformer: model', () => {
  useEngineBackend();

  it('returns attention of the documented shapes; rows sum to 1; causal and padding zeros hold', () => {
    const m = seq2seq();
    const src = padIds([[4, 5, 6, 7, 8], [4, 5, 6]]); // second source padded at keys 3, 4
    const tin = padIds([[BOS, 4, 5, 6], [BOS, 7]]); // second target padded at 2, 3
    const r = m.forward(src, tin);
    assert.deepEqual(r.logits.shape, [2, 4, V]);
    assert.deepEqual(r.encoderSelf.map((w) => w.shape), [[2, 4, 5, 5], [2, 4, 5, 5]]);
    assert.deepEqual(r.decoderSelf.map((w) => w.shape), [[2, 4, 4, 4], [2, 4, 4, 4]]);
    assert.deepEqual(r.cross.map((w) => w.shape), [[2, 4, 4, 5], [2, 4, 4, 5]]);
    const check = (w: tf.Tensor4D, allowed: (b: number, q: number, k: number) => boolean) => {
      const [B, H, Q, K] = w.shape;
      const d = w.dataSync();
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let q = 0; q < Q; q++) {
            let sum = 0;
            for (let k = 0; k < K; k++) {
              const x = d[((b * H + h) * Q + q) * K + k];
              sum += x;
              if (!allowed(b, q, k)) assert.equal(x, 0, `masked weight ${x} at b${b} h${h} q${q} k${k}`);
            }
            assert.ok(Math.abs(sum - 1) <= 1e-5, `row sums to ${sum}`);
          }
    };
    const srcLen = [5, 3];
    const tgtLen = [4, 2];
    r.encoderSelf.forEach((w) => check(w, (b, _q, k) => k < srcLen[b]));
    r.decoderSelf.forEach((w) => check(w, (b, q, k) => k <= q && k < tgtLen[b]));
    r.cross.forEach((w) => check(w, (b, _q, k) => k < srcLen[b]));
    disposeForward(r);
    tf.dispose([src, tin]);
    m.dispose();
  });

  it('capturing attention leaves the logits unchanged (bit for bit)', () => {
    const m = seq2seq();
    const src = padIds([[4, 5, 6, 7]]);
    const tin = padIds([[BOS, 8, 9]]);
    const plain = m.forward(src, tin);
    const plainLogits = plain.logits.dataSync().slice();
    disposeForward(plain);
    const captured = m.forward(src, tin);
    const maps = [...captured.encoderSelf, ...captured.decoderSelf, ...captured.cross].map((w) => w.dataSync().slice());
    assert.ok(maps.length === 6);
    assert.deepEqual(Array.from(captured.logits.dataSync()), Array.from(plainLogits));
    disposeForward(captured);
    tf.dispose([src, tin]);
    m.dispose();
  });

  it('a padded source in a batch gives the same logits as alone (within 1e-5)', () => {
    const m = seq2seq();
    const alone = m.forward(padIds([[4, 5]]), padIds([[BOS, 6, 7]]));
    const batched = m.forward(padIds([[4, 5], [9, 9, 9, 9, 9, 9]]), padIds([[BOS, 6, 7], [BOS, 5, 5]]));
    const a = alone.logits.dataSync();
    const b = batched.logits.dataSync().slice(0, a.length);
    assert.ok(maxAbsDiff(a, b) <= 1e-5, `differs by ${maxAbsDiff(a, b)}`);
    disposeForward(alone);
    disposeForward(batched);
    m.dispose();
  });

  for (const kind of ['seq2seq', 'lm'] as const) {
    it(`incremental decoding (key/value cache) equals full recomputation: ${kind}`, () => {
      const m = kind === 'seq2seq' ? seq2seq() : lm();
      const source = kind === 'seq2seq' ? [4, 7, 5, 9, 10, 6] : null;
      const full = greedyFull(m, source, 12);
      const inc = greedyDecode(transformerStepModel(m, source ? [source] : null), { batch: 1, maxTokens: 12 });
      assert.deepEqual(inc.tokens[0], full.tokens);
      assert.ok(maxAbsDiff(inc.logProbs[0], full.logProbs) <= 1e-4, `log-probs differ by ${maxAbsDiff(inc.logProbs[0], full.logProbs)}`);
      m.dispose();
    });
  }

  it('batched incremental decoding equals decoding each source alone', () => {
    const m = seq2seq();
    const sources = [[4, 5, 6], [7, 8, 9, 10, 11, 4], [5]];
    const batch = greedyDecode(transformerStepModel(m, sources), { batch: 3, maxTokens: 10 });
    sources.forEach((s, i) => {
      const one = greedyDecode(transformerStepModel(m, [s]), { batch: 1, maxTokens: 10 });
      assert.deepEqual(batch.tokens[i], one.tokens[0]);
      assert.ok(maxAbsDiff(batch.logProbs[i], one.logProbs[0]) <= 1e-4);
    });
    m.dispose();
  });

  it('ablating a head changes the output; ablating none does not', () => {
    const m = seq2seq();
    const src = padIds([[4, 5, 6, 7]]);
    const tin = padIds([[BOS, 8, 9]]);
    const base = m.forward(src, tin);
    const none = m.forward(src, tin, { ablate: [] });
    const off = m.forward(src, tin, { ablate: [{ kind: 'cross', layer: 1, head: 2 }] });
    assert.equal(maxAbsDiff(base.logits.dataSync(), none.logits.dataSync()), 0);
    assert.ok(maxAbsDiff(base.logits.dataSync(), off.logits.dataSync()) > 1e-4);
    // The encoder and decoder self-attention before the ablated block are untouched.
    assert.equal(maxAbsDiff(base.encoderSelf[1].dataSync(), off.encoderSelf[1].dataSync()), 0);
    assert.throws(() => m.forward(src, tin, { ablate: [{ kind: 'cross', layer: 2, head: 0 }] }), /layer 2 is out of range/);
    assert.throws(() => m.forward(src, tin, { ablate: [{ kind: 'encoder-self', layer: 0, head: 4 }] }), /head 4 is out of range/);
    [base, none, off].forEach(disposeForward);
    tf.dispose([src, tin]);
    m.dispose();
  });

  const badInputs: { name: string; run: (m: Transformer) => unknown; message: RegExp }[] = [
    { name: 'empty source', run: (m) => m.forward(tf.zeros([1, 0], 'int32') as tf.Tensor2D, padIds([[BOS]])), message: /source is empty/ },
    { name: 'source longer than the maximum length', run: (m) => m.forward(padIds([new Array(17).fill(4)]), padIds([[BOS]])), message: /17 tokens; this model's maximum length is 16/ },
    { name: 'target longer than the maximum length', run: (m) => m.forward(padIds([[4]]), padIds([new Array(20).fill(4)])), message: /target has 20 tokens/ },
    { name: 'no source for an encoder-decoder', run: (m) => m.forward(null, padIds([[BOS]])), message: /needs a source/ },
  ];
  for (const c of badInputs) {
    it(`refuses bad input with a clear error: ${c.name}`, () => {
      const m = seq2seq();
      const before = tf.memory().numTensors;
      assert.throws(
        () => c.run(m),
        (err: unknown) => err instanceof RpcError && err.code === 'invalid-input' && c.message.test(err.message),
      );
      assert.ok(tf.memory().numTensors - before <= 3, 'at most the test inputs remain');
      m.dispose();
    });
  }

  it('decoding past the maximum length stops at the limit', () => {
    const m = seq2seq();
    const r = greedyDecode(transformerStepModel(m, [[4, 5]]), { batch: 1, maxTokens: 100 });
    assert.ok(r.tokens[0].length <= 15);
    m.dispose();
  });

  it('does not leak tensors over forward passes and decodes', () => {
    const m = seq2seq();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const src = padIds([[4, 5, 6]]);
      const tin = padIds([[BOS, 7]]);
      disposeForward(m.forward(src, tin, { ablate: [{ kind: 'decoder-self', layer: 0, head: 1 }] }));
      tf.dispose([src, tin]);
      greedyDecode(transformerStepModel(m, [[4, 5, 6]]), { batch: 1, maxTokens: 6 });
    }
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });

  it('accepts the paper base configuration (6 layers, d_model 512, 8 heads, d_ff 2048)', () => {
    const m = new Transformer({ encoderLayers: 6, decoderLayers: 6, dModel: 512, heads: 8, dFF: 2048, sourceVocabSize: 30, targetVocabSize: 30 });
    assert.ok(m.params.parameterCount > 40e6);
    m.dispose();
  });

  it('rejects impossible configurations', () => {
    assert.throws(() => new Transformer({ dModel: 30, heads: 4, sourceVocabSize: 5, targetVocabSize: 5 }), /not divisible/);
    assert.throws(() => new Transformer({ dropout: 1, sourceVocabSize: 5, targetVocabSize: 5 }), /dropout/);
    assert.throws(() => new Transformer({ targetVocabSize: 5 }), /sourceVocabSize/);
  });
});
