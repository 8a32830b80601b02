/**
 * Just enough of the WebAssembly binary format to write small SIMD kernels in TypeScript: opcodes
 * as byte arrays, a module of functions that share one imported memory, and instantiation with a
 * growable scratch memory the caller copies operands into. No build step and nothing native:
 * where WebAssembly SIMD is missing, `instantiate` returns undefined and callers keep their
 * fallback.
 */

/** Unsigned LEB128: sizes, counts, indices, memory offsets and alignments (u32 in the format). */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uleb: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128); // not >>> 7: that would wrap values of 2^31 and over
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128: the immediates of i32.const / i64.const, which WebAssembly reads as signed, so
 * an unsigned encoding of 64..127 (bit 6 set in the last byte) would read back negative. Exact for
 * every safe integer (i32 constants lie in [-2^31, 2^31)). */
export function sleb(n: number): number[] {
  if (!Number.isSafeInteger(n)) throw new RangeError(`sleb: ${n} is not a safe integer`);
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift: the sign is kept
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** An i32.const immediate: any value in [-2^31, 2^32), u32 values above 2^31-1 as their i32 bits. */
function i32Const(v: number): number[] {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new RangeError(`i32.const: ${v} is not an i32`);
  return [0x41, ...sleb(v | 0)];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const simd = (code: number): number[] => [0xfd, ...uleb(code)];

/** Instructions; memory accesses take a byte offset added to the address on the stack. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32: i32Const,
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  gtU: [0x4b],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Zero: [0x43, 0x00, 0x00, 0x00, 0x00],
  geU: [0x4f],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32FromU32: [0xb3],
  f32One: [0x43, 0x00, 0x00, 0x80, 0x3f],
  v128Load: (offset = 0) => [...simd(0x00), 2, ...uleb(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 2, ...uleb(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: simd(0x13),
  f32x4Lane: (lane: number) => [...simd(0x1f), lane],
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
};

/** local += value */
export const addTo = (local: number, value: number[]): number[] => [...op.get(local), ...value, ...op.add, ...op.set(local)];
/** local -= 1; continue the innermost loop while it is not 0 */
export const countDown = (local: number): number[] => [...op.get(local), ...op.i32(1), ...op.sub, ...op.tee(local), ...op.brIf(0)];
/** The sum of an f32x4's lanes (on the stack) as an f32, from the local holding it. */
export const laneSum = (v: number): number[] => [
  ...op.get(v), ...op.f32x4Lane(0), ...op.get(v), ...op.f32x4Lane(1), ...op.f32Add,
  ...op.get(v), ...op.f32x4Lane(2), ...op.f32Add, ...op.get(v), ...op.f32x4Lane(3), ...op.f32Add,
];

export interface WasmFunction {
  name: string;
  params: number[];
  /** Local variable types after the parameters, in order. */
  locals: number[];
  code: number[];
}

function moduleBytes(functions: WasmFunction[]): Uint8Array {
  const types = functions.flatMap((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]);
  const bodies = functions.flatMap((f) => {
    const groups: number[] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push(...uleb(j - i), f.locals[i]);
      i = j;
    }
    let count = 0;
    for (let i = 0; i < f.locals.length; i++) if (i === 0 || f.locals[i] !== f.locals[i - 1]) count++;
    const body = [...uleb(count), ...groups, ...f.code, ...op.end];
    return [...uleb(body.length), ...body];
  });
  const n = uleb(functions.length);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...n, ...types]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // imported memory, at least 1 page
    ...section(3, [...n, ...functions.map((_, i) => i)]),
    ...section(7, [...n, ...functions.flatMap((f, i) => [...name(f.name), 0x00, i])]),
    ...section(10, [...n, ...bodies]),
  ]);
}

/** The part of the WebAssembly API used here (the project's Node type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export interface WasmKernels {
  /** The exported functions by name (arguments: byte addresses, sizes, f32 values). */
  exports: Record<string, (...args: number[]) => void>;
  /** The module's memory as floats, at least `floats` long (grown when needed; a view taken
   * before a later call may be detached). */
  floats(floats: number): Float32Array;
}

/** Compiles `functions` into one module, or undefined where WebAssembly SIMD is missing. */
export function instantiate(functions: WasmFunction[]): WasmKernels | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = moduleBytes(functions);
  if (!wasm || !wasm.validate(bytes)) return undefined;
  const memory = new wasm.Memory({ initial: 1 });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return {
    exports: instance.exports as WasmKernels['exports'],
    floats(floats) {
      const need = 4 * floats;
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      return new Float32Array(memory.buffer);
    },
  };
}
