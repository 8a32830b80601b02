/**
 * Layer normalisation over rows of d floats (d a multiple of 4) on WebAssembly SIMD, forward and
 * gradient, for the fused layer norm kernels (layerNorm.ts). Plain JavaScript loops were no faster
 * than the ~9 tfjs kernels they replaced once a tensor passed ~16k floats (3 ns per float against
 * the wasm kernels' SIMD); four lanes at a time they are.
 *
 * Forward, per row: mean and biased variance (sums in float32 lanes), rstd = 1 / sqrt(var + eps),
 * y = (x - mean) * rstd * gamma + beta; mean and rstd are kept for the gradient. Gradient, per row,
 * with xhat = (x - mean) * rstd and g = dy * gamma: dx = rstd * (g - mean(g) - xhat * mean(g xhat)),
 * and over rows dgamma += dy * xhat, dbeta += dy.
 */
import { F32, I32, V128, addTo, countDown, instantiate, laneSum, op, type WasmFunction, type WasmKernels } from './wasmAssembler';

/** `body` for I = 0, 16, ... < DB (d floats in bytes): one f32x4 at a time across a row. */
function acrossRow(I: number, DB: number, body: number[]): number[] {
  return [...op.i32(0), ...op.set(I), ...op.loop, ...body, ...addTo(I, op.i32(16)), ...op.get(I), ...op.get(DB), ...op.ltU, ...op.brIf(0), ...op.end];
}

/** load(base + I) */
const at = (base: number, I: number): number[] => [...op.get(base), ...op.get(I), ...op.add, ...op.v128Load()];
/** sum / d as f32, where `sum` leaves an f32 on the stack */
const perD = (sum: number[], D: number): number[] => [...sum, ...op.get(D), ...op.f32FromU32, ...op.f32Div];

/** forward(x, gamma, beta, y, mean, rstd, rows, d, eps) */
function forward(): WasmFunction {
  const [X, G, BE, Y, PM, PR, ROWS, D, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [DB, R, I] = [9, 10, 11];
  const [MEAN, RSTD] = [12, 13];
  const [ACC, MV, RV, V] = [14, 15, 16, 17];
  const code = [
    ...op.get(D), ...op.i32(4), ...op.mul, ...op.set(DB),
    ...op.get(ROWS), ...op.set(R),
    ...op.loop, // every row; X and Y advance by a row
    ...op.v128Zero, ...op.set(ACC),
    ...acrossRow(I, DB, [...op.get(ACC), ...at(X, I), ...op.f32x4Add, ...op.set(ACC)]),
    ...perD(laneSum(ACC), D), ...op.set(MEAN),
    ...op.get(MEAN), ...op.f32x4Splat, ...op.set(MV),
    ...op.v128Zero, ...op.set(ACC),
    ...acrossRow(I, DB, [...at(X, I), ...op.get(MV), ...op.f32x4Sub, ...op.set(V), ...op.get(ACC), ...op.get(V), ...op.get(V), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC)]),
    ...op.f32One, ...perD(laneSum(ACC), D), ...op.get(EPS), ...op.f32Add, ...op.f32Sqrt, ...op.f32Div, ...op.set(RSTD),
    ...op.get(RSTD), ...op.f32x4Splat, ...op.set(RV),
    ...acrossRow(I, DB, [
      ...op.get(Y), ...op.get(I), ...op.add,
      ...at(X, I), ...op.get(MV), ...op.f32x4Sub, ...op.get(RV), ...op.f32x4Mul, ...at(G, I), ...op.f32x4Mul, ...at(BE, I), ...op.f32x4Add,
      ...op.v128Store(),
    ]),
    ...op.get(PM), ...op.get(MEAN), ...op.f32Store(),
    ...op.get(PR), ...op.get(RSTD), ...op.f32Store(),
    ...addTo(X, op.get(DB)), ...addTo(Y, op.get(DB)), ...addTo(PM, op.i32(4)), ...addTo(PR, op.i32(4)),
    ...countDown(R),
    ...op.end,
  ];
  return { name: 'forward', params: [I32, I32, I32, I32, I32, I32, I32, I32, F32], locals: [I32, I32, I32, F32, F32, V128, V128, V128, V128], code };
}

