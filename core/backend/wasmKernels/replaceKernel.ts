/** Replacing a stock wasm kernel with ours, keeping the stock one for the cases ours passes on. */
import * as tf from '@tensorflow/tfjs';

/** Marks our replacements so that registering twice is a no-op. */
export const REPLACED_BY_US = Symbol.for('attentionDebugger.replacedWasmKernel');

let enabled = true;

/** Turns every replacement off (each kernel goes to the stock one, and callers of the fused
 * optimizer kernels use tfjs ops) or back on: for before/after benchmarks in one process, and as a
 * switch should a problem turn up. */
export function setFastWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function fastWasmKernelsEnabled(): boolean {
  return enabled;
}

export type MarkedKernelConfig = tf.KernelConfig & { [REPLACED_BY_US]?: true };

/** Wraps the stock wasm kernel `kernelName` with `make(stock)` (which may call stock.kernelFunc). */
export function replaceWasmKernel(kernelName: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, 'wasm') as MarkedKernelConfig | undefined;
  if (!current || current[REPLACED_BY_US]) return;
  const stock = current;
  const fast = make(stock);
  const config: MarkedKernelConfig = {
    kernelName,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: (args) => (enabled ? fast(args) : stock.kernelFunc(args)),
  };
  config[REPLACED_BY_US] = true;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
}
