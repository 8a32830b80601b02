/**
 * Quality bars on the COMMITTED demo checkpoints (inference only, 500 held-out generated examples
 * that training never saw): reverse >= 99% exact match and last-layer cross-attention (mean over
 * heads) peaking on the mirrored source position for >= 95% of target tokens; dates >= 98%.
 */
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { resolveCheckpoint } from '../../../../core/checkpoint/resolveCheckpoint';
import { loadTransformerFrom } from '../../../../core/models/transformer/checkpoint';
import { captureAttention } from '../../../../core/models/transformer/capture';
import { getTask } from '../../../../core/data/tasks';
import { crossAttentionAlignment, evaluateSeq2Seq } from '../../../../core/models/transformer/evaluate';
import { DEMO_EVAL_EXAMPLES, DEMO_EVAL_SEED } from '../../../../demo/textDemos';
import { useEngineBackend } from '../../engineBackend';

const bars = [
  { demo: 'transformer-reverse', task: 'reverse', exact: 0.99, mirrored: 0.95 },
  { demo: 'transformer-dates', task: 'dates', exact: 0.98 },
  { demo: 'transformer-numbers-de', task: 'numbers-de', exact: 0.88 }, // no bar in the issue; measured 90.0%
];

describe('transformer: committed demo checkpoints', function () {
  this.timeout(120_000);
  useEngineBackend();

  for (const b of bars) {
    it(`${b.demo}: >= ${b.exact * 100}% exact match on ${DEMO_EVAL_EXAMPLES} held-out examples${b.mirrored ? `, mirrored cross-attention >= ${b.mirrored * 100}%` : ''}; under 2 MB`, async () => {
      const dir = await resolveCheckpoint(`demo:${b.demo}`);
      const bytes = statSync(path.join(dir, 'model.json')).size + statSync(path.join(dir, 'weights.bin')).size;
      assert.ok(bytes < 2_000_000, `${b.demo} is ${bytes} bytes`);
      const bundle = await loadTransformerFrom(dir);
      const pairs = getTask(b.task).heldOut(DEMO_EVAL_EXAMPLES, DEMO_EVAL_SEED);
      const r = evaluateSeq2Seq(bundle, pairs);
      const wrong = pairs.filter((p, i) => r.outputs[i] !== p.target).slice(0, 3).map((p) => `${p.source} -> ${r.outputs[pairs.indexOf(p)]} (want ${p.target})`);
      assert.ok(r.exactMatch >= b.exact, `exact match ${r.exactMatch}; e.g. ${wrong.join('; ')}`);
      if (b.mirrored) {
        const a = crossAttentionAlignment(bundle, pairs, (i, n) => n - 1 - i);
        assert.ok(a.share >= b.mirrored, `mirrored cross-attention share ${a.share} over ${a.tokens} tokens`);
      }
      bundle.model.dispose();
    });
  }

  it('transformer-reverse: the attention API shows the anti-diagonal for a typed input', async () => {
    const bundle = await loadTransformerFrom('demo:transformer-reverse');
    const cap = captureAttention(bundle, 'attention');
    assert.equal(cap.predicted.text, 'noitnetta');
    const cross = cap.maps.find((m) => m.kind === 'cross');
    assert.ok(cross);
    const [L, H, Q, K] = cross.shape;
    let hits = 0;
    for (let q = 0; q < K; q++) {
      const mean = new Float64Array(K);
      for (let h = 0; h < H; h++) for (let k = 0; k < K; k++) mean[k] += cross.data[(((L - 1) * H + h) * Q + q) * K + k] / H;
      if (mean.indexOf(Math.max(...mean)) === K - 1 - q) hits++;
    }
    assert.ok(hits >= K - 1, `anti-diagonal peaks on ${hits} of ${K} positions`);
    bundle.model.dispose();
  });
});
