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
 *  - a truly batched product with large slices is one XNNPACK product per slice; with small slices
 *    (attention heads) it stays on the stock loop, which is then faster than per-slice calls.
 *
 * The arithmetic is the same sum of products in the same precision (float32), so results match the
 * cpu backend's BatchMatMul within float32 rounding (the tests check 1e-5 relative). Broadcasting
 * follows the stock kernels: batch i uses a's batch i % batchA and b's batch i % batchB.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;

/** Slices of at least this many multiply-adds go to XNNPACK one by one (measured: below it, the
 * per-call overhead of about 20-40 µs loses to the stock loop). */
export const PER_SLICE_MIN_MACS = 48 * 48 * 48;

/** Marks our config so that registering twice is a no-op. */
export const FAST_BATCH_MATMUL = Symbol.for('attentionDebugger.fastBatchMatMul');

let enabled = true;

/** Turns the fast paths off (every product goes to the stock kernel) or back on: for before/after
 * benchmarks in one process, and as a switch should a problem turn up. */
export function setFastBatchMatMulEnabled(on: boolean): void {
  enabled = on;
}

function view(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

export function makeFastBatchMatMulConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const stockFunc = stock.kernelFunc;
  let transposeKernel: tf.KernelFunc | undefined;

  const transpose = (backend: BackendWasm, x: Info, perm: number[]): Info => {
    transposeKernel ??= tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc;
    return transposeKernel({ inputs: { x }, backend, attrs: { perm } }) as Info;
  };
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
    if (!enabled || a.dtype !== 'float32' || b.dtype !== 'float32') return stockFunc(args);
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    if (aRank < 2 || bRank < 2) return stockFunc(args);
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    if (k !== kb) return stockFunc(args); // its error message
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    const batch = Math.max(batchA, batchB);
    if (m * n * k * batch === 0) return stockFunc(args);
    // The stock kernel is already on XNNPACK here.
    if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return stockFunc(args);

    const temps: Info[] = [];
    const keep = (x: Info): Info => (temps.push(x), x);
    try {
      let out: Info;
      if (batchB === 1) {
        // [batchA, M, K] x [K, N] = one [batchA*M, K] x [K, N] product.
        const a2 = transposeA ? keep(transpose(backend, view(a, [batchA, k, m]), [0, 2, 1])) : a;
        const b2 = transposeB ? keep(transpose(backend, view(b, [n, k]), [1, 0])) : b;
        out = product2d(backend, a2, b2, batchA * m, k, n);
      } else if (batchA === 1) {
        // [M, K] x [batchB, K, N]: out[i]^T = b[i]^T a^T, stacked as [batchB*N, K] x [K, M].
        const bT = transposeB ? b : keep(transpose(backend, view(b, [batchB, k, n]), [0, 2, 1]));
        const aT = transposeA ? a : keep(transpose(backend, view(a, [m, k]), [1, 0]));
        const outT = keep(product2d(backend, bT, aT, batchB * n, k, m)); // [batchB, N, M]
        out = transpose(backend, view(outT, [batchB, n, m]), [0, 2, 1]);
      } else if (m * n * k >= PER_SLICE_MIN_MACS) {
        out = perSlice(backend, a, b, { transposeA, transposeB, batchA, batchB, batch, m, k, n }, transpose, product2d, keep);
      } else {
        return stockFunc(args);
      }
      out.shape = outShape;
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };

  const config: tf.KernelConfig & { [FAST_BATCH_MATMUL]?: true } = {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc,
  };
  config[FAST_BATCH_MATMUL] = true;
  return config;
}

interface Dims {
  transposeA: boolean;
  transposeB: boolean;
  batchA: number;
  batchB: number;
  batch: number;
  m: number;
  k: number;
  n: number;
}

/** One XNNPACK product per batch slice, each on fresh tensors (XNNPACK caches its packed
 * right-hand side per tensor id, so an id is never reused with other contents). */
function perSlice(
  backend: BackendWasm,
  a: Info,
  b: Info,
  d: Dims,
  transpose: (backend: BackendWasm, x: Info, perm: number[]) => Info,
  product2d: (backend: BackendWasm, a: Info, b: Info, m: number, k: number, n: number) => Info,
  keep: (x: Info) => Info,
): Info {
  const { batchA, batchB, batch, m, k, n } = d;
  const a3 = d.transposeA ? keep(transpose(backend, view(a, [batchA, k, m]), [0, 2, 1])) : a; // [batchA, M, K]
  const b3 = d.transposeB ? keep(transpose(backend, view(b, [batchB, n, k]), [0, 2, 1])) : b; // [batchB, K, N]
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
  const current = tf.getKernel(tf.BatchMatMul, 'wasm') as (tf.KernelConfig & { [FAST_BATCH_MATMUL]?: true }) | undefined;
  if (!current || current[FAST_BATCH_MATMUL]) return;
  const fast = makeFastBatchMatMulConfig(current);
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(fast);
}
