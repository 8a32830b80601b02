/**
 * Sum for the wasm backend without the stock kernel's transpose: the stock kernel first moves the
 * reduced axes innermost with a full transpose (its Transpose is slow), which every bias gradient
 * (a sum over the batch and time axes) pays. Here the axes are grouped into [outer, reduced, inner]
 * (kept axes before and after one run of reduced axes, after merging neighbours) and summed in
 * place with a float64 accumulator, like the cpu backend. Anything else (reductions over the
 * innermost axes, which the stock kernel does without a transpose; two separate runs of reduced
 * axes; non-float32) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './replaceKernel';

/** [outer, reduced, inner] sizes, or undefined when the reduced axes are not one contiguous run
 * once size-1 axes are ignored. */
export function reductionGroups(shape: readonly number[], axes: readonly number[]): [number, number, number] | undefined {
  const reduced = new Set(axes);
  let outer = 1;
  let red = 1;
  let inner = 1;
  let phase = 0; // 0 before the reduced run, 1 in it, 2 after it
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === 1) continue;
    if (reduced.has(i)) {
      if (phase === 2) return undefined;
      phase = 1;
      red *= d;
    } else if (phase === 0) {
      outer *= d;
    } else {
      phase = 2;
      inner *= d;
    }
  }
  return [outer, red, inner];
}

export function makeFastSum(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (x.dtype !== 'float32') return stock.kernelFunc(args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const groups = reductionGroups(x.shape, axes);
    // Reductions over the innermost axes need no transpose: the stock kernel does those well.
    if (!groups || groups[2] === 1 || tf.util.sizeFromShape(x.shape) === 0) return stock.kernelFunc(args);
    const [outer, red, inner] = groups;
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const out = backend.makeOutput(keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      for (let r = 0; r < red; r++) {
        const base = (o * red + r) * inner;
        for (let i = 0; i < inner; i++) acc[i] += src[base + i];
      }
      dst.set(acc, o * inner);
    }
    return out;
  };
}

/** Replaces the wasm backend's Sum; safe to call more than once. */
export function registerFastSum(): void {
  replaceWasmKernel(tf.Sum, makeFastSum);
}
