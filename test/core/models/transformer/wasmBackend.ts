/** Tests of the Transformer run on the engine's usual backend: wasm with our extra kernels. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from '../../../../core/backend/wasmKernels';

export async function useWasm(): Promise<void> {
  registerMissingWasmKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
