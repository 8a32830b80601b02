/**
 * The constants wasmAssembler.ts writes, decoded back the way WebAssembly reads them: i32.const
 * immediates as signed LEB128, sizes / indices / memory offsets as unsigned. The decoders here are
 * written from the format's definition, apart from the encoders under test.
 */
import * as assert from 'node:assert/strict';
import { op, sleb, uleb } from '../../../core/backend/wasmKernels/wasmAssembler';

/** Reads a signed LEB128 of at most 32 bits, as an i32 (the reading of i32.const). */
function readS32(bytes: number[]): { value: number; length: number } {
  let result = 0;
  let shift = 0;
  let i = 0;
  let byte: number;
  do {
    byte = bytes[i++];
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80 && i < 5);
  assert.equal(byte & 0x80, 0, 'an i32 LEB128 has at most 5 bytes');
  if (shift < 32 && byte & 0x40) result |= -1 << shift; // sign-extend from the last byte's bit 6
  return { value: result | 0, length: i };
}

function readU32(bytes: number[]): { value: number; length: number } {
  let result = 0;
  let i = 0;
  let byte: number;
  do {
    byte = bytes[i];
    result += (byte & 0x7f) * 2 ** (7 * i);
    i++;
  } while (byte & 0x80 && i < 5);
  assert.equal(byte & 0x80, 0, 'a u32 LEB128 has at most 5 bytes');
  return { value: result, length: i };
}

describe('wasmAssembler constants', () => {
  for (const v of [0, 1, 63, 64, -1, -64, -65, 127, 128, 255, 4096, 2 ** 31 - 1, -(2 ** 31)]) {
    it(`i32.const ${v} reads back as ${v}`, () => {
      const bytes = op.i32(v);
      assert.equal(bytes[0], 0x41, 'opcode i32.const');
      const { value, length } = readS32(bytes.slice(1));
      assert.equal(value, v);
      assert.equal(length, bytes.length - 1, 'no bytes left over after the immediate');
    });
  }

  it('i32.const of a u32 above 2^31-1 (an address) keeps its 32 bits', () => {
    assert.equal(readS32(op.i32(0xffffffc0).slice(1)).value >>> 0, 0xffffffc0);
  });

  it('i32.const rejects what is not an i32, naming the value', () => {
    assert.throws(() => op.i32(2 ** 32), /i32\.const: 4294967296/);
    assert.throws(() => op.i32(-(2 ** 31) - 1), /i32\.const/);
    assert.throws(() => op.i32(1.5), /i32\.const: 1\.5/);
  });

  it('sleb: the unsigned encoding of 64 (0x40) is what reads as -64, the signed one is two bytes', () => {
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-64), [0x40]);
    assert.equal(readS32(uleb(64)).value, -64);
  });

  for (const v of [0, 63, 64, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 - 1]) {
    it(`uleb ${v} (offsets, sizes, indices) reads back as ${v}`, () => {
      const bytes = uleb(v);
      assert.deepEqual(readU32(bytes), { value: v, length: bytes.length });
    });
  }

  it('uleb rejects negatives and values beyond u32', () => {
    assert.throws(() => uleb(-1), /uleb: -1/);
    assert.throws(() => uleb(2 ** 32), /uleb/);
  });

  it('memory offsets, local indices and branch depths are unsigned (64 and 200 stay themselves)', () => {
    const load = op.v128Load(64); // 0xfd, opcode, align, offset
    assert.deepEqual(load.slice(0, 3), [0xfd, 0x00, 2]);
    assert.deepEqual(readU32(load.slice(3)), { value: 64, length: 1 });
    assert.deepEqual(readU32(op.f32Store(200).slice(2)), { value: 200, length: 2 });
    assert.deepEqual(readU32(op.get(200).slice(1)), { value: 200, length: 2 });
    assert.deepEqual(readU32(op.brIf(130).slice(1)), { value: 130, length: 2 });
    // SIMD opcodes above 127 are u32 LEB128 too (f32x4.add is 0xe4).
    assert.deepEqual(readU32(op.f32x4Add.slice(1)), { value: 0xe4, length: 2 });
  });
});
