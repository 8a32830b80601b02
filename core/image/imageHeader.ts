/**
 * Reads an image's format and size from its first bytes, before any decoding, so a huge or bogus
 * file is refused cheaply. The format comes from the bytes (magic numbers), never from the name.
 */
export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** PNG only: bits per channel (1, 2, 4, 8, 16). */
  bitDepth?: number;
  /** PNG only: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colourType?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Why a file is not an image we can read, in words (undefined when it looks like PNG or JPEG). */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** A short description of what the bytes look like instead, for error messages. */
export function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = bytes.subarray(0, 64);
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)) printable++;
  if (printable === head.length) {
    const text = Buffer.from(head).toString('latin1').replace(/\s+/g, ' ').trim();
    return `it looks like text ("${text.slice(0, 30)}${text.length > 30 ? '...' : ''}")`;
  }
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'it is a GIF, which is not supported';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'it is a BMP, which is not supported';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46) return 'it is a RIFF file (WebP?), which is not supported';
  return `it starts with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/** Thrown with a reason; the caller adds the file name. */
export class HeaderError extends Error {}

function readPngHeader(bytes: Uint8Array): ImageHeader {
  // Signature (8), then the IHDR chunk: length (4) = 13, type (4) = 'IHDR', width (4), height (4),
  // bit depth (1), colour type (1), compression, filter, interlace.
  if (bytes.length < 33) throw new HeaderError(`truncated PNG: ${bytes.length} bytes, too short to hold the IHDR header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== 'IHDR') throw new HeaderError(`corrupt PNG: the first chunk is '${type}', not 'IHDR'`);
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24], colourType: bytes[25] };
}

/** Start-of-frame markers carry the size: SOF0-3, 5-7, 9-11, 13-15 (not DHT C4, JPG C8, DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpegHeader(bytes: Uint8Array): ImageHeader {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) throw new HeaderError(`corrupt JPEG: expected a marker at byte ${i}`);
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2) throw new HeaderError(`corrupt JPEG: segment length ${length} at byte ${i}`);
    if (isStartOfFrame(marker)) {
      if (i + 9 > bytes.length) break;
      const height = (bytes[i + 5] << 8) | bytes[i + 6];
      const width = (bytes[i + 7] << 8) | bytes[i + 8];
      return { format: 'jpeg', width, height };
    }
    i += 2 + length;
  }
  throw new HeaderError('truncated or corrupt JPEG: no frame header (SOF) with the image size was found');
}

export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffFormat(bytes);
  if (format === 'png') return readPngHeader(bytes);
  if (format === 'jpeg') return readJpegHeader(bytes);
  throw new HeaderError(`not a PNG or JPEG image: ${describeContent(bytes)}`);
}
