/**
 * Reads .safetensors files (Hugging Face's weight format) tensor by tensor through a file
 * descriptor: opening parses only the header, and each `read` pulls one tensor's bytes from disk.
 * A whole file is never in memory (fs.readFileSync refuses files over 2 GiB, and a model's weights
 * are read once each anyway).
 *
 * Layout: 8 bytes little-endian u64 N, then N bytes of JSON header
 *   { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
 *     "__metadata__": { "<key>": "<string>" } }
 * then the data section; offsets are relative to its start. Every claim in the header is checked
 * against the file before anything is read, and each failure names the file and the tensor.
 *
 * Each read lands in a freshly allocated (so aligned) buffer, so tensors at offsets that are not
 * multiples of their element size (older writers) read correctly. Values are little-endian, as the
 * format says and as every platform Node runs on is.
 */
import * as fs from 'node:fs';
import { RpcError } from '../../protocol/rpc';
import {
  bfloat16ToFloat32,
  halfToFloat32,
  isSafetensorsDtype,
  READABLE_DTYPES,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
} from './safetensorsDtypes';

export type { SafetensorsDtype } from './safetensorsDtypes';

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Elements: the product of the shape (1 for a scalar). */
  size: number;
}

/** What the model loaders use: one interface for a single file and for a sharded folder. */
export interface TensorSource {
  /** The file (or index file) the tensors come from, for messages. */
  readonly file: string;
  /** Tensor names in file order (sharded: the index's order). */
  readonly names: readonly string[];
  /** The header's `__metadata__` (sharded: the index's `metadata`, values as strings). */
  readonly metadata: Readonly<Record<string, string>>;
  has(name: string): boolean;
  info(name: string): TensorInfo;
  /** The whole tensor as float32, row-major. */
  read(name: string): Float32Array;
  /** `count` slices along the first axis from `first` (e.g. one head of a [heads, q, k] tensor). */
  readRows(name: string, first: number, count: number): Float32Array;
  close(): void;
}

