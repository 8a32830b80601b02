/** RGB float [height, width, 3] in [0, 1] -> an 8-bit RGB PNG (pngjs). */
import { PNG } from 'pngjs';

export function encodeRgbPng(rgb: Float32Array, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`encodeRgbPng: ${rgb.length} values for a ${width}x${height} RGB image`);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, rgb[i])) * 255);
  png.data = data;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
