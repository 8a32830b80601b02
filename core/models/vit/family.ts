/** The ViT family (Dosovitskiy et al. 2021): rollout and gradient rollout in the image panel, and
 * every head of every block in the attention panel. */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { classifierFamily } from '../../imageClassifiers/classifierFamily';
import type { ClassifierKind } from '../../imageClassifiers/classifierKind';
import type { ImageModel } from '../../imageClassifiers/imageModel';
import { loopOptions, option } from '../../training/trainOptions';
import type { AttentionCapture } from '../modelFamily';
import { VitModel } from './vit';
import { vitGrid } from './vitConfig';

export const VIT_FORMAT = 'vit';

/** Labels of the image tokens: [CLS], then each patch by its row and column. */
export function imageTokenLabels(grid: number): string[] {
  return ['[CLS]', ...Array.from({ length: grid * grid }, (_, i) => `r${Math.floor(i / grid)}c${i % grid}`)];
}

/** Every block's attention over one image, as the attention panel shows text models'. */
function captureVit(model: ImageModel, pixels: Float32Array, classNames: readonly string[]): AttentionCapture {
  const vit = model as VitModel;
  const s = vit.imageSize;
  const x = tf.tensor4d(pixels, [1, s, s, 3]);
  const out = vit.forward(x, { captureAttention: true });
  x.dispose();
  try {
    const [, H, T] = out.attention[0].shape;
    const data = new Float32Array(out.attention.length * H * T * T);
    out.attention.forEach((a, l) => data.set(a.dataSync() as Float32Array, l * H * T * T));
    const probs = tf.tidy(() => tf.softmax(out.logits).dataSync() as Float32Array);
    const cls = probs.indexOf(Math.max(...probs));
    const labels = imageTokenLabels(vit.grid);
    const name = classNames[cls] ?? String(cls);
    return {
      decoderInput: { ids: [], labels: [] },
      predicted: { ids: [cls], labels: [name], probs: [probs[cls]], text: name },
      target: '',
      maps: [{ kind: 'encoder-self', shape: [out.attention.length, H, T, T], dtype: 'float32', data, queryLabels: labels, keyLabels: labels }],
    };
  } finally {
    tf.dispose([out.logits, ...out.attention]);
  }
}

/** The ViT as the shared classifier code builds, loads and trains it. */
export const vitClassifier: ClassifierKind = {
  format: VIT_FORMAT,
  create: (config) => new VitModel(config),
  training: { steps: 2000, batchSize: 32, learningRate: 1.5e-3 },
  patchAttention: (model) => {
    const { cfg, tokens } = model as VitModel;
    return { layers: cfg.depth, heads: cfg.heads, tokens, grid: vitGrid(cfg), patchSize: cfg.patchSize };
  },
  capture: captureVit,
};

const int = (max: number) => z.number().int().positive().max(max);

export const vitFamily = classifierFamily({
  kind: vitClassifier,
  label: 'ViT',
  summary: 'vision transformer on generated scenes (attention rollout)',
  options: z.object({
    ...loopOptions({ steps: 2000, checkpointEvery: 250, evalEvery: 500, clipNorm: 1 }),
    learningRate: option(z.number().positive(), 'peak learning rate', { aliases: ['lr'], fallback: 1.5e-3 }),
    imageSize: option(int(1024), 'input side in pixels (64 or 32)', { fallback: 64 }),
    patchSize: option(int(256), 'patch side in pixels', { fallback: 8 }),
    layers: option(int(64), 'encoder blocks', { fallback: 4 }),
    dModel: option(int(8192), 'token width', { fallback: 64 }),
    heads: option(int(128), 'attention heads', { fallback: 4 }),
    dFF: option(int(65536), 'MLP width', { fallback: 128 }),
  }),
  modelConfig: { imageSize: 'imageSize', patchSize: 'patchSize', layers: 'depth', dModel: 'dim', heads: 'heads', dFF: 'mlpDim' },
  describe: ({ model }) => {
    const { cfg, tokens, grid } = model as VitModel;
    return {
      attention: [{ kind: 'encoder-self', layers: cfg.depth, heads: cfg.heads, queries: 'image', keys: 'image', structure: 'heads', queryKey: false, ablation: false }],
      dModel: cfg.dim,
      maxLength: tokens,
      architecture: `${grid}x${grid} patches of ${cfg.patchSize} px, ${cfg.depth} blocks`,
    };
  },
});
