/**
 * Batched products of many small matrices (attention: [batch, heads] slices of 16x16 to 64x64) on
 * WebAssembly SIMD. The stock wasm BatchMatMul runs these on a scalar loop (about 1.3 GMAC/s
 * measured here) and XNNPACK's per-call overhead (~12 µs) exceeds a 16x16x16 slice's work, so every
 * attention score, context and their gradients went through the slow loop.
 *
 * The module is a few hundred bytes written out below with wasmAssembler.ts (no build step,
 * nothing native): bmm computes c[i] = a[i] b[i] for float32 [m, k] x [k, n] slices (a row-major
 * or transposed, b row-major) in its own memory. Each output row is built 16 columns at a time in
 * four f32x4 accumulators, then 4 at a time, then the n % 4 last columns one by one, summing over k
 * in order: the same sum of products as the scalar loop, in float32. Operands are copied in (b
 * transposed by the module's transpose when its flag asks) and the result copied out: small next
 * to the product.
 *
 * Where WebAssembly SIMD is missing (it is in Node 16.4+ and every current Electron),
 * `createSimdBatchedProduct` returns undefined and callers keep the stock kernel.
 */

import { F32, I32, V128, addTo, countDown, instantiate, op, type WasmFunction } from './wasmAssembler';

// Parameters (byte addresses and sizes; a's element (i, k) is at A + i*A_ROW_STEP + k*A_K_STEP
// within a slice, so a transposed a is read in place), then locals.
const [A, B, C, BATCH, M, K, N, A_ROW_STEP, A_K_STEP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [NB, ROW, J, KK, PA, PB, AROW, BMAT, CROW, BI, AMAT] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const ACC = [20, 21, 22, 23];
const AV = 24;
const SUM = 25; // f32, for the last n % 4 columns

/** c[ROW, J .. J + 4*vectors) = sum over k of a[ROW, k] * b[k, J ..], `vectors` accumulators. */
function columnBlock(vectors: number): number[] {
  const bytes = 16 * vectors;
  const code: number[] = [];
  for (let v = 0; v < vectors; v++) code.push(...op.v128Zero, ...op.set(ACC[v]));
  code.push(...op.get(AROW), ...op.set(PA), ...op.get(BMAT), ...op.get(J), ...op.add, ...op.set(PB), ...op.get(K), ...op.set(KK));
  code.push(...op.loop);
  code.push(...op.get(PA), ...op.f32Load(), ...op.f32x4Splat, ...op.set(AV));
  for (let v = 0; v < vectors; v++) {
    code.push(...op.get(ACC[v]), ...op.get(AV), ...op.get(PB), ...op.v128Load(16 * v), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC[v]));
  }
  code.push(...addTo(PA, op.get(A_K_STEP)), ...addTo(PB, op.get(NB)));
  code.push(...countDown(KK), ...op.end);
  for (let v = 0; v < vectors; v++) code.push(...op.get(CROW), ...op.get(J), ...op.add, ...op.get(ACC[v]), ...op.v128Store(16 * v));
  code.push(...addTo(J, op.i32(bytes)));
  return code;
}

/** while (J + 16*vectors <= NB) columnBlock(vectors) */
function columnLoop(vectors: number): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(J), ...op.i32(16 * vectors), ...op.add, ...op.get(NB), ...op.gtU, ...op.brIf(1),
    ...columnBlock(vectors),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** while (J < NB) one column at a time in float32: the n % 4 columns left after the vectors. */
