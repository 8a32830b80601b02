/**
 * Attention rollout (Abnar & Zuidema 2020): per layer fuse the heads into one [T, T] matrix, add the
 * identity for the residual path, renormalise rows, and multiply the layers:
 *   R = Â_L · Â_{L-1} · ... · Â_1,  Â_l = rownorm(fuse_h(A_l) + I).
 * Row 0 of R says how much each input token ([CLS] = 0, patches 1..N) flows into the final [CLS].
 *
 * A discard ratio zeroes, per layer, that share of the fused weights with the smallest values before
 * the identity is added, but never a weight in [CLS]'s row or column.
 *
 * Layout: attention [L, H, T, T] (layer, head, query, key), row-major Float32Array; results [T, T].
 * Plain JavaScript on typed arrays: deterministic and cheap next to the model (L * T^3 multiply-adds).
 */
import { reduceHeads, type HeadReduction } from '../../protocol/heads';

export const HEAD_FUSIONS = ['mean', 'max', 'min'] as const satisfies readonly HeadReduction[];
export type HeadFusion = HeadReduction;

export interface RolloutArgs {
  /** How heads are combined per layer (default 'mean'). */
  headFusion?: HeadFusion;
  /** Share in [0, 1) of each layer's weakest fused weights set to 0 (default 0). */
  discardRatio?: number;
}

export interface AttentionDims {
  layers: number;
  heads: number;
  tokens: number;
}

function checkDims(name: string, data: Float32Array, d: AttentionDims): void {
  const expected = d.layers * d.heads * d.tokens * d.tokens;
  if (data.length !== expected) {
    throw new Error(`${name} has ${data.length} values; expected layers*heads*tokens*tokens = ${d.layers}*${d.heads}*${d.tokens}*${d.tokens} = ${expected}`);
  }
}

/** One layer's heads fused into a [T, T] matrix. */
export function fuseHeads(attention: Float32Array, dims: AttentionDims, layer: number, fusion: HeadFusion): Float32Array {
  const { heads, tokens } = dims;
  const tt = tokens * tokens;
  return reduceHeads(attention, heads, tt, fusion, layer * heads * tt);
}

/** Zeroes the `ratio` share of smallest entries of m [T, T], outside row 0 and column 0, in place. */
export function discardWeakest(m: Float32Array, tokens: number, ratio: number): void {
  if (!(ratio >= 0 && ratio < 1)) throw new Error(`discardRatio must be in [0, 1) (got ${ratio})`);
  if (ratio === 0) return;
  const n = (tokens - 1) * (tokens - 1);
  const k = Math.floor(ratio * n);
  if (k === 0) return;
  // The k-th smallest eligible value by a native numeric sort; ties at it are dropped in index order.
  const values = new Float32Array(n);
  let w = 0;
  for (let i = 1; i < tokens; i++) for (let j = 1; j < tokens; j++) values[w++] = m[i * tokens + j];
  values.sort();
  const threshold = values[k - 1];
  let below = 0;
  for (let i = 0; i < k; i++) if (values[i] < threshold) below++;
  let tiesToDrop = k - below;
  for (let i = 1; i < tokens; i++) {
    for (let j = 1; j < tokens; j++) {
      const idx = i * tokens + j;
      if (m[idx] < threshold) m[idx] = 0;
      else if (m[idx] === threshold && tiesToDrop > 0) {
        m[idx] = 0;
        tiesToDrop--;
      }
    }
  }
}

/** rownorm(m + I), in place. */
function addIdentityAndNormalise(m: Float32Array, tokens: number): void {
  for (let i = 0; i < tokens; i++) {
    const row = i * tokens;
    m[row + i] += 1;
    let sum = 0;
    for (let j = 0; j < tokens; j++) sum += m[row + j];
    for (let j = 0; j < tokens; j++) m[row + j] /= sum;
  }
}

