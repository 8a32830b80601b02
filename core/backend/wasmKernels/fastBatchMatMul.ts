/**
 * A faster BatchMatMul for the wasm backend, registered in place of the stock one.
 *
 * The stock wasm kernel hands a product to XNNPACK only when it is 2-D (batch 1 on both sides) and
 * has no transpose flag; everything else (the transposed products of every matMul gradient, batched
 * products with a shared right-hand side) runs a naive loop that is 5-25x slower. This kernel lays
 * the operands out so that the stock kernel's XNNPACK path applies whenever that is possible:
 *
 *  - a transpose flag becomes an explicit transpose (the wasm Transpose kernel, O(size)) first;
 *  - a right-hand side shared by every batch ([batch, M, K] x [K, N]) is one [batch*M, K] x [K, N]
 *    product;
 *  - a left-hand side shared by every batch ([M, K] x [batch, K, N]) is one [batch*N, K] x [K, M]
 *    product on the transposed operands, transposed back;
 *  - a truly batched product with slices up to 64x64x64 (attention heads) runs on the WebAssembly
 *    SIMD module of simdBatchedProduct.ts (3-7x the stock loop, measured here); larger slices are
 *    one XNNPACK product each; without WebAssembly SIMD, small ones stay on the stock loop, which
 *    is then faster than per-slice calls.
 *
 * The arithmetic is the same sum of products in the same precision (float32), so results match the
 * cpu backend's BatchMatMul within float32 rounding (the tests check 1e-5 relative). Broadcasting
 * follows the stock kernels: batch i uses a's batch i % batchA and b's batch i % batchB.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './replaceKernel';
import { createSimdBatchedProduct, type SimdBatchedProduct } from './simdBatchedProduct';

type Info = tf.TensorInfo;

/** Slices of at least this many multiply-adds go to XNNPACK one by one (measured, CPU time, 128
 * slices: 32x32x32 1.5-2.3 ms against 2.8 ms on the stock loop; 16x16x16 0.51-0.56 ms against
 * 0.38 ms, as the per-call overhead of about 12 µs dominates). */
export const PER_SLICE_MIN_MACS = 32 * 32 * 32;

/** Batched slices below this many multiply-adds go to the SIMD module
 * (measured faster than per-slice XNNPACK up to there: 4 slices of 64x64x32, 53-62 µs of CPU against
 * 66-108 µs; 8 of 64x64x64 about even, 190-250 against 210, hence the limit). */
export const SIMD_MAX_MACS = 64 * 64 * 64 + 1;

let simd: SimdBatchedProduct | undefined | null = null;
/** The SIMD module, compiled on first use; undefined where WebAssembly SIMD is missing. */
function simdProduct(): SimdBatchedProduct | undefined {
  if (simd === null) simd = createSimdBatchedProduct();
  return simd;
}

function view(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** [batch, rows, cols] -> a new [batch, cols, rows], blocked for the cache (faster here than the
 * stock wasm Transpose kernel for every size measured). */
export function transposeLast2(backend: BackendWasm, x: Info, batch: number, rows: number, cols: number): Info {
  const out = backend.makeOutput([batch, cols, rows], 'float32');
  // Views after the allocation: a heap growth detaches older ones.
  const src = backend.typedArrayFromHeap(view(x, [batch, rows, cols])) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const size = rows * cols;
  // Blocks of 32x32, written contiguously (measured: 5x faster than reading contiguously, and
  // 0.16 ms for [1024, 128] against 1.0 ms for the stock wasm Transpose).
  const BS = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * size;
    for (let j0 = 0; j0 < cols; j0 += BS) {
      const j1 = Math.min(cols, j0 + BS);
      for (let i0 = 0; i0 < rows; i0 += BS) {
        const i1 = Math.min(rows, i0 + BS);
        for (let j = j0; j < j1; j++) {
          const d = base + j * rows;
          let s = base + i0 * cols + j;
          for (let i = i0; i < i1; i++, s += cols) dst[d + i] = src[s];
        }
      }
    }
  }
  return out;
}

