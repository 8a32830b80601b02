/**
 * Erf for the wasm backend without the C library's erf, which the stock kernel calls one element
 * at a time: a ViT MLP's [32, 65, 128] GELU input took 4.1 ms of CPU, this kernel 1.6 ms.
 *
 * erf(|x|) = 1 - t * poly(t) * exp(-x^2) with t = 1 / (1 + p |x|), the rational approximation
 * whose constants tfjs ships (backend_util.ERF_*; the cpu backend's Erf uses it), at most 1.5e-7
 * from erf. The slow part, exp(-x^2), comes from the stock Sigmoid, which is vectorised (under
 * 1 ns per float): with s = sigmoid(-x^2), exp(-x^2) = s / (1 - s), a few ulps of relative
 * rounding since 1 - s >= 1/2 (past |x| = 9.3, s is 0 and erf exactly +-1). Below |x| = 0.1 the
 * approximation's absolute error (1e-9 at 0) would be most of erf itself, so there the Maclaurin
 * series to x^7 (truncation under 1e-11) keeps erf odd, 0 at 0 and accurate relative to its size.
 * See viaSigmoid.ts; the gradient is tfjs's (it reads x only).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel } from './replaceKernel';
import { kernelViaSigmoid } from './viaSigmoid';

/** Where the series takes over from the rational approximation. */
const SERIES_BELOW = 0.1;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf rounds to exactly +-1 in float32 past |x| = 4; clamping at 10 keeps Infinity out of the sums. */
const CLAMP = 10;

const { ERF_P: P, ERF_A1: A1, ERF_A2: A2, ERF_A3: A3, ERF_A4: A4, ERF_A5: A5 } = tf.backend_util;

/** out = -x^2 (the Sigmoid's input). */
function negativeSquares(x: Float32Array, out: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) out[i] = -x[i] * x[i];
}

/**
 * y = erf(x) from s = sigmoid(-x^2), as x * erf(|x|) / |x| so no branch picks the sign (on random
 * signs a mispredicted branch per value doubled the time). One division: with
 * c = (1 + p|x|)(1 - s) and q = 1 / (c |x|), t = (1 - s) |x| q, t exp(-x^2) = s |x| q and
 * erf(|x|) / |x| = q (c - poly(t) s).
 */
function erfFromSigmoid(x: Float32Array, s: Float32Array, y: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) {
    const v = Math.min(Math.max(x[i], -CLAMP), CLAMP);
    const a = Math.abs(v);
    if (a < SERIES_BELOW) {
      const v2 = v * v;
      y[i] = TWO_OVER_SQRT_PI * v * (1 - v2 * (1 / 3 - v2 * (1 / 10 - v2 / 42)));
      continue;
    }
    const si = s[i];
    const c = (1 + P * a) * (1 - si);
    const q = 1 / (c * a);
    const t = (1 - si) * a * q;
    y[i] = v * q * (c - (A1 + t * (A2 + t * (A3 + t * (A4 + t * A5)))) * si);
  }
}

export const makeFastErf = kernelViaSigmoid({ toSigmoid: negativeSquares, fromSigmoid: erfFromSigmoid });

/** Replaces the wasm backend's Erf; safe to call more than once. */
export function registerFastErf(): void {
  replaceWasmKernel(tf.Erf, makeFastErf);
}
