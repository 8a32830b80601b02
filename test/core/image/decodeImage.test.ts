/**
 * Bad and unusual images: each decodes or fails with a clear 'invalid-input' message naming the file,
 * and none is decoded past the header when it is too large.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { RpcError } from '../../../protocol/rpc';
import { decodeImageBytes, decodeImageFile } from '../../../core/image/decodeImage';
import { readImageHeader } from '../../../core/image/imageHeader';
import { resizeRgb } from '../../../core/image/resizeImage';

function png(width: number, height: number, options: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16; fill?: (x: number, y: number) => number[] } = {}): Buffer {
  const colorType = options.colorType ?? 6;
  const bitDepth = options.bitDepth ?? 8;
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const p = new PNG({ width, height, bitDepth, colorType, inputColorType: colorType, inputHasAlpha: colorType === 4 || colorType === 6 });
  const bytesPer = bitDepth / 8;
  const data = Buffer.alloc(width * height * channels * bytesPer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = options.fill?.(x, y) ?? new Array(channels).fill(bitDepth === 16 ? 65535 : 255);
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        if (bitDepth === 16) data.writeUInt16LE(v[c], i * 2);
        else data[i] = v[c];
      }
    }
  }
  p.data = data;
  return PNG.sync.write(p, { bitDepth, colorType, inputColorType: colorType, inputHasAlpha: colorType === 4 || colorType === 6 });
}

/** A PNG whose header claims width x height, followed by nothing: never decodable. */
function hugePngHeader(width: number, height: number): Buffer {
  const small = png(2, 2);
  small.writeUInt32BE(width, 16);
  small.writeUInt32BE(height, 20);
  return small;
}

