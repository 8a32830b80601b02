/**
 * What one image classifier family gives the shared classifier code (checkpoints, training on the
 * scenes, the explainer, its ModelFamily): how to build its model, how it trains by default, and
 * what it adds to the editor (patch attention for the attention panel).
 */
import type { AttentionCapture } from '../models/modelFamily';
import type { ImageModel } from './imageModel';

export interface ClassifierKind {
  /** Its checkpoint format, as ImageModel.kind. */
  readonly format: string;
  /** A fresh (untrained) model from a config; missing fields take the model's defaults. */
  create(config: Record<string, unknown>): ImageModel;
  /** A checkpoint's saved config as `create` takes it (older checkpoints lack newer fields). */
  savedConfig?(saved: Record<string, unknown>): Record<string, unknown>;
  /** The default training on the scenes task (the demo checkpoints use these). */
  readonly training: { steps: number; batchSize: number; learningRate: number };
  /** Models with patch attention: the grid the image panel's per-patch views use. */
  patchAttention?(model: ImageModel): { layers: number; heads: number; tokens: number; grid: number; patchSize: number };
  /** Models with patch attention: every map of one image ([1, S, S, 3] pixels) for the attention panel. */
  capture?(model: ImageModel, pixels: Float32Array, classNames: readonly string[]): AttentionCapture;
}
