/**
 * Resizes an RGB image (HWC float32) to a square model input, stretching to fill (no crop, so every
 * part of the image is seen). Each axis is resampled separately: area averaging when shrinking
 * (no aliasing), linear interpolation between pixel centres when growing.
 */

/** Weights for one axis: for each output index, the source indices and weights (summing to 1). */
function axisWeights(inSize: number, outSize: number): { idx: number[]; w: number[] }[] {
  const out: { idx: number[]; w: number[] }[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (scale > 1) {
      // Area: the output cell covers [o * scale, (o + 1) * scale) of the input.
      const lo = o * scale;
      const hi = lo + scale;
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = Math.floor(lo); i < Math.ceil(hi); i++) {
        const cover = Math.min(hi, i + 1) - Math.max(lo, i);
        if (cover > 0) {
          idx.push(i);
          w.push(cover / scale);
        }
      }
      out.push({ idx, w });
    } else {
      const x = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const i0 = Math.floor(x);
      const i1 = Math.min(inSize - 1, i0 + 1);
      const f = x - i0;
      out.push(i1 === i0 ? { idx: [i0], w: [1] } : { idx: [i0, i1], w: [1 - f, f] });
    }
  }
  return out;
}

export function resizeRgb(rgb: Float32Array, width: number, height: number, outWidth: number, outHeight = outWidth): Float32Array {
  if (rgb.length !== width * height * 3) throw new Error(`resizeRgb: ${rgb.length} values for a ${width}x${height} RGB image`);
  if (width === outWidth && height === outHeight) return Float32Array.from(rgb);
  const wx = axisWeights(width, outWidth);
  const wy = axisWeights(height, outHeight);
  // Rows first: [height, outWidth, 3].
  const tmp = new Float32Array(height * outWidth * 3);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < outWidth; ox++) {
      const { idx, w } = wx[ox];
      const o = (y * outWidth + ox) * 3;
      for (let k = 0; k < idx.length; k++) {
        const s = (y * width + idx[k]) * 3;
        tmp[o] += rgb[s] * w[k];
        tmp[o + 1] += rgb[s + 1] * w[k];
        tmp[o + 2] += rgb[s + 2] * w[k];
      }
    }
  }
  const out = new Float32Array(outHeight * outWidth * 3);
  for (let oy = 0; oy < outHeight; oy++) {
    const { idx, w } = wy[oy];
    for (let k = 0; k < idx.length; k++) {
      const srcRow = idx[k] * outWidth * 3;
      const dstRow = oy * outWidth * 3;
      for (let i = 0; i < outWidth * 3; i++) out[dstRow + i] += tmp[srcRow + i] * w[k];
    }
  }
  return out;
}
