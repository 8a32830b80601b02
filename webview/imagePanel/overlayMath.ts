/**
 * Pure functions behind the image panel's drawings (no DOM): which heads to show, where a click
 * lands on the patch grid, and the pixels of the image and of a map's colour overlay. Tested apart
 * from the canvas code (test/webview/imageOverlay.test.ts).
 *
 * Axis orders: per-query attention [layers, heads, patches]; maps [rows, cols] row-major;
 * the model input [size, size, 3] HWC in [0, 1]; pixels RGBA row-major.
 */
import { selectHead } from '../../protocol/heads';
import type { HeadSelector } from '../../protocol/attention';
import type { Rgb } from '../common/colormap';


/** One layer's weights over the patches for one head, or the mean / max over heads. att: [L, H, N]. */
export function headSlice(att: Float32Array, shape: readonly number[], layer: number, head: HeadSelector): Float32Array {
  const [L, H, N] = shape;
  if (shape.length !== 3 || att.length !== L * H * N) throw new Error(`attention has shape [${shape.join(', ')}] and ${att.length} values; expected [layers, heads, patches]`);
  if (!(layer >= 0 && layer < L)) throw new RangeError(`layer ${layer} is out of range 0..${L - 1}`);
  return selectHead(att, H, N, head, layer * H * N);
}

/** Largest finite value (at least a tiny positive number, so a flat-zero map does not divide by 0). */
export function mapMax(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] > m) m = values[i];
  return m > 0 ? m : 1e-12;
}

/** The index (row-major) of the largest value, or -1 for an empty map. */
export function argMax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && (best < 0 || values[i] > values[best])) best = i;
  return best;
}

/** Where a point of a square drawing of `sizePx` CSS pixels falls on a grid x grid patch grid. */
export function patchAt(sizePx: number, grid: number, x: number, y: number): { row: number; col: number; index: number } | undefined {
  if (!(sizePx > 0) || !(grid > 0) || !(x >= 0 && y >= 0 && x < sizePx && y < sizePx)) return undefined;
  const col = Math.min(grid - 1, Math.floor((x / sizePx) * grid));
  const row = Math.min(grid - 1, Math.floor((y / sizePx) * grid));
  return { row, col, index: row * grid + col };
}

/** Keyboard moves on the patch grid: arrows step one patch (stopping at the edges), Home/End jump
 * to the first/last patch. Any other key: undefined. */
export function movePatch(index: number, grid: number, key: string): number | undefined {
  const row = Math.floor(index / grid);
  const col = index % grid;
  switch (key) {
    case 'ArrowLeft':
      return row * grid + Math.max(0, col - 1);
    case 'ArrowRight':
      return row * grid + Math.min(grid - 1, col + 1);
    case 'ArrowUp':
      return Math.max(0, row - 1) * grid + col;
    case 'ArrowDown':
      return Math.min(grid - 1, row + 1) * grid + col;
    case 'Home':
      return 0;
    case 'End':
      return grid * grid - 1;
    default:
      return undefined;
  }
}

/** The ViT token of patch `index` ([CLS] is token 0), and back. */
export const patchToken = (index: number): number => index + 1;
export const tokenPatch = (token: number): number | undefined => (token > 0 ? token - 1 : undefined);

/** The model input [size, size, 3] in [0, 1] as opaque RGBA bytes. */
export function inputRgba(input: Float32Array, size: number): Uint8ClampedArray<ArrayBuffer> {
  if (input.length !== size * size * 3) throw new Error(`input has ${input.length} values; expected size*size*3 = ${size * size * 3}`);
  const out = new Uint8ClampedArray(size * size * 4);
  for (let i = 0, j = 0; i < input.length; i += 3, j += 4) {
    out[j] = Math.round(input[i] * 255);
    out[j + 1] = Math.round(input[i + 1] * 255);
    out[j + 2] = Math.round(input[i + 2] * 255);
    out[j + 3] = 255;
  }
  return out;
}

/**
 * A map's colour overlay as RGBA bytes: value / scale through the colour map, alpha = opacity.
 * NaN and negative values read as 0; values above `scale` as 1.
 */
export function overlayRgba(values: ArrayLike<number>, scale: number, opacity: number, colormap: (t: number) => Rgb): Uint8ClampedArray<ArrayBuffer> {
  const a = Math.round(Math.min(1, Math.max(0, opacity)) * 255);
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const [r, g, b] = colormap(Number.isFinite(v) && scale > 0 ? Math.max(0, v) / scale : 0);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = a;
  }
  return out;
}

/** Probability as a percentage with sensible precision ("97.3%", "1.23%", "0.04%", "<0.01%"). */
export function percent(p: number): string {
  const v = p * 100;
  if (!Number.isFinite(v)) return '?';
  if (v >= 10) return `${v.toFixed(1)}%`;
  return v >= 0.01 ? `${v.toFixed(2)}%` : '<0.01%';
}
