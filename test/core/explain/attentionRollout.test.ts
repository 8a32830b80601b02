/**
 * Rollout against values computed by hand (numpy, independently of this code) on a 2-layer,
 * 2-head, 3-token toy.
 */
import * as assert from 'node:assert/strict';
import { attentionRollout, attentionRolloutRow, clsPatchMap, discardWeakest, fuseHeads, gradientRollout, gradientRolloutRow } from '../../../core/explain/attentionRollout';
import { maxAbsDiff } from '../engineBackend';

// [L=2, H=2, T=3, T=3]; every row sums to 1.
const A = Float32Array.from([
  ...[0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 0.1, 0.3, 0.6],
  ...[0.3, 0.3, 0.4, 0.4, 0.4, 0.2, 0.5, 0.1, 0.4],
  ...[0.6, 0.2, 0.2, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4],
  ...[0.2, 0.4, 0.4, 0.3, 0.5, 0.2, 0.2, 0.2, 0.6],
]);
const G = Float32Array.from([
  ...[1, -1, 2, 0, 1, 0, 3, 0, -2],
  ...[0, 2, 1, 1, 1, 1, -1, 0, 1],
  ...[2, 0, 1, 1, -3, 1, 0, 1, 1],
  ...[1, 1, -1, 0, 2, 0, 1, 0, 0],
]);
const dims = { layers: 2, heads: 2, tokens: 3 };
const TOL = 1e-6;

describe('attention rollout', () => {
  const cases: { name: string; run: () => Float32Array; expected: number[] }[] = [
    {
      name: 'mean of heads',
      run: () => attentionRollout(A, dims, { headFusion: 'mean' }),
      expected: [0.535, 0.22375, 0.24125, 0.205, 0.52625, 0.26875, 0.21875, 0.1859375, 0.5953125],
    },
    {
      name: 'max of heads',
      run: () => attentionRollout(A, dims, { headFusion: 'max' }),
      expected: [0.5195707071, 0.2329545455, 0.2474747475, 0.2476689977, 0.4737762238, 0.2785547786, 0.2692837466, 0.208677686, 0.5220385675],
    },
    {
      name: 'min of heads',
      run: () => attentionRollout(A, dims, { headFusion: 'min' }),
      expected: [0.5633680556, 0.2092013889, 0.2274305556, 0.1478174603, 0.6299603175, 0.2222222222, 0.1412037037, 0.150462963, 0.7083333333],
    },
    {
      name: 'mean of heads, discard ratio 0.5',
      run: () => attentionRollout(A, dims, { headFusion: 'mean', discardRatio: 0.5 }),
      expected: [0.54, 0.22125, 0.23875, 0.2294117647, 0.506372549, 0.2642156863, 0.2428571429, 0.0196428571, 0.7375],
    },
    {
      name: 'gradient-weighted',
      run: () => gradientRollout(A, G, dims),
      expected: [0.5479166667, 0.2108333333, 0.24125, 0.1242877493, 0.6448717949, 0.2308404558, 0.1465517241, 0.0965517241, 0.7568965517],
    },
  ];
  for (const c of cases) {
    it(`equals the hand computation: ${c.name}`, () => {
      const got = c.run();
      assert.ok(maxAbsDiff(got, c.expected) < TOL, `got [${Array.from(got).map((v) => v.toFixed(6))}]`);
    });
  }

  it('the row-only rollout equals every row of the full one, for every fusion and discard ratio', () => {
    for (const headFusion of ['mean', 'max', 'min'] as const) {
      for (const discardRatio of [0, 0.5]) {
        const full = attentionRollout(A, dims, { headFusion, discardRatio });
        for (let row = 0; row < 3; row++) {
          assert.ok(maxAbsDiff(attentionRolloutRow(A, dims, { headFusion, discardRatio }, row), full.slice(row * 3, row * 3 + 3)) < 1e-6);
        }
      }
    }
    assert.ok(maxAbsDiff(gradientRolloutRow(A, G, dims), gradientRollout(A, G, dims).slice(0, 3)) < 1e-6);
  });

  it('rows of a rollout sum to 1', () => {
    const r = attentionRollout(A, dims, { discardRatio: 0.5 });
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(r[i * 3] + r[i * 3 + 1] + r[i * 3 + 2] - 1) < 1e-6);
  });

  it('the discard ratio never drops a [CLS] weight, however weak', () => {
    // [CLS]'s row and column hold the weakest weights; a 0.75 discard must leave them all.
    const m = Float32Array.from([0.001, 0.002, 0.003, 0.004, 0.5, 0.6, 0.005, 0.7, 0.8]);
    discardWeakest(m, 3, 0.75);
    assert.deepEqual(Array.from(m.slice(0, 4)), Array.from(Float32Array.from([0.001, 0.002, 0.003, 0.004])));
    assert.equal(m[6], Float32Array.of(0.005)[0]);
    assert.deepEqual(Array.from(m.slice(4, 6)).concat(Array.from(m.slice(7))), [0, 0, 0, Float32Array.of(0.8)[0]]);
  });

  it('the discard ratio drops exactly its share, ties in index order', () => {
    const m = new Float32Array(9).fill(0.5);
    discardWeakest(m, 3, 0.5); // 4 eligible entries (rows/cols 1-2), 2 dropped: the first two by index
    assert.deepEqual(Array.from(m), [0.5, 0.5, 0.5, 0.5, 0, 0, 0.5, 0.5, 0.5]);
  });

  it('fuses heads and reads the [CLS] row without [CLS]', () => {
    const fused = fuseHeads(A, dims, 0, 'mean');
    assert.ok(maxAbsDiff(fused, [0.4, 0.275, 0.325, 0.3, 0.5, 0.2, 0.3, 0.2, 0.5]) < TOL);
    assert.ok(maxAbsDiff(clsPatchMap(fused, 3), [0.275, 0.325]) < TOL);
  });

  it('rejects attention of the wrong size, naming the expected shape', () => {
    assert.throws(() => attentionRollout(A.slice(1), dims), /layers\*heads\*tokens\*tokens = 2\*2\*3\*3 = 36/);
    assert.throws(() => attentionRollout(A, dims, { discardRatio: 1 }), /discardRatio must be in \[0, 1\)/);
  });
});
