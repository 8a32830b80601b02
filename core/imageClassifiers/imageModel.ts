/**
 * What an image classifier family (ViT, VGG-attention) gives the shared classifier code: training on
 * the scenes, checkpoints, the explainer and the pointing game. Images enter as x [batch, size, size,
 * 3], HWC float32 in [0, 1]. Each model explains itself (its maps, its attention statistics), so the
 * shared code never asks which model it holds.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AttentionStat } from '../../protocol/runFolder/format';
import type { HeadFusion } from '../explain/attentionRollout';
import type { ClassifierBatchExplanation } from '../explain/imageMaps';
import type { ParamStore } from '../nn/paramStore';

export interface ClassifierExplainArgs {
  /** Class per example for the gradient-based maps; default: the predicted class. */
  classes?: Int32Array;
  /** 'panel': the maps the image panel shows (for the rollout controls below); 'evaluation': the
   * maps the pointing game scores. */
  purpose: 'panel' | 'evaluation';
  headFusion?: HeadFusion;
  discardRatio?: number;
}

export interface ImageModel {
  /** Its checkpoint format. */
  readonly kind: string;
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
  /** A batch with the maps that explain it. */
  explainBatch(x: tf.Tensor4D, args: ClassifierExplainArgs): ClassifierBatchExplanation;
  /** Per layer and head (or gate) statistics over a batch, for the metrics file. */
  attentionStats(x: tf.Tensor4D): AttentionStat[];
  dispose(): void;
}
