/**
 * Maps over an image and the attention over image tokens they come from: the plain data the image
 * panel, the pointing game and the explainers share. `patchAttentionMaps` turns a model's attention
 * over [CLS] and patches (a ViT's) into the maps the panel shows, for any rollout controls, without
 * running the model again.
 */
import { attentionRolloutRow, clsPatchMap, fuseHeads, gradientRolloutRow, patchesOfRow, type AttentionDims, type HeadFusion } from './attentionRollout';
import type { MapGrid } from './pointingGame';

export interface ImageMap {
  /** Stable id: 'rollout', 'gradient-rollout', 'cls-attention-last', 'gate-pool3', 'gate-pool4', 'gates-product', 'grad-cam'. */
  id: string;
  /** For people: 'Attention rollout (mean of heads)'. */
  label: string;
  grid: MapGrid;
  /** [rows, cols] row-major. */
  values: Float32Array;
}

/** Attention over image tokens ([CLS], then the patches row by row), as a ViT has. */
export interface PatchAttention {
  dims: AttentionDims;
  /** Patches per side; token 1 + r * grid + c is the patch at row r, column c; token 0 is [CLS]. */
  grid: number;
  patchSize: number;
  /** [L, H, T, T] (layer, head, query, key); rows sum to 1. */
  attention: Float32Array;
  /** [L, H, T, T]: d logit[explainedClass] / d attention. */
  gradients: Float32Array;
}

/** Rollout, gradient-weighted rollout and the last block's [CLS] row, from attention already computed. */
export function patchAttentionMaps(detail: PatchAttention, headFusion: HeadFusion = 'mean', discardRatio = 0): ImageMap[] {
  const { dims, grid } = detail;
  const g: MapGrid = { rows: grid, cols: grid };
  return [
    {
      id: 'rollout',
      label: `Attention rollout (${headFusion} of heads${discardRatio > 0 ? `, discard ${Math.round(discardRatio * 100)}%` : ''})`,
      grid: g,
      values: patchesOfRow(attentionRolloutRow(detail.attention, dims, { headFusion, discardRatio })),
    },
    {
      id: 'gradient-rollout',
      label: `Gradient-weighted rollout${discardRatio > 0 ? ` (discard ${Math.round(discardRatio * 100)}%)` : ''}`,
      grid: g,
      values: patchesOfRow(gradientRolloutRow(detail.attention, detail.gradients, dims, { discardRatio })),
    },
    {
      id: 'cls-attention-last',
      label: 'Last block: [CLS] attention, mean of heads',
      grid: g,
      values: clsPatchMap(fuseHeads(detail.attention, dims, dims.layers - 1, 'mean'), dims.tokens),
    },
  ];
}

/** One batch through a classifier with its maps: what the panel and the pointing game read. */
export interface ClassifierBatchExplanation {
  /** [B, K] row-major. */
  logits: Float32Array;
  /** The class each example's gradient-based maps are for. */
  classes: Int32Array;
  /** Per map type, each example's map. */
  maps: { id: string; label: string; grid: MapGrid; values: Float32Array[] }[];
  /** Models with patch attention: each example's. */
  patchAttention?: PatchAttention[];
}
