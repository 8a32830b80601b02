/** Beam search: tree invariants, agreement with greedy at beam 1, forced prefix, n-best order, bad arguments. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { beamSearch } from '../../../core/decoding/beamSearch';
import { greedyDecode } from '../../../core/decoding/greedy';
import { checkTree, lengthPenalty, type SearchTree } from '../../../core/decoding/searchTree';
import { transformerStepModel } from '../../../core/models/transformer/stepModel';
import { Transformer } from '../../../core/models/transformer/transformer';
import { EOS } from '../../../core/text/tokenizer';
import { useEngineBackend } from '../engineBackend';

const V = 10;

function model(seed: number): Transformer {
  return new Transformer({ sourceVocabSize: V, targetVocabSize: V, dModel: 16, heads: 2, dFF: 32, encoderLayers: 1, decoderLayers: 2, maxLength: 12 }, seed);
}

describe('decoding: beam search', () => {
  useEngineBackend();

  for (const [beamSize, alpha, seed] of [
    [2, 0.6, 1],
    [4, 0, 2],
    [4, 1, 3],
    [8, 0.6, 4],
  ] as const) {
    it(`tree invariants hold (beam ${beamSize}, alpha ${alpha}, seed ${seed})`, () => {
      const m = model(seed);
      const before = tf.memory().numTensors;
      const r = beamSearch(transformerStepModel(m, [[3, 4, 5, 6, 7]]), { beamSize, alpha, maxTokens: 10 });
      assert.equal(tf.memory().numTensors, before, 'beam search leaked tensors');
      assert.deepEqual(checkTree(r.tree, EOS), []);
      const { nodes } = r.tree;
      // Every step keeps at most beamSize nodes; pruned nodes have no children.
      const byDepth = new Map<number, number>();
      nodes.filter((n) => n.status === 'kept' && n.depth > 0).forEach((n) => byDepth.set(n.depth, (byDepth.get(n.depth) ?? 0) + 1));
      for (const count of byDepth.values()) assert.ok(count <= beamSize);
      const parents = new Set(nodes.map((n) => n.parent));
      nodes.filter((n) => n.status !== 'kept').forEach((n) => assert.ok(!parents.has(n.id), `node ${n.id} (${n.status}) was expanded`));
      // Hypotheses: sorted, at most n-best, scores = sum of their log-probs, finished ones end in EOS.
      assert.ok(r.hypotheses.length >= 1 && r.hypotheses.length <= beamSize);
      r.hypotheses.forEach((h, i) => {
        if (i > 0 && h.finished === r.hypotheses[i - 1].finished) assert.ok(h.normalized <= r.hypotheses[i - 1].normalized + 1e-9);
        assert.ok(Math.abs(h.logProbs.reduce((a, b) => a + b, 0) - h.cumulative) <= 1e-4);
        assert.ok(Math.abs(h.cumulative / lengthPenalty(h.tokens.length, alpha) - h.normalized) <= 1e-6);
        if (h.finished) assert.equal(h.tokens.at(-1), EOS);
        // The path in the tree spells the hypothesis.
        const path: number[] = [];
        for (let n = nodes[h.nodeId]; n.parent !== -1; n = nodes[n.parent]) path.unshift(n.token);
        assert.deepEqual(path, h.tokens);
      });
      m.dispose();
    });
  }

  it('beam size 1 with alpha 0 equals greedy decoding', () => {
    const m = model(5);
    const src = [[3, 9, 4, 8]];
    const beam = beamSearch(transformerStepModel(m, src), { beamSize: 1, alpha: 0, maxTokens: 10 });
    const greedy = greedyDecode(transformerStepModel(m, src), { batch: 1, maxTokens: 10 });
    assert.deepEqual(beam.hypotheses[0].tokens, greedy.tokens[0]);
    m.dispose();
  });

  it('the best beam-4 hypothesis scores at least as well as greedy (alpha 0)', () => {
    const m = model(6);
    const src = [[5, 6, 7]];
    const beam = beamSearch(transformerStepModel(m, src), { beamSize: 4, alpha: 0, maxTokens: 10 });
    const greedy = greedyDecode(transformerStepModel(m, src), { batch: 1, maxTokens: 10 });
    const g = greedy.logProbs[0].reduce((a, b) => a + b, 0);
    if (greedy.finished[0] && beam.hypotheses[0].finished) assert.ok(beam.hypotheses[0].cumulative >= g - 1e-4);
    m.dispose();
  });

  it('a forced prefix starts every hypothesis, and its nodes are marked forced', () => {
    const m = model(7);
    const r = beamSearch(transformerStepModel(m, [[3, 4, 5]]), { beamSize: 3, prefix: [7, 8], maxTokens: 10 });
    for (const h of r.hypotheses) assert.deepEqual(h.tokens.slice(0, 2), [7, 8]);
    assert.deepEqual(r.tree.nodes.filter((n) => n.forced).map((n) => n.token), [7, 8]);
    assert.deepEqual(checkTree(r.tree, EOS), []);
    m.dispose();
  });

  it('nBest limits the hypotheses', () => {
    const m = model(8);
    const r = beamSearch(transformerStepModel(m, [[3, 4]]), { beamSize: 4, nBest: 2, maxTokens: 8 });
    assert.ok(r.hypotheses.length <= 2);
    m.dispose();
  });

  it('checkTree catches broken trees (the invariant test can fail)', () => {
    const m = model(9);
    const r = beamSearch(transformerStepModel(m, [[3, 4, 5]]), { beamSize: 3, maxTokens: 8 });
    const broken = (edit: (t: SearchTree) => void) => {
      const t = structuredClone(r.tree);
      edit(t);
      return checkTree(t, EOS);
    };
    assert.ok(broken((t) => (t.nodes[2].cumulative += 0.5)).length > 0);
    const pruned = r.tree.nodes.find((n) => n.status === 'kept' && n.depth === 1);
    assert.ok(pruned);
    assert.ok(broken((t) => (t.nodes[pruned.id].status = 'pruned')).length > 0);
    assert.ok(broken((t) => (t.nodes[3].parent = 5)).length > 0);
    const fin = r.tree.nodes.find((n) => n.token !== EOS && n.depth > 0);
    assert.ok(fin);
    assert.ok(broken((t) => (t.nodes[fin.id].status = 'finished')).length > 0);
    m.dispose();
  });

  const bad: { name: string; args: Parameters<typeof beamSearch>[1]; message: RegExp }[] = [
    { name: 'beam size 0', args: { beamSize: 0 }, message: /beam size/ },
    { name: 'n-best above the beam', args: { beamSize: 2, nBest: 3 }, message: /n-best/ },
    { name: 'negative alpha', args: { alpha: -1 }, message: /alpha/ },
    { name: 'EOS in the prefix', args: { prefix: [4, EOS] }, message: /prefix/ },
    { name: 'prefix as long as the limit', args: { prefix: [4, 4, 4], maxTokens: 3 }, message: /prefix/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      const m = model(10);
      assert.throws(() => beamSearch(transformerStepModel(m, [[3]]), c.args), c.message);
      m.dispose();
    });
  }
});