interface Entry extends TensorInfo {
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** The format's own limit on the header, so a lying length cannot make us allocate gigabytes. */
const MAX_HEADER_BYTES = 100_000_000;
/** fs.readSync takes at most 2^31-1 bytes per call; read big tensors in pieces. */
const READ_CHUNK = 1 << 30;

function invalid(file: string, what: string): RpcError {
  return new RpcError('invalid-checkpoint', `${file}: ${what}`);
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks a parsed header against the data section's size and returns the tensors in file order.
 * Pure (no I/O), so every rule is testable on its own.
 */
export function parseSafetensorsHeader(
  file: string,
  headerText: string,
  dataStart: number,
  dataBytes: number,
): { entries: Entry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (err) {
    throw invalid(file, `the header is not valid JSON (${(err as Error).message}); the file is not safetensors or is damaged`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid(file, 'the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw invalid(file, `__metadata__ entry '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (typeof value !== 'object' || value === null) throw invalid(file, `${where}: its header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
      throw invalid(file, `${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalid(file, `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw invalid(file, `${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataBytes) {
      throw invalid(file, `${where}: data_offsets [${begin}, ${end}] lie outside the data section (${dataBytes} bytes); the file is truncated or its header lies`);
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = size * SAFETENSORS_DTYPES[dtype];
    if (end - begin !== expected) {
      throw invalid(file, `${where}: dtype ${dtype} and shape ${describeShape(shape)} need ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, dtype, shape: [...(shape as number[])], size, begin: dataStart + begin, end: dataStart + end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (cur.begin < prev.end && cur.end > cur.begin) {
      throw invalid(file, `tensors '${prev.name}' and '${cur.name}' overlap (bytes ${prev.begin - dataStart}..${prev.end - dataStart} and ${cur.begin - dataStart}..${cur.end - dataStart} of the data section)`);
    }
  }
  return { entries, metadata };
}

function openFile(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RpcError('not-found', `${file}: no such file`);
    throw new RpcError('invalid-checkpoint', `${file}: cannot be opened (${(err as Error).message})`);
  }
}

/** Fills `into` from `position`, looping over short reads and the per-call size limit. */
function readFully(fd: number, file: string, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const want = Math.min(READ_CHUNK, into.length - done);
    const got = fs.readSync(fd, into, done, want, position + done);
    if (got === 0) throw invalid(file, `ended after ${position + done} bytes while ${into.length - done} more were expected; the file is truncated`);
    done += got;
  }
}

/** Converts `bytes` (elements of `dtype`, freshly allocated so aligned) into `out`. */
function toFloat32(file: string, entry: Entry, bytes: Uint8Array, out: Float32Array): void {
  const n = out.length;
  switch (entry.dtype) {
    case 'F16':
      return halfToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, n), out);
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, n), out);
    case 'F64':
      return out.set(new Float64Array(bytes.buffer, bytes.byteOffset, n));
    case 'I32':
      return checkedIntegers(file, entry, new Int32Array(bytes.buffer, bytes.byteOffset, n), out);
    case 'I16':
      return out.set(new Int16Array(bytes.buffer, bytes.byteOffset, n));
    case 'I8':
      return out.set(new Int8Array(bytes.buffer, bytes.byteOffset, n));
    case 'U8':
    case 'BOOL':
      return out.set(bytes);
    case 'I64': {
      const words = new Int32Array(bytes.buffer, bytes.byteOffset, 2 * n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
      return checkedIntegers(file, entry, values, out);
    }
    default:
      throw unreadable(file, entry);
  }
}

function unreadable(file: string, entry: Entry): RpcError {
  return new RpcError('unsupported', `${file}: tensor '${entry.name}' has dtype ${entry.dtype}, which cannot be read as numbers here (readable: ${READABLE_DTYPES.join(', ')})`);
}

/** Integers into float32, refusing any that float32 would silently round (beyond 2^24). */
function checkedIntegers(file: string, entry: Entry, values: ArrayLike<number>, out: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 16777216 || v < -16777216) throw invalid(file, `tensor '${entry.name}' (${entry.dtype}) holds ${v} at element ${i}, which float32 cannot hold exactly`);
    out[i] = v;
  }
}

/** An open .safetensors file. */
export class SafetensorsFile implements TensorSource {
  readonly names: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly entries: Map<string, Entry>;
  private fd: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
    entries: Entry[],
    metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.entries = new Map(entries.map((e) => [e.name, e]));
    this.names = entries.map((e) => e.name);
    this.metadata = metadata;
  }

  static open(file: string): SafetensorsFile {
    const fd = openFile(file);
    try {
      const fileBytes = fs.fstatSync(fd).size;
      if (fileBytes < 8) throw invalid(file, `is ${fileBytes} bytes long, too short for a safetensors header`);
      const prefix = new Uint8Array(8);
      readFully(fd, file, prefix, 0);
      const view = new DataView(prefix.buffer);
      const headerBytes = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
      if (headerBytes > fileBytes - 8) {
        throw invalid(file, `the header claims ${headerBytes} bytes but the file has only ${fileBytes - 8} after the length; the file is truncated or not safetensors`);
      }
      if (headerBytes > MAX_HEADER_BYTES) throw invalid(file, `the header claims ${headerBytes} bytes, more than the format's limit of ${MAX_HEADER_BYTES}`);
      const headerRaw = new Uint8Array(headerBytes);
      readFully(fd, file, headerRaw, 8);
      const text = new TextDecoder('utf-8', { fatal: false }).decode(headerRaw);
      const dataStart = 8 + headerBytes;
      const { entries, metadata } = parseSafetensorsHeader(file, text, dataStart, fileBytes - dataStart);
      return new SafetensorsFile(file, fd, entries, metadata);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const { dtype, shape, size } = this.entry(name);
    return { name, dtype, shape: [...shape], size };
  }

  read(name: string): Float32Array {
    const entry = this.entry(name);
    return this.readElements(entry, 0, entry.size);
  }

  readRows(name: string, first: number, count: number): Float32Array {
    const entry = this.entry(name);
    const rows = entry.shape[0];
    if (entry.shape.length === 0 || !Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > rows) {
      throw new RpcError('bad-request', `${this.file}: tensor '${name}' of shape ${describeShape(entry.shape)} has no rows ${first}..${first + count - 1}`);
    }
    const rowSize = rows === 0 ? 0 : entry.size / rows;
    return this.readElements(entry, first * rowSize, count * rowSize);
  }

  /** The raw little-endian bytes of a tensor (for dtypes `read` does not convert). */
  readBytes(name: string): Uint8Array {
    const entry = this.entry(name);
    const bytes = new Uint8Array(entry.end - entry.begin);
    readFully(this.descriptor(), this.file, bytes, entry.begin);
    return bytes;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private readElements(entry: Entry, firstElement: number, count: number): Float32Array {
    const width = SAFETENSORS_DTYPES[entry.dtype];
    const position = entry.begin + firstElement * width;
    const out = new Float32Array(count);
    if (entry.dtype === 'F32') {
      // Straight into the result: no second copy of the largest tensors.
      readFully(this.descriptor(), this.file, new Uint8Array(out.buffer), position);
      return out;
    }
    if (!READABLE_DTYPES.includes(entry.dtype)) throw unreadable(this.file, entry);
    const bytes = new Uint8Array(count * width);
    readFully(this.descriptor(), this.file, bytes, position);
    toFloat32(this.file, entry, bytes, out);
    return out;
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new RpcError('invalid-checkpoint', `${this.file}: has no tensor '${name}'${nearNames(name, this.names)}`);
    return entry;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new RpcError('internal', `${this.file}: read after close`);
    return this.fd;
  }
}

/** " (tensors with the same ending: a.b.weight, ...)" to help with a prefix mismatch, or "". */
export function nearNames(name: string, names: readonly string[]): string {
  const tail = name.split('.').slice(-2).join('.');
  const near = names.filter((n) => n.endsWith(tail)).slice(0, 3);
  return near.length > 0 ? ` (tensors with the same ending: ${near.join(', ')})` : '';
}

export function openSafetensors(file: string): SafetensorsFile {
  return SafetensorsFile.open(file);
}
