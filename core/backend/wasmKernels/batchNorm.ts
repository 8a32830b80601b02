/**
 * Training-mode batch normalisation over every axis but the last (channels), optionally followed by
 * ReLU, as two wasm kernels (forward, and its exact gradient) in place of the ~10 forward and ~25
 * backward elementwise kernels that tf.moments, the broadcast ops and ReLU cost on [32, 64, 64, 4]
 * activations with [4] channel vectors (the VGG model's convolutions, 13 per training step).
 *
 * z = (x - mean) / sqrt(var + eps) * gamma + beta, out = relu(z) or z, with the batch mean and
 * (biased) variance per channel, summed in double. The gradient is the exact one of that formula
 * (what autodiff of the ops gives, up to float32 rounding), through the batch statistics: with
 * d = dout masked by out > 0 (ReLU's gradient, 0 at 0) or dout, xhat = (x - mean) * rstd and M the
 * number of rows,
 * dx = rstd * gamma * (d - sum(d) / M - xhat * sum(d * xhat) / M), dgamma = sum(d * xhat),
 * dbeta = sum(d).
 *
 * The ReLU and its mask are branch-free: the signs are random, and a branch per element that
 * mispredicts half the time cost 3-4x (measured on the [32, 64, 64, 4] output pass).
 *
 * Registered for 'wasm' only; `fusedBatchNorm` returns undefined elsewhere (and with the fast
 * kernels switched off, or for non-float32 input), so callers keep their tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fastWasmKernelsEnabled } from './replaceKernel';

/** inputs {x, gamma, beta}, attrs {epsilon, relu} -> [out, mean [C], variance [C]]. */
export const BATCH_NORM = 'AttentionDebuggerBatchNorm';
/** inputs {dy, x, out, gamma, mean, variance}, attrs {epsilon, relu} -> [dx, dgamma, dbeta]. */
export const BATCH_NORM_GRAD = 'AttentionDebuggerBatchNormGrad';

type Info = tf.TensorInfo;

interface Attrs {
  epsilon: number;
  relu: boolean;
}

function dims(kernel: string, x: Info, gamma: Info): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  if (x.dtype !== 'float32' || gamma.dtype !== 'float32') throw new Error(`${kernel}: expected float32, got ${x.dtype} and ${gamma.dtype}`);
  if (gamma.shape.length !== 1 || gamma.shape[0] !== channels) throw new Error(`${kernel}: gamma [${gamma.shape}] does not match the last axis of [${x.shape}]`);
  return { rows: tf.util.sizeFromShape(x.shape) / channels, channels };
}

/** Both kernels' outputs: one like x, two [C] vectors (forward: out, mean, variance; gradient:
 * dx, dgamma, dbeta), with `view` for Float32Array views taken after these allocations (a heap
 * growth detaches older ones). */
function kernelOutputs(kernel: string, b: BackendWasm, x: Info, gamma: Info) {
  const { rows, channels } = dims(kernel, x, gamma);
  const outputs = [b.makeOutput(x.shape, 'float32'), b.makeOutput([channels], 'float32'), b.makeOutput([channels], 'float32')];
  return { rows, C: channels, outputs, view: (t: Info) => b.typedArrayFromHeap(t) as Float32Array };
}

const batchNormKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as BackendWasm;
  const { x, gamma, beta } = inputs as unknown as Record<'x' | 'gamma' | 'beta', Info>;
  const { epsilon, relu } = attrs as unknown as Attrs;
  const { rows, C, outputs, view } = kernelOutputs(BATCH_NORM, b, x, gamma);
  const [xs, g, bt, y, m, v] = [x, gamma, beta, ...outputs].map(view);
  const size = rows * C;
  const sum = new Float64Array(C);
  for (let i = 0; i < size; i += C) for (let c = 0; c < C; c++) sum[c] += xs[i + c];
  const mean = sum.map((s) => s / rows);
  const sq = new Float64Array(C);
  for (let i = 0; i < size; i += C) {
    for (let c = 0; c < C; c++) {
      const d = xs[i + c] - mean[c];
      sq[c] += d * d;
    }
  }
  const scale = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const variance = sq[c] / rows;
    m[c] = mean[c];
    v[c] = variance;
    scale[c] = g[c] / Math.sqrt(variance + epsilon);
  }
  for (let i = 0; i < size; i += C) {
    for (let c = 0; c < C; c++) {
      const z = (xs[i + c] - mean[c]) * scale[c] + bt[c];
      y[i + c] = relu ? (z + Math.abs(z)) * 0.5 : z; // branch-free ReLU (z or 0, exactly)
    }
  }
  return outputs;
};

const batchNormGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as BackendWasm;
  const { dy, x, out, gamma, mean, variance } = inputs as unknown as Record<'dy' | 'x' | 'out' | 'gamma' | 'mean' | 'variance', Info>;
  const { epsilon, relu } = attrs as unknown as Attrs;
  const { rows, C, outputs, view } = kernelOutputs(BATCH_NORM_GRAD, b, x, gamma);
  const [g, xs, y, gm, m, v, dx, dg, db] = [dy, x, out, gamma, mean, variance, ...outputs].map(view);
  const size = rows * C;
  const rstd = new Float64Array(C);
  for (let c = 0; c < C; c++) rstd[c] = 1 / Math.sqrt(v[c] + epsilon);
  const sd = new Float64Array(C);
  const sdx = new Float64Array(C);
  for (let i = 0; i < size; i += C) {
    for (let c = 0; c < C; c++) {
      const d = relu ? g[i + c] * +(y[i + c] > 0) : g[i + c]; // branch-free mask
      sd[c] += d;
      sdx[c] += d * (xs[i + c] - m[c]) * rstd[c];
    }
  }
  const k = new Float64Array(C); // rstd * gamma
  const meanD = new Float64Array(C);
  const meanDx = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    k[c] = rstd[c] * gm[c];
    meanD[c] = sd[c] / rows;
    meanDx[c] = sdx[c] / rows;
    dg[c] = sdx[c];
    db[c] = sd[c];
  }
  for (let i = 0; i < size; i += C) {
    for (let c = 0; c < C; c++) {
      const d = relu ? g[i + c] * +(y[i + c] > 0) : g[i + c]; // branch-free mask
      const xhat = (xs[i + c] - m[c]) * rstd[c];
      dx[i + c] = k[c] * (d - meanD[c] - xhat * meanDx[c]);
    }
  }
  return outputs;
};

export function registerBatchNormKernels(): void {
  if (!tf.getKernel(BATCH_NORM, 'wasm')) tf.registerKernel({ kernelName: BATCH_NORM, backendName: 'wasm', kernelFunc: batchNormKernel });
  if (!tf.getKernel(BATCH_NORM_GRAD, 'wasm')) tf.registerKernel({ kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: batchNormGradKernel });
}

export interface FusedBatchNorm {
  /** relu(normalised x) or normalised x, differentiable in x, gamma and beta. */
  y: tf.Tensor;
  /** The batch moments per channel [C] (not differentiable: for the running statistics). */
  mean: tf.Tensor;
  variance: tf.Tensor;
}

/**
 * Training-mode batch norm of x [..., C] with gamma, beta [C] (then ReLU where `relu`) on the
 * fused kernels, or undefined where they do not apply (another backend, fast kernels off,
 * non-float32 or mismatched shapes): the caller then uses its tfjs ops.
 */
export function fusedBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, relu: boolean): FusedBatchNorm | undefined {
  const channels = x.shape[x.rank - 1];
  // gamma and beta: float32 vectors of x's channels.
  const perChannel = (t: tf.Tensor) => t.dtype === 'float32' && t.rank === 1 && t.shape[0] === channels;
  const onOurKernels = fastWasmKernelsEnabled() && !!tf.getKernel(BATCH_NORM, tf.getBackend());
  if (!onOurKernels || x.dtype !== 'float32' || x.rank < 2 || x.size === 0 || !perChannel(gamma) || !perChannel(beta)) return undefined;
  let moments: tf.Tensor[] = [];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gIn, bIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM, { x: xIn, gamma: gIn, beta: bIn }, { epsilon, relu }) as tf.Tensor[];
    moments = [tf.keep(mean), tf.keep(variance)]; // the forward runs in a tidy that keeps only y
    save([xIn, y, gIn, mean, variance]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xs, ys, gs, ms, vs] = saved;
        return tf.engine().runKernel(BATCH_NORM_GRAD, { dy: dy as tf.Tensor, x: xs, out: ys, gamma: gs, mean: ms, variance: vs }, { epsilon, relu }) as tf.Tensor[];
      },
    };
  });
  const y = f(x, gamma, beta);
  // Clones (no copy on wasm) belong to the caller's scope, as the tfjs ops' moments would.
  const [mean, variance] = moments.map((t) => t.clone());
  tf.dispose(moments);
  return { y, mean, variance };
}
