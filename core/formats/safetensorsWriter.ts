/**
 * Writes .safetensors files: tests build fixtures with it, the attention file writer and export use
 * it. Tensors are encoded and written one at a time (a tensor's data may be a function, called when
 * its turn comes), so a file much larger than memory can be written. The file appears whole or not
 * at all: it is written beside the target and renamed over it.
 */
import * as fs from 'node:fs';
import { RpcError } from '../../protocol/rpc';
import { float32ToBfloat16Bits, float32ToHalfBits, SAFETENSORS_DTYPES } from './safetensorsDtypes';

export type WritableDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8';

export interface TensorToWrite {
  name: string;
  /** Default 'F32'. Float values are rounded to nearest even for F16/BF16. */
  dtype?: WritableDtype;
  shape: readonly number[];
  /** Row-major values, or a function giving them when this tensor is written. */
  data: ArrayLike<number> | (() => ArrayLike<number>);
}

export interface WriteSafetensorsArgs {
  /** Written as `__metadata__` (string values only, as the format requires). */
  metadata?: Record<string, string>;
  /** Pad the header with spaces so the data section starts at a multiple of 8 (default true, as
   * the reference writer does). False keeps it unpadded, to test readers on unaligned data. */
  alignHeader?: boolean;
}

function encode(t: TensorToWrite, values: ArrayLike<number>): Uint8Array {
  const dtype = t.dtype ?? 'F32';
  const n = values.length;
  switch (dtype) {
    case 'F32': {
      const f = values instanceof Float32Array ? values : Float32Array.from(values);
      return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    }
    case 'F16':
    case 'BF16': {
      const bits = new Uint16Array(n);
      const convert = dtype === 'F16' ? float32ToHalfBits : float32ToBfloat16Bits;
      for (let i = 0; i < n; i++) bits[i] = convert(values[i]);
      return new Uint8Array(bits.buffer);
    }
    case 'I32': {
      const a = Int32Array.from(values);
      return new Uint8Array(a.buffer);
    }
    case 'I64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(values[i]);
      return new Uint8Array(a.buffer);
    }
    case 'U8':
      return Uint8Array.from(values);
  }
}

/** Writes `tensors` (in this order) to `file`. */
export function writeSafetensors(file: string, tensors: readonly TensorToWrite[], args: WriteSafetensorsArgs = {}): void {
  const header: Record<string, unknown> = {};
  if (args.metadata) header.__metadata__ = args.metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new RpcError('bad-request', `${file}: tensor name '${t.name}' is reserved or repeated`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    const bytes = size * SAFETENSORS_DTYPES[t.dtype ?? 'F32'];
    header[t.name] = { dtype: t.dtype ?? 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const headerBytes = () => Buffer.byteLength(json, 'utf8');
  if (args.alignHeader ?? true) json += ' '.repeat((8 - ((8 + headerBytes()) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes()));

  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, Buffer.from(json, 'utf8'));
    for (const t of tensors) {
      const values = typeof t.data === 'function' ? t.data() : t.data;
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (values.length !== size) throw new RpcError('bad-request', `${file}: tensor '${t.name}' has ${values.length} values for shape [${t.shape.join(', ')}] (${size})`);
      const bytes = encode(t, values);
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
    }
    fs.closeSync(fd);
    fs.renameSync(temp, file);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(temp, { force: true });
    throw err;
  }
}
