/**
 * Heads reduced to one: the mean, max or min over a layer's heads, or one head. The engine (hover
 * rows, rollout's head fusion) and the panels (head views, image overlays) reduce the same way, so
 * what a hover lists is what the panel draws. Pure math on the contract's row-major arrays.
 */
import type { HeadSelector } from './attention';

export type HeadReduction = 'mean' | 'max' | 'min';

/**
 * `heads` blocks of `size` values, the first at `offset` and each `stride` after the last, reduced
 * to one block (a copy): for [H, N] data, offset 0 and stride N; for one row across heads of
 * [H, Q, K], the row's offset and stride Q * K.
 */
export function reduceHeads(data: ArrayLike<number>, heads: number, size: number, reduction: HeadReduction, offset = 0, stride = size): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = data[offset + i];
  for (let h = 1; h < heads; h++) {
    const at = offset + h * stride;
    if (reduction === 'mean') for (let i = 0; i < size; i++) out[i] += data[at + i];
    else if (reduction === 'max') for (let i = 0; i < size; i++) out[i] = Math.max(out[i], data[at + i]);
    else for (let i = 0; i < size; i++) out[i] = Math.min(out[i], data[at + i]);
  }
  if (reduction === 'mean') for (let i = 0; i < size; i++) out[i] /= heads;
  return out;
}

/** One head's block, or the reduction over heads that `head` names. */
export function selectHead(data: Float32Array, heads: number, size: number, head: HeadSelector, offset = 0, stride = size): Float32Array {
  if (typeof head !== 'number') return reduceHeads(data, heads, size, head, offset, stride);
  if (!(head >= 0 && head < heads)) throw new RangeError(`head ${head} is out of range 0..${heads - 1}`);
  return data.slice(offset + head * stride, offset + head * stride + size);
}