function invalidInput(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
    assert.equal(err.code, 'invalid-input');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('image decoding', () => {
  it('reads PNG and JPEG sizes from the header', () => {
    assert.deepEqual(readImageHeader(png(5, 3)), { format: 'png', width: 5, height: 3, bitDepth: 8, colourType: 6 });
    const j = jpeg.encode({ data: Buffer.alloc(7 * 4 * 4, 200), width: 7, height: 4 }, 90).data;
    assert.deepEqual(readImageHeader(j), { format: 'jpeg', width: 7, height: 4 });
  });

  const bad: { name: string; file: string; bytes: () => Uint8Array; message: RegExp }[] = [
    { name: 'a text file named .png', file: 'notes.png', bytes: () => Buffer.from('hello, this is not a picture\n'), message: /^notes\.png: not a PNG or JPEG image: it looks like text \("hello, this is not a picture"\)/ },
    { name: 'an empty file', file: 'empty.png', bytes: () => new Uint8Array(0), message: /^empty\.png: not a PNG or JPEG image: the file is empty/ },
    { name: 'a truncated PNG (header only)', file: 'cut.png', bytes: () => png(16, 16).subarray(0, 20), message: /^cut\.png: truncated PNG/ },
    { name: 'a truncated PNG (half its data)', file: 'half.png', bytes: () => { const b = png(32, 32, { fill: (x, y) => [x * 8, y * 8, 0, 255] }); return b.subarray(0, Math.floor(b.length / 2)); }, message: /^half\.png: (truncated or )?corrupt PNG/ },
    { name: 'a 10000x10000 PNG', file: 'huge.png', bytes: () => hugePngHeader(10000, 10000), message: /^huge\.png: is 10000x10000 \(100\.0 megapixels\); the limit is 16\.8 megapixels/ },
    { name: 'a PNG claiming 0x5 pixels', file: 'zero.png', bytes: () => hugePngHeader(0, 5), message: /^zero\.png: the PNG header says the image is 0x5: it has no pixels/ },
    { name: 'a truncated JPEG', file: 'cut.jpg', bytes: () => jpeg.encode({ data: Buffer.alloc(16 * 16 * 4, 90), width: 16, height: 16 }, 90).data.subarray(0, 100), message: /^cut\.jpg: (truncated or corrupt JPEG|.*corrupt JPEG)/ },
    { name: 'a GIF', file: 'anim.png', bytes: () => Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1'), message: /^anim\.png: not a PNG or JPEG image: it is a GIF/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with a clear message`, () => {
      assert.throws(() => decodeImageBytes(c.bytes(), c.file), invalidInput(c.message));
    });
  }

  it('refuses a huge image from its header without decoding (fast)', () => {
    const t0 = performance.now();
    assert.throws(() => decodeImageBytes(hugePngHeader(10000, 10000), 'huge.png'), invalidInput(/megapixels/));
    assert.ok(performance.now() - t0 < 50);
  });

  const good: { name: string; bytes: () => Uint8Array; width: number; height: number; pixel0: number[]; warning?: RegExp }[] = [
    { name: '8-bit RGBA', bytes: () => png(4, 3, { fill: () => [255, 0, 0, 255] }), width: 4, height: 3, pixel0: [1, 0, 0] },
    { name: 'grayscale', bytes: () => png(8, 8, { colorType: 0, fill: () => [51] }), width: 8, height: 8, pixel0: [0.2, 0.2, 0.2] },
    { name: 'grayscale + alpha (transparent over white)', bytes: () => png(8, 8, { colorType: 4, fill: () => [0, 0] }), width: 8, height: 8, pixel0: [1, 1, 1], warning: /transparent pixels/ },
    { name: 'half-transparent RGBA', bytes: () => png(8, 8, { fill: () => [0, 0, 0, 255 * 0.5] }), width: 8, height: 8, pixel0: [0.5, 0.5, 0.5], warning: /transparent/ },
    { name: '16-bit RGB', bytes: () => png(8, 8, { colorType: 2, bitDepth: 16, fill: () => [65535, 32896, 0] }), width: 8, height: 8, pixel0: [1, 128 / 255, 0], warning: /16-bit/ },
    { name: 'a 1x1 image (works, with a warning)', bytes: () => png(1, 1, { fill: () => [0, 255, 0, 255] }), width: 1, height: 1, pixel0: [0, 1, 0], warning: /only 1x1/ },
    { name: 'a JPEG', bytes: () => jpeg.encode({ data: Buffer.alloc(16 * 16 * 4, 200), width: 16, height: 16 }, 95).data, width: 16, height: 16, pixel0: [200 / 255, 200 / 255, 200 / 255] },
  ];
  for (const c of good) {
    it(`decodes ${c.name}`, () => {
      const img = decodeImageBytes(c.bytes(), 'x.png');
      assert.equal(img.width, c.width);
      assert.equal(img.height, c.height);
      assert.equal(img.rgb.length, c.width * c.height * 3);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(img.rgb[k] - c.pixel0[k]) < 0.02, `channel ${k}: ${img.rgb[k]} vs ${c.pixel0[k]}`);
      if (c.warning) assert.ok(img.warnings.some((w) => c.warning!.test(w)), `warnings: ${img.warnings}`);
      // Every decoded image resizes to a model input.
      const input = resizeRgb(img.rgb, img.width, img.height, 64);
      assert.equal(input.length, 64 * 64 * 3);
      assert.ok(input.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
    });
  }

  it('files: a missing file is not-found; the size on disk is checked before reading', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'decode-'));
    try {
      await assert.rejects(decodeImageFile(path.join(dir, 'nope.png')), (e: unknown) => e instanceof RpcError && e.code === 'not-found');
      const big = path.join(dir, 'big.png');
      writeFileSync(big, Buffer.alloc(2048));
      await assert.rejects(decodeImageFile(big, { maxFileBytes: 1024 }), invalidInput(/big\.png: is 2048 bytes; images over 1024 bytes are refused/));
      const ok = path.join(dir, 'ok.png');
      writeFileSync(ok, png(3, 3));
      assert.equal((await decodeImageFile(ok)).width, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resizing', () => {
  it('keeps a flat image flat and averages when halving', () => {
    const flat = new Float32Array(10 * 6 * 3).fill(0.25);
    assert.ok(resizeRgb(flat, 10, 6, 64).every((v) => Math.abs(v - 0.25) < 1e-6));
    // 2x2 -> 1x1 averages all four pixels.
    const px = Float32Array.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(resizeRgb(px, 2, 2, 1)), [0.5, 0.5, 0.5]);
    // 4 -> 2 columns: area averaging of pairs.
    const row = Float32Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(resizeRgb(row, 4, 1, 2, 1)), [0.5, 0.5, 0.5, 1, 1, 1]);
  });
});
