/**
 * Layer normalisation over the last axis as two wasm kernels (forward, and its gradient) on the
 * SIMD module of simdLayerNorm.ts, instead of the ~9 forward and ~35 backward kernels that
 * tf.moments and the elementwise ops cost (0.35 ms of CPU per [32, 16, 64] normalisation, forward
 * and backward, on issue 10's case A, much of it per-kernel overhead).
 *
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, mean and (biased) variance over the last axis.
 * The gradient is the exact one of that formula (what autodiff of the ops gives, up to float32
 * rounding): with xhat = (x - mean) * rstd and g = dy * gamma,
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), dgamma = sum(dy * xhat), dbeta = sum(dy).
 *
 * Registered for 'wasm' only; `fusedLayerNorm` returns undefined elsewhere (and with the fast
 * kernels switched off, without WebAssembly SIMD, or for a last axis not a multiple of 4), so
 * callers keep their tfjs-op version and tfjs-node(-gpu) is unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fastWasmKernelsEnabled } from './replaceKernel';
import { createSimdLayerNorm, type SimdLayerNorm } from './simdLayerNorm';

/** inputs {x, gamma, beta}, attrs {epsilon} -> [y, mean [rows], rstd [rows]]. */
export const LAYER_NORM = 'AttentionDebuggerLayerNorm';
/** inputs {dy, x, gamma, mean, rstd} -> [dx, dgamma, dbeta]. */
export const LAYER_NORM_GRAD = 'AttentionDebuggerLayerNormGrad';

type Info = tf.TensorInfo;

function dims(kernel: string, x: Info, gamma: Info): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1] ?? 1;
  if (x.dtype !== 'float32' || gamma.dtype !== 'float32') throw new Error(`${kernel}: expected float32, got ${x.dtype} and ${gamma.dtype}`);
  if (gamma.shape.length !== 1 || gamma.shape[0] !== d) throw new Error(`${kernel}: gamma [${gamma.shape}] does not match the last axis of [${x.shape}]`);
  if (d % 4 !== 0) throw new Error(`${kernel}: the last axis (${d}) must be a multiple of 4`);
  return { rows: tf.util.sizeFromShape(x.shape) / d, d };
}

let simd: SimdLayerNorm | undefined | null = null;
/** The SIMD module, compiled on first use; undefined where WebAssembly SIMD is missing. */
function simdLayerNorm(): SimdLayerNorm | undefined {
  if (simd === null) simd = createSimdLayerNorm();
  return simd;
}

function simdOrThrow(kernel: string): SimdLayerNorm {
  const m = simdLayerNorm();
  if (!m) throw new Error(`${kernel}: WebAssembly SIMD is not available`);
  return m;
}

const layerNormKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as BackendWasm;
  const { x, gamma, beta } = inputs as unknown as Record<'x' | 'gamma' | 'beta', Info>;
  const { epsilon } = attrs as unknown as { epsilon: number };
  const { rows, d } = dims(LAYER_NORM, x, gamma);
  const outY = b.makeOutput(x.shape, 'float32');
  const outMean = b.makeOutput([rows], 'float32');
  const outRstd = b.makeOutput([rows], 'float32');
  // Views after every allocation: a heap growth detaches older ones.
  const view = (t: Info) => b.typedArrayFromHeap(t) as Float32Array;
  simdOrThrow(LAYER_NORM).forward(view(x), view(gamma), view(beta), epsilon, view(outY), view(outMean), view(outRstd), rows, d);
  return [outY, outMean, outRstd];
};

const layerNormGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as BackendWasm;
  const { dy, x, gamma, mean, rstd } = inputs as unknown as Record<'dy' | 'x' | 'gamma' | 'mean' | 'rstd', Info>;
  const { rows, d } = dims(LAYER_NORM_GRAD, x, gamma);
  const outDx = b.makeOutput(x.shape, 'float32');
  const outDg = b.makeOutput([d], 'float32');
  const outDb = b.makeOutput([d], 'float32');
  const view = (t: Info) => b.typedArrayFromHeap(t) as Float32Array;
  simdOrThrow(LAYER_NORM_GRAD).backward(view(dy), view(x), view(gamma), view(mean), view(rstd), view(outDx), view(outDg), view(outDb), rows, d);
  return [outDx, outDg, outDb];
};

export function registerLayerNormKernels(): void {
  if (!tf.getKernel(LAYER_NORM, 'wasm')) tf.registerKernel({ kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: layerNormKernel });
  if (!tf.getKernel(LAYER_NORM_GRAD, 'wasm')) tf.registerKernel({ kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: layerNormGradKernel });
}

/**
 * Layer norm of x [..., d] with gamma, beta [d] on the fused kernels (differentiable), or undefined
 * where they do not apply (another backend, fast kernels off, non-float32 or other shapes): the
 * caller then uses its tfjs ops.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor | undefined {
  const d = x.shape[x.rank - 1];
  const applies =
    fastWasmKernelsEnabled() &&
    !!tf.getKernel(LAYER_NORM, tf.getBackend()) &&
    x.dtype === 'float32' &&
    gamma.dtype === 'float32' &&
    beta.dtype === 'float32' &&
    x.rank >= 1 &&
    x.size > 0 &&
    d % 4 === 0 &&
    !!simdLayerNorm() &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === d &&
    beta.shape[0] === d;
  if (!applies) return undefined;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gIn, bIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, { x: xIn, gamma: gIn, beta: bIn }, { epsilon }) as tf.Tensor[];
    save([xIn, gIn, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xs, gs, ms, rs] = saved;
        return tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, x: xs, gamma: gs, mean: ms, rstd: rs }) as tf.Tensor[];
      },
    };
  });
  return f(x, gamma, beta);
}
