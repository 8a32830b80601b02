import * as assert from 'node:assert/strict';
import { gateProduct } from '../../../../core/models/vggAttention/explain';
import { maxAbsDiff } from '../../engineBackend';

describe('VGG gate product', () => {
  it('multiplies each pool3 cell by the pool4 cell that covers it and renormalises', () => {
    // pool3 4x4 (uniform), pool4 2x2 = [[0.1, 0.2], [0.3, 0.4]]: each pool4 cell covers 2x2 pool3 cells.
    const fine = new Float32Array(16).fill(1 / 16);
    const coarse = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const out = gateProduct(fine, { rows: 4, cols: 4 }, coarse, { rows: 2, cols: 2 });
    const q = [0.1, 0.2, 0.3, 0.4].map((v) => v / 4);
    const expected = [q[0], q[0], q[1], q[1], q[0], q[0], q[1], q[1], q[2], q[2], q[3], q[3], q[2], q[2], q[3], q[3]];
    assert.ok(maxAbsDiff(out, expected) < 1e-7, `got ${Array.from(out)}`);
    assert.throws(() => gateProduct(fine, { rows: 4, cols: 4 }, new Float32Array(9), { rows: 3, cols: 3 }), /not a multiple of 3x3/);
  });
});