/** c = a · b for [T, T] matrices. */
function matMulSquare(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const c = new Float32Array(t * t);
  for (let i = 0; i < t; i++) {
    const ci = i * t;
    for (let k = 0; k < t; k++) {
      const aik = a[ci + k];
      if (aik === 0) continue;
      const bk = k * t;
      for (let j = 0; j < t; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

/** Each layer's matrix after the discard and rownorm(m + I), first layer first (copies). */
function prepareLayers(layerMatrices: readonly Float32Array[], tokens: number, discardRatio: number): Float32Array[] {
  if (layerMatrices.length === 0) throw new Error('rollout needs at least one layer');
  return layerMatrices.map((src, l) => {
    if (src.length !== tokens * tokens) throw new Error(`layer ${l} matrix has ${src.length} values; expected ${tokens}*${tokens}`);
    const m = Float32Array.from(src);
    discardWeakest(m, tokens, discardRatio);
    addIdentityAndNormalise(m, tokens);
    return m;
  });
}

/** Rollout of already fused per-layer matrices (first layer first), each [T, T]; returns [T, T]. */
export function rolloutLayers(layerMatrices: readonly Float32Array[], tokens: number, discardRatio = 0): Float32Array {
  const layers = prepareLayers(layerMatrices, tokens, discardRatio);
  let joint = layers[0];
  for (let l = 1; l < layers.length; l++) joint = matMulSquare(layers[l], joint, tokens);
  return joint;
}

/** One row of the rollout ([CLS]'s by default), [T]: e_row^T Â_L ... Â_1 as vector-matrix products,
 * O(L T^2) instead of O(L T^3). Equals row `row` of rolloutLayers. */
export function rolloutLayersRow(layerMatrices: readonly Float32Array[], tokens: number, discardRatio = 0, row = 0): Float32Array {
  const layers = prepareLayers(layerMatrices, tokens, discardRatio);
  let v = new Float32Array(tokens);
  v[row] = 1;
  for (let l = layers.length - 1; l >= 0; l--) {
    const m = layers[l];
    const next = new Float32Array(tokens);
    for (let k = 0; k < tokens; k++) {
      const vk = v[k];
      if (vk === 0) continue;
      const off = k * tokens;
      for (let j = 0; j < tokens; j++) next[j] += vk * m[off + j];
    }
    v = next;
  }
  return v;
}

/** Attention rollout of one example's attention [L, H, T, T]; returns [T, T]. */
export function attentionRollout(attention: Float32Array, dims: AttentionDims, args: RolloutArgs = {}): Float32Array {
  checkDims('attention', attention, dims);
  const fusion = args.headFusion ?? 'mean';
  const layers = Array.from({ length: dims.layers }, (_, l) => fuseHeads(attention, dims, l, fusion));
  return rolloutLayers(layers, dims.tokens, args.discardRatio ?? 0);
}

/** Row `row` ([CLS] by default) of attentionRollout, [T], computed in O(L T^2). */
export function attentionRolloutRow(attention: Float32Array, dims: AttentionDims, args: RolloutArgs = {}, row = 0): Float32Array {
  checkDims('attention', attention, dims);
  const fusion = args.headFusion ?? 'mean';
  const layers = Array.from({ length: dims.layers }, (_, l) => fuseHeads(attention, dims, l, fusion));
  return rolloutLayersRow(layers, dims.tokens, args.discardRatio ?? 0, row);
}

/**
 * Gradient-weighted rollout (after Chefer et al. 2021): per layer, the mean over heads of the
 * positive part of A * dy_c/dA, then the same rollout. `gradients` has attention's layout.
 */
export function gradientRollout(attention: Float32Array, gradients: Float32Array, dims: AttentionDims, args: Omit<RolloutArgs, 'headFusion'> = {}): Float32Array {
  return rolloutLayers(gradientWeightedLayers(attention, gradients, dims), dims.tokens, args.discardRatio ?? 0);
}

/** Row `row` ([CLS] by default) of gradientRollout, [T], in O(L T^2). */
export function gradientRolloutRow(attention: Float32Array, gradients: Float32Array, dims: AttentionDims, args: Omit<RolloutArgs, 'headFusion'> = {}, row = 0): Float32Array {
  return rolloutLayersRow(gradientWeightedLayers(attention, gradients, dims), dims.tokens, args.discardRatio ?? 0, row);
}

/** Per layer, the mean over heads of ReLU(A * dy/dA), [T, T]. */
function gradientWeightedLayers(attention: Float32Array, gradients: Float32Array, dims: AttentionDims): Float32Array[] {
  checkDims('attention', attention, dims);
  checkDims('gradients', gradients, dims);
  const { layers, heads, tokens } = dims;
  const tt = tokens * tokens;
  const mats: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const m = new Float32Array(tt);
    for (let h = 0; h < heads; h++) {
      const off = (l * heads + h) * tt;
      for (let i = 0; i < tt; i++) {
        const v = attention[off + i] * gradients[off + i];
        if (v > 0) m[i] += v / heads;
      }
    }
    mats.push(m);
  }
  return mats;
}

/** A [T] row without its [CLS] entry: a map over the N = grid^2 patches. */
export function patchesOfRow(row: Float32Array): Float32Array {
  return row.slice(1);
}

/** The [CLS] row of a [T, T] matrix without [CLS] itself: a map over the N = grid^2 patches. */
export function clsPatchMap(matrix: Float32Array, tokens: number): Float32Array {
  return matrix.slice(1, tokens);
}
