/** The VGG-16 family with trainable attention gates (and Grad-CAM as the non-trainable baseline). */
import { z } from 'zod';
import { classifierFamily } from '../../imageClassifiers/classifierFamily';
import type { ClassifierKind } from '../../imageClassifiers/classifierKind';
import { loopOptions, option } from '../../training/trainOptions';
import { VggAttentionModel } from './vggAttention';
import { VGG_CHECKPOINT_LEGACY_DEFAULTS } from './vggAttentionConfig';

export const VGG_ATTENTION_FORMAT = 'vgg-attention';

/** VGG-attention as the shared classifier code builds, loads and trains it. */
export const vggAttentionClassifier: ClassifierKind = {
  format: VGG_ATTENTION_FORMAT,
  create: (config) => new VggAttentionModel(config),
  savedConfig: (saved) => ({ ...VGG_CHECKPOINT_LEGACY_DEFAULTS, ...saved }),
  training: { steps: 1000, batchSize: 32, learningRate: 2e-3 },
};

export const vggAttentionFamily = classifierFamily({
  kind: vggAttentionClassifier,
  label: 'VGG-16 with attention gates',
  summary: 'attention-gated CNN on generated scenes',
  options: z.object({
    ...loopOptions({ steps: 1000, checkpointEvery: 250, evalEvery: 500, clipNorm: 1 }),
    learningRate: option(z.number().positive(), 'peak learning rate', { aliases: ['lr'], fallback: 2e-3 }),
    imageSize: option(z.number().int().positive().max(1024), 'input side in pixels (64 or 32)', { fallback: 64 }),
    widthMultiplier: option(z.number().positive(), "share of VGG-16's channel widths", { fallback: 0.0625 }),
  }),
  modelConfig: { imageSize: 'imageSize', widthMultiplier: 'widthMultiplier' },
  describe: ({ model }) => {
    const [l3, l4] = (model as VggAttentionModel).gateLayers;
    // Its gates are maps over the image (the image panel), not layers of heads.
    return { attention: [], dModel: 0, maxLength: 0, architecture: `attention gates on ${l3} and ${l4}, guided by pool5` };
  },
});