function scalarColumns(): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(J), ...op.get(NB), ...op.geU, ...op.brIf(1),
    ...op.f32Zero, ...op.set(SUM),
    ...op.get(AROW), ...op.set(PA), ...op.get(BMAT), ...op.get(J), ...op.add, ...op.set(PB), ...op.get(K), ...op.set(KK),
    ...op.loop,
    ...op.get(SUM), ...op.get(PA), ...op.f32Load(), ...op.get(PB), ...op.f32Load(), ...op.f32Mul, ...op.f32Add, ...op.set(SUM),
    ...addTo(PA, op.get(A_K_STEP)), ...addTo(PB, op.get(NB)),
    ...countDown(KK),
    ...op.end,
    ...op.get(CROW), ...op.get(J), ...op.add, ...op.get(SUM), ...op.f32Store(),
    ...addTo(J, op.i32(4)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** The column blocks of each output row, widest first, in f32x4 accumulators: 16 columns at a
 * time, then 4 (then always the n % 4 last ones singly). */
const COLUMN_BLOCKS = [4, 1];

/** bmm(a, b, c, batch, m, k, n, aRowStep, aKStep) */
function bmmFunction(columnBlocks: number[]): WasmFunction {
  const code = [
    ...op.get(N), ...op.i32(4), ...op.mul, ...op.set(NB),
    ...op.get(A), ...op.set(AMAT),
    ...op.get(B), ...op.set(BMAT),
    ...op.get(C), ...op.set(CROW),
    ...op.get(BATCH), ...op.set(BI),
    ...op.loop, // every batch slice
    ...op.get(AMAT), ...op.set(AROW),
    ...op.get(M), ...op.set(ROW),
    ...op.loop, // every row of the slice
    ...op.i32(0), ...op.set(J),
    ...columnBlocks.flatMap(columnLoop),
    ...(columnBlocks.includes(1) ? scalarColumns() : []),
    ...addTo(AROW, op.get(A_ROW_STEP)),
    ...addTo(CROW, op.get(NB)),
    ...countDown(ROW),
    ...op.end,
    ...addTo(AMAT, [...op.get(M), ...op.get(K), ...op.mul, ...op.i32(4), ...op.mul]),
    ...addTo(BMAT, [...op.get(K), ...op.get(NB), ...op.mul]),
    ...countDown(BI),
    ...op.end,
  ];
  return { name: 'bmm', params: new Array<number>(9).fill(I32), locals: [...new Array<number>(11).fill(I32), ...new Array<number>(5).fill(V128), F32], code };
}

/** transpose(src, dst, batch, rows, cols): [batch, rows, cols] at src to [batch, cols, rows] at dst
 * (byte addresses), reading src in order. */
function transposeFunction(): WasmFunction {
  const [SRC, DST, TB, ROWS, COLS] = [0, 1, 2, 3, 4];
  const [RB, S, R, CC, PS, PD, DROW, DSLICE] = [5, 6, 7, 8, 9, 10, 11, 12];
  const code = [
    ...op.get(ROWS), ...op.i32(4), ...op.mul, ...op.set(RB),
    ...op.get(SRC), ...op.set(PS),
    ...op.get(DST), ...op.set(DSLICE),
    ...op.get(TB), ...op.set(S),
    ...op.loop, // every slice
    ...op.get(DSLICE), ...op.set(DROW),
    ...op.get(ROWS), ...op.set(R),
    ...op.loop, // every source row: one destination column
    ...op.get(DROW), ...op.set(PD),
    ...op.get(COLS), ...op.set(CC),
    ...op.loop,
    ...op.get(PD), ...op.get(PS), ...op.f32Load(), ...op.f32Store(),
    ...addTo(PS, op.i32(4)),
    ...addTo(PD, op.get(RB)),
    ...countDown(CC),
    ...op.end,
    ...addTo(DROW, op.i32(4)),
    ...countDown(R),
    ...op.end,
    ...addTo(DSLICE, [...op.get(RB), ...op.get(COLS), ...op.mul]),
    ...countDown(S),
    ...op.end,
  ];
  return { name: 'transpose', params: new Array<number>(5).fill(I32), locals: new Array<number>(8).fill(I32), code };
}

// --- The runner. ---

export interface SimdBatchedProduct {
  /**
   * out[i] = op(a[i]) op(b[i]) for i < batch, where a holds [batch, m, k] (or [batch, k, m] when
   * transposeA) and b [batch, k, n] (or [batch, n, k] when transposeB), float32, row-major.
   */
  run(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void;
}

export interface SimdBatchedProductArgs {
  /** Accumulators per column block, widest first (default [4, 1]: 16 columns, then 4, then the
   * last n % 4 singly). Tests build narrower variants to check each path on its own; without a
   * 1 the module computes only the columns its blocks cover. */
  columnBlocks?: number[];
}

export function createSimdBatchedProduct(args: SimdBatchedProductArgs = {}): SimdBatchedProduct | undefined {
  const kernels = instantiate([bmmFunction(args.columnBlocks ?? COLUMN_BLOCKS), transposeFunction()]);
  if (!kernels) return undefined;
  const { bmm, transpose } = kernels.exports;
  return {
    run(a, b, out, batch, m, k, n, transposeA, transposeB) {
      const aSize = batch * m * k;
      const bSize = batch * k * n;
      const cAt = aSize + bSize;
      const tAt = cAt + batch * m * n;
      const heap = kernels.floats(tAt + bSize);
      heap.set(a.subarray(0, aSize));
      if (transposeB) {
        // b goes in after the output's place, then transposed into its own.
        heap.set(b.subarray(0, bSize), tAt);
        transpose(4 * tAt, 4 * aSize, batch, n, k);
      } else {
        heap.set(b.subarray(0, bSize), aSize);
      }
      bmm(0, 4 * aSize, 4 * cAt, batch, m, k, n, transposeA ? 4 : 4 * k, transposeA ? 4 * m : 4);
      out.set(heap.subarray(cAt, cAt + batch * m * n));
    },
  };
}
