/**
 * What every engine image model (ViT, VGG-attention) offers the trainer, the checkpoint code and the
 * explainers. Images enter as x [batch, size, size, 3], HWC float32 in [0, 1].
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../nn/paramStore';

export const IMAGE_MODEL_KINDS = ['vit', 'vgg-attention'] as const;
export type ImageModelKind = (typeof IMAGE_MODEL_KINDS)[number];

export interface ImageModel {
  readonly kind: ImageModelKind;
  /** Input side in pixels. */
  readonly imageSize: number;
  readonly numClasses: number;
  readonly params: ParamStore;
  /** The resolved config, stored in the checkpoint. */
  readonly config: Record<string, unknown>;
  /** Class scores [batch, numClasses]. `training` selects batch statistics where the model has any. */
  logits(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Called after each optimiser step (e.g. to update batch-norm running statistics). */
  afterTrainStep?(): void;
  dispose(): void;
}
