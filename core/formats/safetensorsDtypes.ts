/**
 * The element types of the safetensors format, their sizes, and the conversions to Float32 that the
 * reader and the writer share. Half floats go through one 65 536-entry table (built once, 256 KiB)
 * instead of a per-value branchy decode; bfloat16 is the top half of a float32, so a shift.
 */

/** Every dtype the format defines (safetensors' `Dtype` enum). Anything else in a header is refused. */
export const SAFETENSORS_DTYPES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

/** Dtypes `read()` turns into a Float32Array (floats converted; integers exact up to 2^24). */
export const READABLE_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, s);
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern -> float32 value, for all 65 536 patterns. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) table[h] = frac === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = table;
  return table;
}

/** Little-endian float16 values -> float32 (one table lookup each). */
export function halfToFloat32(src: Uint16Array, out: Float32Array): void {
  const table = halfToFloatTable();
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
}

/** Little-endian bfloat16 values -> float32: the 16 bits are the top half of the float32. */
export function bfloat16ToFloat32(src: Uint16Array, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> float16 bits, rounding to nearest even (as PyTorch's `.half()`); overflow -> ±Inf. */
export function float32ToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    const m = mant | 0x800000; // implicit 1
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // may carry into the exponent: correct
  return sign | half;
}

/** float32 -> bfloat16 bits, rounding to nearest even; NaN stays NaN. */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
