/**
 * Batched products of many small matrices (attention: [batch, heads] slices of 16x16 to 64x64) on
 * WebAssembly SIMD. The stock wasm BatchMatMul runs these on a scalar loop (about 1.3 GMAC/s
 * measured here) and XNNPACK's per-call overhead (~12 µs) exceeds a 16x16x16 slice's work, so every
 * attention score, context and their gradients went through the slow loop.
 *
 * The module is a few hundred bytes written out below (no build step, nothing native): one function
 * bmm computing c[i] = a[i] b[i] for float32 [m, k] x [k, n] slices (a row-major or transposed,
 * b row-major), n a multiple of 4, in its own memory. Each output row is built 16 columns at a time in
 * four f32x4 accumulators (then 4 at a time), summing over k in order: the same sum of products as
 * the scalar loop, in float32. Operands are copied in (b transposed on the way when its flag asks)
 * and the result copied out: small next to the product.
 *
 * Where WebAssembly SIMD is missing (it is in Node 16.4+ and every current Electron),
 * `createSimdBatchedProduct` returns undefined and callers keep the stock kernel.
 */

// --- WebAssembly binary encoding: just what this one function needs. ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (l: number) => [0x20, l],
  set: (l: number) => [0x21, l],
  i32: (v: number) => [0x41, ...uleb(v)], // small non-negative constants only (uleb = sleb below 64)
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  geU: [0x4f],
  gtU: [0x4b],
  f32Load: [0x2a, 2, 0],
  f32Store: [0x38, 2, 0],
  v128Load: (offset: number) => [0xfd, 0x00, 2, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 2, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f32x4Splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

// Parameters (byte addresses and sizes; a's element (i, k) is at A + i*A_ROW_STEP + k*A_K_STEP
// within a slice, so a transposed a is read in place), then locals.
const [A, B, C, BATCH, M, K, N, A_ROW_STEP, A_K_STEP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [NB, ROW, J, KK, PA, PB, AROW, BMAT, CROW, BI, AMAT] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const ACC = [20, 21, 22, 23];
const AV = 24;

const addTo = (local: number, value: number[]): number[] => [...op.get(local), ...value, ...op.add, ...op.set(local)];

/** c[ROW, J .. J + 4*vectors) = sum over k of a[ROW, k] * b[k, J ..], `vectors` accumulators. */
function columnBlock(vectors: number): number[] {
  const bytes = 16 * vectors;
  const code: number[] = [];
  for (let v = 0; v < vectors; v++) code.push(...op.v128Zero, ...op.set(ACC[v]));
  code.push(...op.get(AROW), ...op.set(PA), ...op.get(BMAT), ...op.get(J), ...op.add, ...op.set(PB), ...op.get(K), ...op.set(KK));
  code.push(...op.loop);
  code.push(...op.get(PA), ...op.f32Load, ...op.f32x4Splat, ...op.set(AV));
  for (let v = 0; v < vectors; v++) {
    code.push(...op.get(ACC[v]), ...op.get(AV), ...op.get(PB), ...op.v128Load(16 * v), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC[v]));
  }
  code.push(...addTo(PA, op.get(A_K_STEP)), ...addTo(PB, op.get(NB)));
  code.push(...op.get(KK), ...op.i32(1), ...op.sub, ...op.set(KK), ...op.get(KK), ...op.brIf(0), ...op.end);
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

function bmmBody(): number[] {
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
    ...columnLoop(4),
    ...columnLoop(1),
    ...addTo(AROW, op.get(A_ROW_STEP)),
    ...addTo(CROW, op.get(NB)),
    ...op.get(ROW), ...op.i32(1), ...op.sub, ...op.set(ROW), ...op.get(ROW), ...op.brIf(0),
    ...op.end,
    ...addTo(AMAT, [...op.get(M), ...op.get(K), ...op.mul, ...op.i32(4), ...op.mul]),
    ...addTo(BMAT, [...op.get(K), ...op.get(NB), ...op.mul]),
    ...op.get(BI), ...op.i32(1), ...op.sub, ...op.set(BI), ...op.get(BI), ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  const locals = [2, ...uleb(11), I32, ...uleb(5), V128];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** transpose(src, dst, batch, rows, cols): [batch, rows, cols] at src to [batch, cols, rows] at dst
 * (byte addresses), reading src in order. */
function transposeBody(): number[] {
  const [SRC, DST, TB, ROWS, COLS] = [0, 1, 2, 3, 4];
  const [RB, S, R, CC, PS, PD, DROW, DSLICE] = [5, 6, 7, 8, 9, 10, 11, 12];
  const countDown = (l: number) => [...op.get(l), ...op.i32(1), ...op.sub, ...op.set(l), ...op.get(l), ...op.brIf(0)];
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
    ...op.get(PD), ...op.get(PS), ...op.f32Load, ...op.f32Store,
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
    ...op.end,
  ];
  const body = [1, ...uleb(8), I32, ...code];
  return [...uleb(body.length), ...body];
}

function bmmModule(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // types: 0 = (i32 x9) -> () for bmm, 1 = (i32 x5) -> () for transpose
    ...section(1, [2, 0x60, 9, ...new Array<number>(9).fill(I32), 0, 0x60, 5, ...new Array<number>(5).fill(I32), 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // memory, at least 1 page
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('bmm'), 0x00, 0, ...name('transpose'), 0x00, 1]),
    ...section(10, [2, ...bmmBody(), ...transposeBody()]),
  ];
  return new Uint8Array(bytes);
}

// --- The runner. ---

export interface SimdBatchedProduct {
  /**
   * out[i] = op(a[i]) op(b[i]) for i < batch, where a holds [batch, m, k] (or [batch, k, m] when
   * transposeA) and b [batch, k, n] (or [batch, n, k] when transposeB), float32, row-major; n must
   * be a multiple of 4.
   */
  run(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void;
}

/** The part of the WebAssembly API used here (the project's Node type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export function createSimdBatchedProduct(): SimdBatchedProduct | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = bmmModule();
  if (!wasm || !wasm.validate(bytes)) return undefined;
  const memory = new wasm.Memory({ initial: 1 });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const transpose = instance.exports.transpose as (src: number, dst: number, batch: number, rows: number, cols: number) => void;
  const bmm = instance.exports.bmm as (a: number, b: number, c: number, batch: number, m: number, k: number, n: number, aRowStep: number, aKStep: number) => void;
  return {
    run(a, b, out, batch, m, k, n, transposeA, transposeB) {
      const aSize = batch * m * k;
      const bSize = batch * k * n;
      const need = 4 * (aSize + 2 * bSize + batch * m * n);
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      const heap = new Float32Array(memory.buffer); // after any growth
      const aIn = heap.subarray(0, aSize);
      const bIn = heap.subarray(aSize, aSize + bSize);
      aIn.set(a.subarray(0, aSize));
      if (transposeB) {
        // b goes in after the output's place, then transposed into its own.
        const tAt = aSize + bSize + batch * m * n;
        heap.set(b.subarray(0, bSize), tAt);
        transpose(4 * tAt, 4 * aSize, batch, n, k);
      } else {
        bIn.set(b.subarray(0, bSize));
      }
      const cAt = aSize + bSize;
      bmm(0, 4 * aSize, 4 * cAt, batch, m, k, n, transposeA ? 4 : 4 * k, transposeA ? 4 * m : 4);
      out.set(heap.subarray(cAt, cAt + batch * m * n));
    },
  };
}
