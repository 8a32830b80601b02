/**
 * Reductions the panel applies while drawing (no DOM). Pages are [heads, queries, keys] row-major
 * (one layer, as the engine sends them); thumbnails are [layers, heads, q, k].
 */
import type { HeadSelector } from '../../protocol/attention';
import { selectHead } from '../../protocol/heads';

/** The [queries x keys] matrix for one head, or the mean or max over heads. */
export function headMatrix(page: Float32Array, shape: readonly number[], head: HeadSelector): Float32Array {
  const [H, Q, K] = shape;
  return selectHead(page, H, Q * K, head);
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
