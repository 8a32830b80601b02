/**
 * Pure colour functions for attention drawings (no DOM): tested apart from the canvas code.
 * Weights are shown with a perceptually uniform sequential map (viridis), readable in light, dark
 * and high-contrast themes alike; heads get distinct hues.
 */

export type Rgb = [number, number, number];

/** Viridis at 9 stops (from matplotlib's published table); linear interpolation between them. */
const VIRIDIS: Rgb[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [253, 231, 37],
];

/** t in [0, 1] (clamped; NaN reads as 0) to an RGB colour. */
export function viridis(t: number): Rgb {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = x * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  const f = pos - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as Rgb;
}

/** The colour scale's upper end: 1 for probabilities, or the largest value when `relative`. */
export function scaleMax(values: ArrayLike<number>, relative: boolean): number {
  if (!relative) return 1;
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] > m) m = values[i];
  return m > 0 ? m : 1;
}

/** A distinct hue per head, evenly spread; saturation and lightness chosen to read on any theme. */
export function headColor(head: number, heads: number): string {
  const hue = Math.round((360 * head) / Math.max(1, heads) + 200) % 360;
  return `hsl(${hue}, 70%, 55%)`;
}

export function rgbCss([r, g, b]: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