export function makeFastBatchMatMul(stock: tf.KernelConfig): tf.KernelFunc {
  const stockFunc = stock.kernelFunc;
  /** a [1, m, k] x b [1, k, n] with no flags: the stock kernel's XNNPACK path. */
  const product2d = (backend: BackendWasm, a: Info, b: Info, m: number, k: number, n: number): Info =>
    stockFunc({
      inputs: { a: view(a, [1, m, k]), b: view(b, [1, k, n]) },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as Info;

  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as BackendWasm;
    const { a, b } = inputs as unknown as { a: Info; b: Info };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stockFunc(args);
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    if (aRank < 2 || bRank < 2) return stockFunc(args);
    let batchA = 1;
    for (let i = 0; i < aRank - 2; i++) batchA *= a.shape[i];
    let batchB = 1;
    for (let i = 0; i < bRank - 2; i++) batchB *= b.shape[i];
    // The stock kernel is already on XNNPACK here (the common inference case: leave at once).
    if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return stockFunc(args);
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    if (k !== kb || m * n * k === 0) return stockFunc(args); // its error message, or nothing to do
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    const batch = Math.max(batchA, batchB);
    // Batches broadcast against each other ([4, 1] x [1, 4] makes 16 products): the stock kernel.
    if (tf.util.sizeFromShape(outShape.slice(0, -2)) !== batch) return stockFunc(args);
    if (batchA > 1 && batchB > 1) {
      // Small batched slices (attention heads): SIMD, else the stock loop (it beats per-slice calls).
      const simd = m * n * k < SIMD_MAX_MACS && batchA === batchB ? simdProduct() : undefined;
      if (simd) {
        const out = backend.makeOutput(outShape, 'float32');
        const heap = (x: Info) => backend.typedArrayFromHeap(x) as Float32Array; // after the allocation
        simd.run(heap(a), heap(b), heap(out), batch, m, k, n, transposeA, transposeB);
        return out;
      }
      if (m * n * k < PER_SLICE_MIN_MACS) return stockFunc(args);
    }

    const temps: Info[] = [];
    const keep = (x: Info): Info => (temps.push(x), x);
    const t2 = (x: Info, bt: number, rows: number, cols: number): Info => keep(transposeLast2(backend, x, bt, rows, cols));
    try {
      let out: Info;
      if (batchB === 1) {
        // Either C = A B as one [batchA*M, K] x [K, N] product, or C^T = B^T A^T as one
        // [N, K] x [K, batchA*M] product transposed back: whichever moves fewer floats.
        const rowsA = batchA * m;
        const direct = (transposeA ? rowsA * k : 0) + (transposeB ? n * k : 0);
        const viaT = !transposeA || batchA === 1 ? (transposeB ? 0 : n * k) + (transposeA ? 0 : rowsA * k) + rowsA * n : Infinity;
        if (direct <= viaT) {
          const a2 = transposeA ? t2(a, batchA, k, m) : a;
          const b2 = transposeB ? t2(b, 1, n, k) : b;
          out = product2d(backend, a2, b2, rowsA, k, n);
        } else {
          const bT = transposeB ? b : t2(b, 1, k, n); // [N, K]
          const aT = transposeA ? a : t2(a, 1, rowsA, k); // [K, batchA*M]
          const outT = keep(product2d(backend, bT, aT, n, k, rowsA)); // [N, batchA*M]
          out = transposeLast2(backend, outT, 1, n, rowsA);
        }
      } else if (batchA === 1) {
        // [M, K] x [batchB, K, N]: out[i]^T = b[i]^T a^T, stacked as [batchB*N, K] x [K, M].
        const bT = transposeB ? b : t2(b, batchB, k, n); // [batchB, N, K]
        const aT = transposeA ? a : t2(a, 1, m, k); // [K, M]
        const outT = keep(product2d(backend, bT, aT, batchB * n, k, m)); // [batchB, N, M]
        out = transposeLast2(backend, outT, batchB, n, m);
      } else {
        const a3 = transposeA ? t2(a, batchA, k, m) : a; // [batchA, M, K]
        const b3 = transposeB ? t2(b, batchB, n, k) : b; // [batchB, K, N]
        out = perSlice(backend, a3, b3, { batchA, batchB, batch, m, k, n }, product2d);
      }
      out.shape = outShape;
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };

  return kernelFunc;
}

interface Dims {
  batchA: number;
  batchB: number;
  batch: number;
  m: number;
  k: number;
  n: number;
}

/** One XNNPACK product per batch slice of a3 [batchA, M, K] x b3 [batchB, K, N], each on fresh
 * tensors (XNNPACK caches its packed right-hand side per tensor id, so an id is never reused with
 * other contents). */
function perSlice(
  backend: BackendWasm,
  a3: Info,
  b3: Info,
  d: Dims,
  product2d: (backend: BackendWasm, a: Info, b: Info, m: number, k: number, n: number) => Info,
): Info {
  const { batchA, batchB, batch, m, k, n } = d;
  const out = backend.makeOutput([batch, m, n], 'float32');
  const aSize = m * k;
  const bSize = k * n;
  const oSize = m * n;
  for (let i = 0; i < batch; i++) {
    const as = backend.makeOutput([m, k], 'float32');
    const bs = backend.makeOutput([k, n], 'float32');
    // Views are taken after every allocation: a heap growth detaches older ones.
    const ai = (i % batchA) * aSize;
    const bi = (i % batchB) * bSize;
    (backend.typedArrayFromHeap(as) as Float32Array).set((backend.typedArrayFromHeap(a3) as Float32Array).subarray(ai, ai + aSize));
    (backend.typedArrayFromHeap(bs) as Float32Array).set((backend.typedArrayFromHeap(b3) as Float32Array).subarray(bi, bi + bSize));
    const r = product2d(backend, as, bs, m, k, n);
    (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(r) as Float32Array, i * oSize);
    backend.disposeData(as.dataId);
    backend.disposeData(bs.dataId);
    backend.disposeData(r.dataId);
  }
  return out;
}

/** Replaces the wasm backend's BatchMatMul with the fast one; safe to call more than once. */
export function registerFastBatchMatMul(): void {
  replaceWasmKernel(tf.BatchMatMul, makeFastBatchMatMul);
}
