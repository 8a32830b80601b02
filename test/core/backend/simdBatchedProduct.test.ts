/**
 * The SIMD module for small batched products, on its own: every transpose combination and column
 * count (16-column blocks, 4-column blocks, single last columns) against a float64 loop written
 * out here.
 */
import * as assert from 'node:assert/strict';
import { createSimdBatchedProduct } from '../../../core/backend/wasmKernels/simdBatchedProduct';
import { Rng } from '../../../core/util/rng';

function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) {
          const x = ta ? a[s * m * k + q * m + i] : a[s * m * k + i * k + q];
          const y = tb ? b[s * k * n + j * k + q] : b[s * k * n + q * n + j];
          acc += x * y;
        }
        out[s * m * n + i * n + j] = acc;
      }
    }
  }
  return out;
}

describe('SIMD batched product module', () => {
  const simd = createSimdBatchedProduct();

  it('compiles here (Node has WebAssembly SIMD)', () => {
    assert.ok(simd, 'WebAssembly SIMD missing: the fast BatchMatMul would fall back to the stock loop');
  });

  // The 16-column block once never ran (its constant 64 was written as unsigned LEB128, which
  // WebAssembly reads as -64), and the 4-column block silently did its work. A module with the
  // 16-column block alone leaves every column it does not compute at its fresh memory's zeros, so
  // this fails unless that block runs; it sums over k in the same order as the 4-column block, so
  // the two agree exactly.
  for (const [batch, m, k, n] of [[3, 5, 7, 16], [2, 4, 64, 64], [2, 3, 9, 48]]) {
    it(`the 16-column block runs on its own and equals the 4-column path exactly: ${batch} x [${m}x${k}] x [${k}x${n}]`, () => {
      const only16 = createSimdBatchedProduct({ columnBlocks: [4] });
      const only4 = createSimdBatchedProduct({ columnBlocks: [1] });
      assert.ok(only16 && only4);
      const r = new Rng(9);
      const a = Float32Array.from({ length: batch * m * k }, () => r.uniform(-1, 1));
      const b = Float32Array.from({ length: batch * k * n }, () => r.uniform(-1, 1));
      const got16 = new Float32Array(batch * m * n).fill(NaN);
      only16.run(a, b, got16, batch, m, k, n, false, false);
      const got4 = new Float32Array(batch * m * n);
      only4.run(a, b, got4, batch, m, k, n, false, false);
      const want = reference(a, b, batch, m, k, n, false, false);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got16[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `16-column block, element ${i}: ${got16[i]} vs ${want[i]}`);
        assert.equal(got16[i], got4[i], `16- vs 4-column block, element ${i}`);
      }
    });
  }

  const rng = new Rng(5);
  for (const [batch, m, k, n] of [[1, 1, 1, 4], [3, 5, 7, 4], [128, 16, 16, 16], [2, 3, 5, 20], [4, 33, 9, 36], [2, 64, 32, 64], [1, 3, 4, 1], [2, 5, 7, 3], [2, 4, 9, 18], [3, 65, 16, 65]]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`${batch} x [${m}x${k}] x [${k}x${n}], transposeA ${ta}, transposeB ${tb}, equals the loop within 1e-5`, () => {
          assert.ok(simd);
          const a = Float32Array.from({ length: batch * m * k }, () => rng.uniform(-1, 1));
          const b = Float32Array.from({ length: batch * k * n }, () => rng.uniform(-1, 1));
          const out = new Float32Array(batch * m * n).fill(NaN);
          simd.run(a, b, out, batch, m, k, n, ta, tb);
          const want = reference(a, b, batch, m, k, n, ta, tb);
          for (let i = 0; i < want.length; i++) assert.ok(Math.abs(out[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `element ${i}: ${out[i]} vs ${want[i]}`);
        });
      }
    }
  }
});
