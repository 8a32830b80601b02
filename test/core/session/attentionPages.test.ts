import * as assert from 'node:assert/strict';
import { attentionRow, layerPage, thumbnails, topKeys, topQueries, type StoredMap } from '../../../core/session/attentionPages';

/** A [2 layers, 2 heads, 3 queries, 4 keys] map whose values encode their indices. */
function indexedMap(): StoredMap {
  const shape: [number, number, number, number] = [2, 2, 3, 4];
  const data = new Float32Array(2 * 2 * 3 * 4);
  for (let l = 0; l < 2; l++) for (let h = 0; h < 2; h++) for (let q = 0; q < 3; q++) for (let k = 0; k < 4; k++) data[((l * 2 + h) * 3 + q) * 4 + k] = l * 1000 + h * 100 + q * 10 + k;
  return { shape, data, queryLabels: ['p', 'q', 'r'], keyLabels: ['w', 'x', 'y', 'z'] };
}

describe('attention pages', () => {
  it('slices one layer as [heads, queries, keys]', () => {
    const page = layerPage(indexedMap(), 1);
    assert.deepEqual(page.shape, [2, 3, 4]);
    assert.equal(page.data[0], 1000);
    assert.equal(page.data[2 * 3 * 4 - 1], 1123);
    assert.throws(() => layerPage(indexedMap(), 2), /layer 2 does not exist; this map has 2 layers/);
  });

  it('block-averages thumbnails and leaves small maps exact', () => {
    const exact = thumbnails(indexedMap(), 8);
    assert.deepEqual(exact.shape, [2, 2, 3, 4]);
    assert.deepEqual(Array.from(exact.data), Array.from(indexedMap().data));
    const small = thumbnails(indexedMap(), 2);
    assert.deepEqual(small.shape, [2, 2, 2, 2]);
    // Layer 0 head 0: query block {0} (q*2/3 floors: 0->0, 1->0, 2->1), key blocks {0,1} and {2,3}.
    // Block (0,0) averages q in {0,1}, k in {0,1}: (0+1+10+11)/4.
    assert.equal(small.data[0], (0 + 1 + 10 + 11) / 4);
    assert.equal(small.data[3], (22 + 23) / 2);
  });

  it('keeps rows summing to 1 in thumbnails of a row-stochastic map', () => {
    const K = 10;
    const data = new Float32Array(1 * 1 * 7 * K);
    for (let q = 0; q < 7; q++) for (let k = 0; k < K; k++) data[q * K + k] = (k + q + 1) / (K * (q + 1) + (K * (K - 1)) / 2);
    const t = thumbnails({ shape: [1, 1, 7, K], data, queryLabels: [], keyLabels: [] }, 5);
    const [, , tq, tk] = t.shape;
    for (let r = 0; r < tq; r++) {
      let sum = 0;
      for (let k = 0; k < tk; k++) sum += t.data[r * tk + k];
      assert.ok(Math.abs(sum * (K / tk) - 1) < 1e-5, `row ${r} sums to ${sum * (K / tk)}`);
    }
  });

  it('reads a row for one head, the mean and the max over heads', () => {
    const m = indexedMap();
    assert.deepEqual(Array.from(attentionRow(m, 1, 0, 2)), [1020, 1021, 1022, 1023]);
    assert.deepEqual(Array.from(attentionRow(m, 1, 'max', 2)), [1120, 1121, 1122, 1123]);
    assert.deepEqual(Array.from(attentionRow(m, 1, 'mean', 2)), [1070, 1071, 1072, 1073]);
    assert.throws(() => attentionRow(m, 0, 2, 0), /head 2 does not exist/);
    assert.throws(() => attentionRow(m, 0, 0, 3), /query 3 does not exist/);
  });

  it('lists the queries that weight one key most (its column), heaviest first', () => {
    assert.deepEqual(topQueries(indexedMap(), 1, 0, 3, 2), [
      { query: 2, label: 'r', weight: 1023 },
      { query: 1, label: 'q', weight: 1013 },
    ]);
    assert.deepEqual(topQueries(indexedMap(), 0, 'max', 1, 1), [{ query: 2, label: 'r', weight: 121 }]);
    assert.throws(() => topQueries(indexedMap(), 0, 0, 4, 1), /key 4 does not exist; this map has 4 keys/);
  });

  it('lists the top keys with labels, heaviest first', () => {
    assert.deepEqual(topKeys(indexedMap(), 0, 1, 0, 2), [
      { key: 3, label: 'z', weight: 103 },
      { key: 2, label: 'y', weight: 102 },
    ]);
  });
});
