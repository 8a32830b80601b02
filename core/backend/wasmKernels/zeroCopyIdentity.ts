/**
 * Identity for the wasm backend that shares the input's buffer (as the cpu backend's does) instead
 * of copying it: tensors are immutable, and gradients and clones call Identity hundreds of times
 * per training step. Strings go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './replaceKernel';

export function makeZeroCopyIdentity(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stock.kernelFunc(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

export function registerZeroCopyIdentity(): void {
  replaceWasmKernel(tf.Identity, makeZeroCopyIdentity);
}
