/**
 * Fused optimizer kernels for the wasm backend. Written as tfjs ops, one Adam update costs about 15
 * small kernels per weight and the global gradient norm two per weight: for a model of 88 weights
 * that is ~1,500 kernel calls per training step, each with the engine's fixed overhead (measured on
 * issue 10's case A: 12.7 ms of CPU time for Adam, 1.6 ms for the norm). Here each is one pass over
 * the wasm heap: Adam one kernel per weight, the norm one kernel for all gradients.
 *
 * They are custom kernels (names no tfjs op uses), registered for 'wasm' only: callers check
 * `fusedOptimizerKernels()` and keep their tfjs-op version for every other backend, so tfjs-node(-gpu)
 * is unchanged. The arithmetic is the tfjs ops' formula in the same order, with the moments rounded
 * to float32 where the ops store them, so results match within float32 rounding (tests compare).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fastWasmKernelsEnabled } from './replaceKernel';

/** inputs {variable, grad, m, v} (float32, one shape) -> [variable', m', v']. */
export const ADAM_UPDATE = 'AttentionDebuggerAdamUpdate';
/** inputs: the gradients as an array (like AddN) -> float32 scalar sqrt(sum of every square). */
export const GLOBAL_NORM = 'AttentionDebuggerGlobalNorm';

export interface AdamUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Bias corrections 1 - beta1^step and 1 - beta2^step. */
  c1: number;
  c2: number;
}

type Info = tf.TensorInfo;

function checkFloat32(kernel: string, named: Record<string, Info>, size: number): void {
  for (const [name, t] of Object.entries(named)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} is ${t.dtype}, expected float32`);
    if (tf.util.sizeFromShape(t.shape) !== size) throw new Error(`${kernel}: ${name} has shape [${t.shape}], expected ${size} values`);
  }
}

const adamUpdate: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as BackendWasm;
  const { variable, grad, m, v } = inputs as unknown as Record<'variable' | 'grad' | 'm' | 'v', Info>;
  const { lr, beta1, beta2, epsilon, c1, c2 } = attrs as unknown as AdamUpdateAttrs;
  const size = tf.util.sizeFromShape(variable.shape);
  checkFloat32(ADAM_UPDATE, { variable, grad, m, v }, size);
  const outP = b.makeOutput(variable.shape, 'float32');
  const outM = b.makeOutput(variable.shape, 'float32');
  const outV = b.makeOutput(variable.shape, 'float32');
  // Views after every allocation: a heap growth detaches older ones.
  const p = b.typedArrayFromHeap(variable) as Float32Array;
  const g = b.typedArrayFromHeap(grad) as Float32Array;
  const m0 = b.typedArrayFromHeap(m) as Float32Array;
  const v0 = b.typedArrayFromHeap(v) as Float32Array;
  const p1 = b.typedArrayFromHeap(outP) as Float32Array;
  const m1 = b.typedArrayFromHeap(outM) as Float32Array;
  const v1 = b.typedArrayFromHeap(outV) as Float32Array;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  // lr / c1 and 1 / c2 folded: one division and one square root per weight, in float64, so the
  // result stays within float32 rounding of the op-by-op formula.
  const stepScale = lr / c1;
  const vScale = 1 / c2;
  for (let i = 0; i < size; i++) {
    const gi = g[i];
    m1[i] = m0[i] * beta1 + gi * a1;
    v1[i] = v0[i] * beta2 + gi * gi * a2;
    // m1[i] and v1[i] read back: the float32 moments the op-by-op version computes with.
    p1[i] = p[i] - (m1[i] * stepScale) / (Math.sqrt(v1[i] * vScale) + epsilon);
  }
  return [outP, outM, outV];
};

const globalNorm: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as BackendWasm;
  const grads = Object.values(inputs as unknown as Record<string, Info>);
  for (const [i, g] of grads.entries()) checkFloat32(GLOBAL_NORM, { [`gradient ${i}`]: g }, tf.util.sizeFromShape(g.shape));
  const out = b.makeOutput([], 'float32');
  let sum = 0;
  for (const g of grads) {
    const x = b.typedArrayFromHeap(g) as Float32Array;
    for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  }
  (b.typedArrayFromHeap(out) as Float32Array)[0] = Math.sqrt(sum);
  return out;
};

export function registerOptimizerKernels(): void {
  if (!tf.getKernel(ADAM_UPDATE, 'wasm')) tf.registerKernel({ kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adamUpdate });
  if (!tf.getKernel(GLOBAL_NORM, 'wasm')) tf.registerKernel({ kernelName: GLOBAL_NORM, backendName: 'wasm', kernelFunc: globalNorm });
}

/** Whether the current backend has the fused kernels (wasm, with the fast kernels switched on). */
export function fusedOptimizerKernels(): boolean {
  const backend = tf.getBackend();
  return fastWasmKernelsEnabled() && !!tf.getKernel(ADAM_UPDATE, backend) && !!tf.getKernel(GLOBAL_NORM, backend);
}
