/**
 * Elementwise float32 kernels computed through the wasm backend's stock Sigmoid, which is
 * vectorised (under 1 ns per float), where the stock kernel calls the C library one element at a
 * time (tanh, erf: 15 ns and more per float). A kernel maps x to the Sigmoid's input, and then x
 * with the Sigmoid's output to the result. Small tensors and other dtypes go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Below this many floats the stock kernel is as fast (the extra passes and calls cost more). */
const MIN_SIZE = 256;

export interface ViaSigmoid {
  /** Writes the Sigmoid's input for x into `into`. */
  toSigmoid(x: Float32Array, into: Float32Array, size: number): void;
  /** Writes the result into `y` from x and s = sigmoid(the input). */
  fromSigmoid(x: Float32Array, s: Float32Array, y: Float32Array, size: number): void;
}

export function kernelViaSigmoid(f: ViaSigmoid): (stock: tf.KernelConfig) => tf.KernelFunc {
  return (stock) => (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const sigmoid = tf.getKernel(tf.Sigmoid, 'wasm');
    const size = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || size < MIN_SIZE || !sigmoid) return stock.kernelFunc(args);
    // One buffer is the Sigmoid's input, then the result.
    const out = backend.makeOutput(x.shape, 'float32');
    const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    f.toSigmoid(view(x), view(out), size);
    const s = sigmoid.kernelFunc({ inputs: { x: out }, backend, attrs: {} }) as tf.TensorInfo;
    f.fromSigmoid(view(x), view(s), view(out), size); // views after every allocation: a heap growth detaches older ones
    backend.disposeData(s.dataId);
    return out;
  };
}
