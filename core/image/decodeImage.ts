/**
 * Decodes PNG (8- and 16-bit, grey, palette, alpha) and JPEG images in plain Node (pngjs, jpeg-js),
 * with limits checked from the header before any pixel is decoded. Every failure is an RpcError
 * ('invalid-input' or 'not-found') whose message names the file and says what is wrong.
 *
 * Output: RGB float32 in [0, 1], HWC row-major ([height, width, 3]). Transparent pixels are
 * composited over white. 16-bit channels are scaled to 8 bits by pngjs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { RpcError } from '../../protocol/rpc';
import { HeaderError, readImageHeader, type ImageFormat } from './imageHeader';

export interface DecodeLimits {
  /** Largest file accepted, in bytes (default 64 MiB). */
  maxFileBytes?: number;
  /** Largest width * height accepted (default 4096 * 4096). */
  maxPixels?: number;
  /** Largest side accepted, in pixels (default 16384). */
  maxSide?: number;
}

export const DEFAULT_LIMITS: Required<DecodeLimits> = {
  maxFileBytes: 64 * 1024 * 1024,
  maxPixels: 4096 * 4096,
  maxSide: 16384,
};

export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** [height, width, 3] in [0, 1]. */
  rgb: Float32Array;
  /** Things the user should know that did not stop decoding (e.g. a 1x1 image). */
  warnings: string[];
}

function bad(name: string, what: string, detail?: string): RpcError {
  return new RpcError('invalid-input', `${name}: ${what}`, detail);
}

/** Decodes image bytes; `name` is used in messages (usually the file's base name). */
export function decodeImageBytes(bytes: Uint8Array, name: string, limits: DecodeLimits = {}): DecodedImage {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (bytes.length > lim.maxFileBytes) throw bad(name, `is ${bytes.length} bytes; images over ${lim.maxFileBytes} bytes are refused`);
  let header;
  try {
    header = readImageHeader(bytes);
  } catch (err) {
    if (err instanceof HeaderError) throw bad(name, err.message);
    throw err;
  }
  const { width, height, format } = header;
  if (width === 0 || height === 0) throw bad(name, `the ${format.toUpperCase()} header says the image is ${width}x${height}: it has no pixels`);
  if (width > lim.maxSide || height > lim.maxSide || width * height > lim.maxPixels) {
    throw bad(
      name,
      `is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels); the limit is ${(lim.maxPixels / 1e6).toFixed(1)} megapixels` +
        ` and ${lim.maxSide} pixels a side. Scale it down first.`,
    );
  }
  const warnings: string[] = [];
  if (width < 8 || height < 8) warnings.push(`${name} is only ${width}x${height}: it is upscaled to the model's input, so its maps say little`);
  let rgba: Uint8Array;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = png.data;
      if (header.bitDepth === 16) warnings.push(`${name} has 16-bit channels; they are reduced to 8 bits`);
    } else {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: lim.maxPixels / 1e6,
        maxMemoryUsageInMB: Math.ceil((lim.maxPixels * 8) / (1024 * 1024)) + 64,
      });
      if (img.width !== width || img.height !== height) throw new Error(`decoded ${img.width}x${img.height}, header said ${width}x${height}`);
      rgba = img.data;
    }
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const kind = format === 'png' ? 'PNG' : 'JPEG';
    const truncated = /unexpected end|truncat|end of|out of range|premature|buffer/i.test(message);
    throw bad(name, `${truncated ? 'truncated or corrupt' : 'corrupt'} ${kind} (${message})`, (err as Error).stack);
  }
  if (rgba.length !== width * height * 4) throw bad(name, `decoded ${rgba.length} bytes for a ${width}x${height} RGBA image`);
  // RGBA bytes -> RGB floats, composited over white.
  const rgb = new Float32Array(width * height * 3);
  let translucent = false;
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    const a = rgba[i + 3] / 255;
    if (a < 1) translucent = true;
    for (let c = 0; c < 3; c++) rgb[j + c] = (rgba[i + c] / 255) * a + (1 - a);
  }
  if (translucent) warnings.push(`${name} has transparent pixels; they are shown over white`);
  return { format, width, height, rgb, warnings };
}

/** Reads and decodes an image file, checking its size on disk before reading it. */
export async function decodeImageFile(file: string, limits: DecodeLimits = {}): Promise<DecodedImage> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const name = path.basename(file);
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RpcError('not-found', `${file}: no such image file`);
    throw bad(file, `cannot be read (${code ?? (err as Error).message})`);
  }
  if (!stat.isFile()) throw bad(file, 'is not a file');
  if (stat.size > lim.maxFileBytes) throw bad(name, `is ${stat.size} bytes; images over ${lim.maxFileBytes} bytes are refused`);
  const bytes = await fs.readFile(file);
  return decodeImageBytes(bytes, name, lim);
}
