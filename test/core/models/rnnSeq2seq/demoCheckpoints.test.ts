/**
 * Quality bars on the COMMITTED RNN seq2seq demo checkpoints (inference only, the 500 held-out
 * generated examples the Transformer demos are tested on): reverse >= 99% exact match and the
 * alignment peaking on the mirrored source position for >= 95% of target tokens; dates >= 98%;
 * every alignment row sums to 1.
 */
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { captureRnnAttention } from '../../../../core/models/rnnSeq2seq/capture';
import { loadRnnSeq2seq } from '../../../../core/models/rnnSeq2seq/checkpoint';
import { evaluateRnnSeq2seq, rnnAlignmentShare } from '../../../../core/models/rnnSeq2seq/evaluate';
import { resolveCheckpoint } from '../../../../core/checkpoint/resolveCheckpoint';
import { getTask } from '../../../../core/data/tasks';
import { DEMO_EVAL_EXAMPLES, DEMO_EVAL_SEED } from '../../../../demo/textDemos';
import { useEngineBackend } from '../../engineBackend';

const bars = [
  { demo: 'rnn-seq2seq-reverse', task: 'reverse', exact: 0.99, mirrored: 0.95 },
  { demo: 'rnn-seq2seq-dates', task: 'dates', exact: 0.98 },
];

/** Largest |row sum - 1| over the rows of a [1, 1, T, S] map. */
function worstRowSum(shape: number[], data: Float32Array): number {
  const [, , T, S] = shape;
  let worst = 0;
  for (let t = 0; t < T; t++) worst = Math.max(worst, Math.abs(data.subarray(t * S, (t + 1) * S).reduce((a, b) => a + b, 0) - 1));
  return worst;
}

describe('rnn seq2seq: committed demo checkpoints', function () {
  this.timeout(180_000);
  useEngineBackend();

  for (const b of bars) {
    it(`${b.demo}: >= ${b.exact * 100}% exact match on ${DEMO_EVAL_EXAMPLES} held-out examples${b.mirrored ? `, alignment on the mirrored position >= ${b.mirrored * 100}%` : ''}; rows sum to 1; under 5 MB`, async () => {
      const dir = await resolveCheckpoint(`demo:${b.demo}`);
      const bytes = statSync(path.join(dir, 'model.json')).size + statSync(path.join(dir, 'weights.bin')).size;
      assert.ok(bytes < 5_000_000, `${b.demo} is ${bytes} bytes`);
      const bundle = await loadRnnSeq2seq(dir);
      try {
        const pairs = getTask(b.task).heldOut(DEMO_EVAL_EXAMPLES, DEMO_EVAL_SEED);
        const r = evaluateRnnSeq2seq(bundle, pairs);
        const wrong = pairs.flatMap((p, i) => (r.outputs[i] === p.target ? [] : [`${p.source} -> ${r.outputs[i]} (want ${p.target})`])).slice(0, 3);
        assert.ok(r.exactMatch >= b.exact, `exact match ${r.exactMatch}; e.g. ${wrong.join('; ')}`);
        if (b.mirrored) {
          const a = rnnAlignmentShare(bundle, pairs, (i, n) => n - 1 - i);
          assert.ok(a.share >= b.mirrored, `mirrored alignment share ${a.share} over ${a.tokens} tokens`);
        }
        for (const p of pairs.slice(0, 20)) {
          const map = captureRnnAttention(bundle, p.source).maps[0];
          assert.ok(worstRowSum(map.shape, map.data) < 1e-4, `an alignment row of '${p.source}' does not sum to 1`);
        }
      } finally {
        bundle.model.dispose();
      }
    });
  }

  it('rnn-seq2seq-reverse: the alignment of a typed input is the anti-diagonal', async () => {
    const bundle = await loadRnnSeq2seq(await resolveCheckpoint('demo:rnn-seq2seq-reverse'));
    try {
      const cap = captureRnnAttention(bundle, 'attention');
      assert.equal(cap.predicted.text, 'noitnetta');
      const [, , T, S] = cap.maps[0].shape;
      let hits = 0;
      for (let q = 0; q < S; q++) {
        const row = Array.from(cap.maps[0].data.subarray(q * S, (q + 1) * S));
        if (row.indexOf(Math.max(...row)) === S - 1 - q) hits++;
      }
      assert.equal(T, S + 1, 'one row per output letter and one for <eos>');
      assert.ok(hits >= S - 1, `anti-diagonal peaks on ${hits} of ${S} positions`);
    } finally {
      bundle.model.dispose();
    }
  });
});
