/**
 * Transpose for the wasm backend. Once size-1 axes are dropped and axes that stay neighbours are
 * merged:
 *  - a swap of two groups with nothing after them (every 2-D transpose, [0, 2, 1], [2, 3, 0, 1])
 *    runs in cache-sized tiles: [1024, 128] 0.15 ms against the stock kernel's 0.82 ms;
 *  - any permutation of rank 5 or more walks the output with an odometer: the stock kernel's
 *    generic path took 19-20 ms for ViT's [32, 65, 3, 4, 16] -> [3, 32, 4, 65, 16] (its q, k, v
 *    split, 8 per training step) against 0.6-0.9 ms here;
 *  - everything else (rank 4 or less, where the stock kernel has fast paths; small tensors; other
 *    dtypes) goes to the stock kernel.
 * A pure copy: results are identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transposeLast2 } from './fastBatchMatMul';
import { replaceWasmKernel } from './replaceKernel';

/** `perm` of `shape` with size-1 axes dropped and output neighbours that are input neighbours
 * merged: the merged sizes in input order, and q (q[j]: the input group of output group j). */
export function reducePermutation(shape: readonly number[], perm: readonly number[]): { sizes: number[]; q: number[] } {
  const groups: number[][] = [];
  for (const axis of perm.filter((a) => shape[a] !== 1)) {
    const last = groups[groups.length - 1];
    if (last && nextKept(shape, last[last.length - 1]) === axis) last.push(axis);
    else groups.push([axis]);
  }
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  return { sizes: byInput.map((g) => g.reduce((n, axis) => n * shape[axis], 1)), q: groups.map((g) => byInput.indexOf(g)) };
}

/** [outer, a, b] when the reduced permutation swaps two groups with nothing after them. */
export function swapGroups(sizes: readonly number[], q: readonly number[]): [number, number, number] | undefined {
  const key = q.join();
  if (key === '1,0') return [1, sizes[0], sizes[1]];
  if (key === '0,2,1') return [sizes[0], sizes[1], sizes[2]];
  return undefined;
}

/** Any permutation, into dst: an odometer over the output's axes, the innermost run copied in a loop. */
function transposeAny(src: Float32Array, dst: Float32Array, sizes: readonly number[], q: readonly number[]): void {
  const r = q.length;
  const inStride = new Array<number>(r);
  for (let i = r - 1, st = 1; i >= 0; i--) {
    inStride[i] = st;
    st *= sizes[i];
  }
  const dims = q.map((g) => sizes[g]);
  const steps = q.map((g) => inStride[g]);
  const innerSize = dims[r - 1];
  const innerStep = steps[r - 1];
  const index = new Array<number>(r).fill(0);
  let from = 0;
  for (let to = 0; to < dst.length; to += innerSize) {
    for (let k = 0, f = from; k < innerSize; k++, f += innerStep) dst[to + k] = src[f];
    // Advance the odometer over the outer output axes.
    for (let j = r - 2; j >= 0; j--) {
      index[j]++;
      from += steps[j];
      if (index[j] < dims[j]) break;
      from -= steps[j] * dims[j];
      index[j] = 0;
    }
  }
}

/** The next axis after `axis` whose size is not 1. */
function nextKept(shape: readonly number[], axis: number): number {
  let next = axis + 1;
  while (next < shape.length && shape[next] === 1) next++;
  return next;
}

/** Below this many floats the stock kernel is as fast (measured: [64, 64] 6 µs against 10, a
 * 12k-float group swap 26 against 21, [128, 512] 187 against 88). */
const TILED_MIN = 8192;

export function makeFastTranspose(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    if (x.dtype !== 'float32') return stock.kernelFunc(args);
    const size = tf.util.sizeFromShape(x.shape);
    const outShape = perm.map((axis) => x.shape[axis]);
    const { sizes, q } = reducePermutation(x.shape, perm);
    const swap = swapGroups(sizes, q);
    if (swap && size >= TILED_MIN) {
      const out = transposeLast2(backend, x, ...swap);
      out.shape = outShape;
      return out;
    }
    // Up to rank 4 the stock kernel has its own fast paths (the heads split [B, T, H, dk] ->
    // [B, H, T, dk]: 18-37 µs, against 73-143 µs from JavaScript); beyond, it is slow.
    if (q.length <= 4 || size === 0) return stock.kernelFunc(args);
    const out = backend.makeOutput(outShape, 'float32');
    transposeAny(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, sizes, q); // views after the allocation
    return out;
  };
}

/** Replaces the wasm backend's Transpose; safe to call more than once. */
export function registerFastTranspose(): void {
  replaceWasmKernel(tf.Transpose, makeFastTranspose);
}
