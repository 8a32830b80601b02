import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openModelWeights } from '../../../core/formats/modelWeights';
import { openSafetensors, parseSafetensorsHeader } from '../../../core/formats/safetensors';
import { bfloat16ToFloat32, float32ToBfloat16Bits, float32ToHalfBits, halfToFloat32 } from '../../../core/formats/safetensorsDtypes';
import { writeSafetensors } from '../../../core/formats/safetensorsWriter';
import { RpcError } from '../../../protocol/rpc';

/** A safetensors file from raw parts, written without our writer, so reader and writer are checked
 * against the format rather than against each other. */
function rawFile(file: string, header: object | string, data: Uint8Array, lengthOverride?: number): void {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(lengthOverride ?? json.length));
  fs.writeFileSync(file, Buffer.concat([prefix, json, data]));
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function rejects(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(err.message.includes(p), `message "${err.message}" lacks "${p}"`);
      else assert.match(err.message, p);
    }
    return true;
  });
}

describe('safetensors reader and writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a hand-built file: F32 at an unaligned offset after an F16, header not padded, metadata', () => {
    const half = new Uint16Array([0x3c00, 0xc000, 0x7bff]); // 1, -2, 65504: 6 bytes, so the F32 starts at 6
    const f = new Float32Array([0.5, -3.25]);
    const file = path.join(dir, 'raw.safetensors');
    rawFile(file, {
      h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
      w: { dtype: 'F32', shape: [1, 2], data_offsets: [6, 14] },
      __metadata__: { format: 'pt' },
    }, new Uint8Array([...bytesOf(half), ...bytesOf(f)]));
    const st = openSafetensors(file);
    try {
      assert.deepEqual(st.names, ['h', 'w']);
      assert.deepEqual(st.metadata, { format: 'pt' });
      assert.deepEqual(st.info('w'), { name: 'w', dtype: 'F32', shape: [1, 2], size: 2 });
      assert.deepEqual([...st.read('h')], [1, -2, 65504]);
      assert.deepEqual([...st.read('w')], [0.5, -3.25]);
    } finally {
      st.close();
    }
  });

  it('round-trips every writable dtype with metadata, in file order', () => {
    const file = path.join(dir, 'all.safetensors');
    const values = [0, 1, -1.5, 3.140625, 65504, -0.000061035156];
    writeSafetensors(file, [
      { name: 'f32', shape: [2, 3], data: Float32Array.from(values) },
      { name: 'f16', dtype: 'F16', shape: [6], data: values },
      { name: 'bf16', dtype: 'BF16', shape: [3, 2], data: [1, -2, 0.5, 256, -0.125, 3] },
      { name: 'i64', dtype: 'I64', shape: [4], data: [0, -1, 1024, 16777216] },
      { name: 'i32', dtype: 'I32', shape: [2], data: () => [7, -9] },
      { name: 'mask', dtype: 'U8', shape: [1, 1, 2, 2], data: [1, 0, 1, 1] },
      { name: 'scalar', shape: [], data: [42] },
    ], { metadata: { format: 'pt', note: 'ü😀' } });
    const st = openSafetensors(file);
    try {
      assert.deepEqual(st.names, ['f32', 'f16', 'bf16', 'i64', 'i32', 'mask', 'scalar']);
      assert.deepEqual(st.metadata, { format: 'pt', note: 'ü😀' });
      assert.deepEqual([...st.read('f32')], [...Float32Array.from(values)]);
      assert.deepEqual([...st.read('f16')], [...Float32Array.from(values)]); // all exactly representable in half
      assert.deepEqual([...st.read('bf16')], [1, -2, 0.5, 256, -0.125, 3]);
      assert.deepEqual([...st.read('i64')], [0, -1, 1024, 16777216]);
      assert.deepEqual([...st.read('i32')], [7, -9]);
      assert.deepEqual([...st.read('mask')], [1, 0, 1, 1]);
      assert.deepEqual(st.info('scalar').shape, []);
      assert.deepEqual([...st.read('scalar')], [42]);
      assert.deepEqual([...st.readRows('bf16', 1, 2)], [0.5, 256, -0.125, 3]);
    } finally {
      st.close();
    }
    // The reference writer pads the header so data starts 8-aligned.
    const n = Number(fs.readFileSync(file).readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
  });

  it('refuses an I64 that float32 would round, naming the tensor and element', () => {
    const file = path.join(dir, 'big.safetensors');
    writeSafetensors(file, [{ name: 'ids', dtype: 'I64', shape: [2], data: [5, 2 ** 40] }]);
    const st = openSafetensors(file);
    rejects(() => st.read('ids'), file, "'ids'", 'element 1');
    st.close();
  });

  it('refuses a dtype it cannot convert at read, but opens the file', () => {
    const file = path.join(dir, 'f8.safetensors');
    rawFile(file, { q: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    const st = openSafetensors(file);
    assert.equal(st.info('q').dtype, 'F8_E4M3');
    rejects(() => st.read('q'), "'q'", 'F8_E4M3');
    st.close();
  });

  describe('bad files: each message names the file and the tensor', () => {
    const eightBytes = new Uint8Array(8);
    const cases: { name: string; make: (file: string) => void; parts: string[] }[] = [
      { name: 'shorter than the length prefix', make: (f) => fs.writeFileSync(f, Buffer.alloc(5)), parts: ['too short'] },
      { name: 'header length beyond the file', make: (f) => rawFile(f, '{}', new Uint8Array(0), 4096), parts: ['claims 4096 bytes', 'truncated'] },
      { name: 'malformed JSON', make: (f) => rawFile(f, '{"a": {', eightBytes), parts: ['not valid JSON'] },
      { name: 'header not an object', make: (f) => rawFile(f, '[1,2]', eightBytes), parts: ['not a JSON object'] },
      { name: 'unknown dtype', make: (f) => rawFile(f, { w: { dtype: 'F48', shape: [2], data_offsets: [0, 8] } }, eightBytes), parts: ["'w'", 'unknown dtype "F48"'] },
      { name: 'offsets outside the data section', make: (f) => rawFile(f, { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eightBytes), parts: ["'w'", 'outside the data section (8 bytes)'] },
      { name: 'begin after end', make: (f) => rawFile(f, { w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, eightBytes), parts: ["'w'", '[8, 4]'] },
      { name: 'shape not matching the byte length', make: (f) => rawFile(f, { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eightBytes), parts: ["'w'", 'need 12 bytes', 'hold 8'] },
      { name: 'dtype not matching the byte length', make: (f) => rawFile(f, { w: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, eightBytes), parts: ["'w'", 'F64', 'need 16 bytes'] },
      { name: 'negative shape', make: (f) => rawFile(f, { w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eightBytes), parts: ["'w'", 'shape [-2]'] },
      { name: 'missing offsets', make: (f) => rawFile(f, { w: { dtype: 'F32', shape: [2] } }, eightBytes), parts: ["'w'", 'data_offsets'] },
      {
        name: 'overlapping tensors',
        make: (f) => rawFile(f, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eightBytes),
        parts: ["'a'", "'b'", 'overlap'],
      },
      { name: 'metadata value not a string', make: (f) => rawFile(f, { __metadata__: { n: 3 } }, eightBytes), parts: ["'n'", 'not a string'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const file = path.join(dir, 'bad.safetensors');
        c.make(file);
        rejects(() => openSafetensors(file), file, ...c.parts);
      });
    }

    it('a file cut short after its header (offsets beyond what is left)', () => {
      const file = path.join(dir, 'cut.safetensors');
      writeSafetensors(file, [{ name: 'w', shape: [100], data: new Float32Array(100) }]);
      fs.truncateSync(file, fs.statSync(file).size - 10);
      rejects(() => openSafetensors(file), file, "'w'", 'outside the data section');
    });

    it('a missing file is not-found', () => {
      assert.throws(() => openSafetensors(path.join(dir, 'nope.safetensors')), (e: unknown) => e instanceof RpcError && e.code === 'not-found');
    });

    it('an absent tensor is named, with near names for a prefix mismatch', () => {
      const file = path.join(dir, 'named.safetensors');
      writeSafetensors(file, [{ name: 'transformer.h.0.attn.c_attn.weight', shape: [1], data: [1] }]);
      const st = openSafetensors(file);
      rejects(() => st.read('h.0.attn.c_attn.weight'), "'h.0.attn.c_attn.weight'", 'transformer.h.0.attn.c_attn.weight');
      rejects(() => st.readRows('transformer.h.0.attn.c_attn.weight', 1, 1), 'no rows 1..1');
      st.close();
    });
  });

  it('parses a header in isolation (no I/O), sorting tensors into file order', () => {
    const { entries } = parseSafetensorsHeader('x', JSON.stringify({
      b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    }), 100, 8);
    assert.deepEqual(entries.map((e) => [e.name, e.begin, e.end]), [['a', 100, 104], ['b', 104, 108]]);
  });

  describe('model folders', () => {
    function shardedFolder(): string {
      writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), [{ name: 'a.weight', shape: [2], data: [1, 2] }]);
      writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), [{ name: 'b.weight', dtype: 'F16', shape: [1, 2], data: [3, 4] }]);
      fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({
        metadata: { total_size: 12 },
        weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' },
      }));
      return dir;
    }

    it('opens a single model.safetensors', () => {
      writeSafetensors(path.join(dir, 'model.safetensors'), [{ name: 'w', shape: [1], data: [5] }], { metadata: { format: 'pt' } });
      const w = openModelWeights(dir);
      assert.deepEqual([...w.read('w')], [5]);
      assert.equal(w.metadata.format, 'pt');
      w.close();
    });

    it('opens shards through the index, with the same API', () => {
      const w = openModelWeights(shardedFolder());
      assert.deepEqual(w.names, ['a.weight', 'b.weight']);
      assert.deepEqual(w.metadata, { total_size: '12' });
      assert.deepEqual([...w.read('b.weight')], [3, 4]);
      assert.deepEqual(w.info('b.weight').shape, [1, 2]);
      assert.deepEqual([...w.readRows('a.weight', 1, 1)], [2]);
      w.close();
    });

    it('opens shards lazily: a missing second shard fails only when one of its tensors is asked for', () => {
      shardedFolder();
      fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
      const w = openModelWeights(dir);
      assert.deepEqual([...w.read('a.weight')], [1, 2]);
      assert.throws(() => w.read('b.weight'), (e: unknown) => e instanceof RpcError && e.code === 'not-found' && e.message.includes('model-00002-of-00002.safetensors') && e.message.includes("'b.weight'"));
      w.close();
    });

    it('refuses an index whose shard lacks the tensor, or that points outside the folder', () => {
      shardedFolder();
      const index = path.join(dir, 'model.safetensors.index.json');
      fs.writeFileSync(index, JSON.stringify({ weight_map: { 'c.weight': 'model-00001-of-00002.safetensors' } }));
      rejects(() => openModelWeights(dir).read('c.weight'), index, "'c.weight'", 'that shard has no such tensor');
      fs.writeFileSync(index, JSON.stringify({ weight_map: { 'c.weight': '../../etc/passwd' } }));
      rejects(() => openModelWeights(dir), index, "'c.weight'", 'not a file name in the same folder');
      fs.writeFileSync(index, '{"weight_map": 3}');
      rejects(() => openModelWeights(dir), index, 'weight_map');
    });

    it('names other weight formats it finds and says how to convert', () => {
      fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'x');
      assert.throws(() => openModelWeights(dir), (e: unknown) => e instanceof RpcError && e.code === 'not-found' && e.message.includes('pytorch_model.bin') && e.message.includes('safe_serialization'));
    });
  });

  describe('half and bfloat16 conversion', () => {
    it('decodes known float16 bit patterns, subnormals, infinities and NaN', () => {
      const out = new Float32Array(7);
      halfToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e00]), out);
      assert.deepEqual([...out.slice(0, 6)], [1, -2, 65504, 2 ** -24, Infinity, -Infinity]);
      assert.ok(Number.isNaN(out[6]));
    });

    it('encodes every non-NaN float16 back to its own bit pattern, and rounds to nearest even', () => {
      const all = new Uint16Array(65536).map((_, i) => i);
      const floats = new Float32Array(65536);
      halfToFloat32(all, floats);
      for (let h = 0; h < 65536; h++) {
        if (!Number.isNaN(floats[h])) assert.equal(float32ToHalfBits(floats[h]), h, `pattern ${h.toString(16)}`);
      }
      assert.equal(float32ToHalfBits(1 + 2 ** -11), 0x3c00); // halfway between 1 and the next half: to even
      assert.equal(float32ToHalfBits(1 + 3 * 2 ** -11), 0x3c02);
      assert.equal(float32ToHalfBits(70000), 0x7c00); // overflow to Inf
      assert.equal(float32ToHalfBits(2 ** -26), 0); // underflow to zero
      assert.ok(Number.isNaN((() => { const o = new Float32Array(1); halfToFloat32(new Uint16Array([float32ToHalfBits(NaN)]), o); return o[0]; })()));
    });

    it('bfloat16 keeps the top 16 bits, rounding to nearest even', () => {
      const out = new Float32Array(3);
      bfloat16ToFloat32(new Uint16Array([0x3f80, 0xc000, 0x7f80]), out);
      assert.deepEqual([...out], [1, -2, Infinity]);
      assert.equal(float32ToBfloat16Bits(1), 0x3f80);
      assert.equal(float32ToBfloat16Bits(1 + 2 ** -8), 0x3f80); // halfway: to even
      assert.equal(float32ToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
      const nan = new Float32Array(1);
      bfloat16ToFloat32(new Uint16Array([float32ToBfloat16Bits(NaN)]), nan);
      assert.ok(Number.isNaN(nan[0]));
    });
  });
});
