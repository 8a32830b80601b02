/**
 * Reductions the panel applies while drawing (no DOM). Pages are [heads, queries, keys] row-major
 * (one layer, as the engine sends them); thumbnails are [layers, heads, q, k].
 */

export type HeadChoice = number | 'mean' | 'max';

/** The [queries x keys] matrix for one head, or the mean or max over heads. */
export function headMatrix(page: Float32Array, shape: readonly number[], head: HeadChoice): Float32Array {
  const [H, Q, K] = shape;
  const size = Q * K;
  if (typeof head === 'number') {
    if (head < 0 || head >= H) throw new RangeError(`head ${head} of ${H}`);
    return page.subarray(head * size, (head + 1) * size);
  }
  const out = new Float32Array(size).fill(head === 'max' ? -Infinity : 0);
  for (let h = 0; h < H; h++) {
    const base = h * size;
    for (let i = 0; i < size; i++) out[i] = head === 'max' ? Math.max(out[i], page[base + i]) : out[i] + page[base + i] / H;
  }
  return out;
}

/** One [q x k] thumbnail out of [layers, heads, q, k]. */
export function thumbnailAt(data: Float32Array, shape: readonly number[], layer: number, head: number): Float32Array {
  const [, H, q, k] = shape;
  const size = q * k;
  const at = (layer * H + head) * size;
  return data.subarray(at, at + size);
}

/** Head-view lines worth drawing: weights at or above `minWeight`, heaviest first, at most `limit`. */
export function strongLinks(matrix: Float32Array, queries: number, keys: number, minWeight: number, limit: number): { q: number; k: number; w: number }[] {
  const out: { q: number; k: number; w: number }[] = [];
  for (let q = 0; q < queries; q++) for (let k = 0; k < keys; k++) {
    const w = matrix[q * keys + k];
    if (w >= minWeight) out.push({ q, k, w });
  }
  out.sort((a, b) => b.w - a.w);
  return out.length > limit ? out.slice(0, limit) : out;
}
