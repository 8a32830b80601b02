/** What the tests of our wasm kernels share (beside ../engineBackend.ts): switching backends, and the check
 * that a kernel of ours replaces the stock wasm one and leaves other backends alone. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { REPLACED_BY_US, type MarkedKernelConfig } from '../../../core/backend/wasmKernels/replaceKernel';

/** Runs `fn` on backend `name`. */
export async function on<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  assert.ok(await tf.setBackend(name), `backend ${name} did not initialise`);
  return fn();
}

/** Our kernel stands for `kernel` on wasm; cpu keeps its own. */
export function assertReplacesWasmKernelOnly(kernel: string): void {
  assert.equal((tf.getKernel(kernel, 'wasm') as MarkedKernelConfig)[REPLACED_BY_US], true, kernel);
  assert.equal((tf.getKernel(kernel, 'cpu') as MarkedKernelConfig)[REPLACED_BY_US], undefined, kernel);
}
