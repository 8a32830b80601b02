/** Small statistics shared by diagnostics and benchmarks. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Half the distance between the 25th and 75th percentiles (linear interpolation). */
export function spread(values: readonly number[]): { min: number; max: number; iqr: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
  };
  return { min: s[0], max: s[s.length - 1], iqr: q(0.75) - q(0.25) };
}