/** backward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, d): dgamma and dbeta accumulate (zero them first). */
function backward(): WasmFunction {
  const [DY, X, G, PM, PR, DX, DG, DBE, ROWS, D] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [DB, R, I] = [10, 11, 12];
  const [MV, RV, H, GI, DYV, SG, SGX] = [13, 14, 15, 16, 17, 18, 19];
  const xhat = [...at(X, I), ...op.get(MV), ...op.f32x4Sub, ...op.get(RV), ...op.f32x4Mul, ...op.set(H)];
  const accumulate = (base: number, value: number[]) => [...op.get(base), ...op.get(I), ...op.add, ...at(base, I), ...value, ...op.f32x4Add, ...op.v128Store()];
  const code = [
    ...op.get(D), ...op.i32(4), ...op.mul, ...op.set(DB),
    ...op.get(ROWS), ...op.set(R),
    ...op.loop, // every row; DY, X, DX advance by a row, PM and PR by a float
    ...op.get(PM), ...op.f32Load(), ...op.f32x4Splat, ...op.set(MV),
    ...op.get(PR), ...op.f32Load(), ...op.f32x4Splat, ...op.set(RV),
    ...op.v128Zero, ...op.set(SG),
    ...op.v128Zero, ...op.set(SGX),
    ...acrossRow(I, DB, [
      ...at(DY, I), ...op.set(DYV),
      ...xhat,
      ...op.get(DYV), ...at(G, I), ...op.f32x4Mul, ...op.set(GI),
      ...op.get(SG), ...op.get(GI), ...op.f32x4Add, ...op.set(SG),
      ...op.get(SGX), ...op.get(GI), ...op.get(H), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(SGX),
      ...accumulate(DG, [...op.get(DYV), ...op.get(H), ...op.f32x4Mul]),
      ...accumulate(DBE, op.get(DYV)),
    ]),
    // SG and SGX become the splatted means of g and g * xhat.
    ...perD(laneSum(SG), D), ...op.f32x4Splat, ...op.set(SG),
    ...perD(laneSum(SGX), D), ...op.f32x4Splat, ...op.set(SGX),
    ...acrossRow(I, DB, [
      ...op.get(DX), ...op.get(I), ...op.add,
      ...xhat,
      ...at(DY, I), ...at(G, I), ...op.f32x4Mul, ...op.get(SG), ...op.f32x4Sub,
      ...op.get(H), ...op.get(SGX), ...op.f32x4Mul, ...op.f32x4Sub,
      ...op.get(RV), ...op.f32x4Mul,
      ...op.v128Store(),
    ]),
    ...addTo(DY, op.get(DB)), ...addTo(X, op.get(DB)), ...addTo(DX, op.get(DB)), ...addTo(PM, op.i32(4)), ...addTo(PR, op.i32(4)),
    ...countDown(R),
    ...op.end,
  ];
  return { name: 'backward', params: new Array<number>(10).fill(I32), locals: [I32, I32, I32, ...new Array<number>(7).fill(V128)], code };
}

export interface SimdLayerNorm {
  /** x [rows, d] -> y, and per row mean and rstd. */
  forward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number, y: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, d: number): void;
  /** The gradients of sum(y * dy) for x, gamma and beta. */
  backward(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array, rows: number, d: number): void;
}

/** Places arrays one after another in the module's memory; returns their byte addresses. */
function layout(kernels: WasmKernels, sizes: number[]): { heap: Float32Array; at: number[] } {
  const at: number[] = [];
  let total = 0;
  for (const s of sizes) {
    at.push(total);
    total += s;
  }
  return { heap: kernels.floats(total), at };
}

export function createSimdLayerNorm(): SimdLayerNorm | undefined {
  const kernels = instantiate([forward(), backward()]);
  if (!kernels) return undefined;
  const fwd = kernels.exports.forward;
  const bwd = kernels.exports.backward;
  return {
    forward(x, gamma, beta, epsilon, y, mean, rstd, rows, d) {
      const n = rows * d;
      const { heap, at } = layout(kernels, [n, d, d, n, rows, rows]);
      heap.set(x.subarray(0, n), at[0]);
      heap.set(gamma.subarray(0, d), at[1]);
      heap.set(beta.subarray(0, d), at[2]);
      fwd(...at.map((a) => 4 * a), rows, d, epsilon);
      y.set(heap.subarray(at[3], at[3] + n));
      mean.set(heap.subarray(at[4], at[4] + rows));
      rstd.set(heap.subarray(at[5], at[5] + rows));
    },
    backward(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, d) {
      const n = rows * d;
      const { heap, at } = layout(kernels, [n, n, d, rows, rows, n, d, d]);
      heap.set(dy.subarray(0, n), at[0]);
      heap.set(x.subarray(0, n), at[1]);
      heap.set(gamma.subarray(0, d), at[2]);
      heap.set(mean.subarray(0, rows), at[3]);
      heap.set(rstd.subarray(0, rows), at[4]);
      heap.fill(0, at[6], at[7] + d);
      bwd(...at.map((a) => 4 * a), rows, d);
      dx.set(heap.subarray(at[5], at[5] + n));
      dGamma.set(heap.subarray(at[6], at[6] + d));
      dBeta.set(heap.subarray(at[7], at[7] + d));
    },
  };
}
