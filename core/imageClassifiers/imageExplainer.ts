/**
 * "Predict and explain this image with this checkpoint": the one entry point the engine process,
 * the CLI and the image panel use. Loads an image model checkpoint once, then for each image file
 * (or pixels): decode with limits -> resize to the model's input -> class probabilities -> maps.
 *
 * Maps are grids over the whole model input, row-major [rows, cols]:
 * - ViT: 'rollout' (head fusion and discard ratio as asked), 'gradient-rollout', and
 *   'cls-attention-last' (last block's [CLS] row, mean of heads); plus the raw attention
 *   [L, H, T, T] and its gradients for the panel's per-layer, per-head and per-patch views.
 * - VGG-attention: 'gate-pool3', 'gate-pool4' (blocks 3 and 4's gates, each sums to 1),
 *   'gates-product' (where both agree, on block 3's grid) and 'grad-cam' (conv5_3).
 */
import * as tf from '@tensorflow/tfjs';
import { attentionRolloutRow, clsPatchMap, fuseHeads, gradientRolloutRow, patchesOfRow, type AttentionDims, type HeadFusion } from '../explain/attentionRollout';
import type { MapGrid } from '../explain/pointingGame';
import { explainVggBatch } from '../models/vggAttention/explain';
import { explainVitBatch } from '../models/vit/explain';
import { VitModel } from '../models/vit/vit';
import { VggAttentionModel } from '../models/vggAttention/vggAttention';
import { decodeImageFile, type DecodeLimits, type DecodedImage } from '../image/decodeImage';
import { loadImageModel } from './imageCheckpoint';
import type { ImageModel, ImageModelKind } from './imageModel';
import { resizeRgb } from '../image/resizeImage';

export interface ImageClassScore {
  index: number;
  name: string;
  probability: number;
}

export interface ImageMap {
  /** Stable id: 'rollout', 'gradient-rollout', 'cls-attention-last', 'gate-pool3', 'gate-pool4', 'gates-product', 'grad-cam'. */
  id: string;
  /** For people: 'Attention rollout (mean of heads)'. */
  label: string;
  grid: MapGrid;
  /** [rows, cols] row-major. */
  values: Float32Array;
}

export interface VitAttentionDetail {
  dims: AttentionDims;
  /** Patches per side; token 1 + r * grid + c is the patch at row r, column c; token 0 is [CLS]. */
  grid: number;
  patchSize: number;
  /** [L, H, T, T] (layer, head, query, key); rows sum to 1. */
  attention: Float32Array;
  /** [L, H, T, T]: d logit[explainedClass] / d attention. */
  gradients: Float32Array;
}

export interface ImageExplanation {
  modelKind: ImageModelKind;
  /** The model's input side (the maps cover this square, stretched over the original image). */
  inputSize: number;
  image: { format?: string; width: number; height: number; warnings: string[] };
  /** The resized model input [inputSize, inputSize, 3] in [0, 1]. */
  input: Float32Array;
  classNames: string[];
  probabilities: Float32Array;
  /** Classes by probability, highest first. */
  top: ImageClassScore[];
  predicted: number;
  /** The class the gradient-based maps are for (the predicted one unless asked otherwise). */
  explainedClass: number;
  maps: ImageMap[];
  vit?: VitAttentionDetail;
  milliseconds: number;
}

export interface ExplainOptions {
  /** Explain this class instead of the predicted one. */
  classIndex?: number;
  /** ViT rollout head fusion (default 'mean'). */
  headFusion?: HeadFusion;
  /** ViT rollout discard ratio in [0, 1) (default 0). */
  discardRatio?: number;
  /** How many classes in `top` (default all). */
  topK?: number;
}

function softmax(logits: Float32Array): Float32Array {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** ViT rollout maps for given controls, from attention already computed (no model run). */
export function vitRolloutMaps(detail: VitAttentionDetail, headFusion: HeadFusion = 'mean', discardRatio = 0): ImageMap[] {
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

export class ImageExplainer {
  private constructor(
    readonly model: ImageModel,
    readonly classNames: string[],
    readonly checkpoint: string,
    readonly metadata: Record<string, unknown>,
  ) {}

  /** Loads a ViT or VGG-attention checkpoint (model.json or its folder). */
  static async load(checkpoint: string): Promise<ImageExplainer> {
    const { model, classNames, metadata } = await loadImageModel(checkpoint);
    return new ImageExplainer(model, classNames, checkpoint, metadata);
  }

  static fromModel(model: ImageModel, classNames: string[]): ImageExplainer {
    return new ImageExplainer(model, classNames, '', {});
  }

  get kind(): ImageModelKind {
    return this.model.kind;
  }

  async explainFile(file: string, options: ExplainOptions = {}, limits: DecodeLimits = {}): Promise<ImageExplanation> {
    const image = await decodeImageFile(file, limits);
    return this.explainImage(image, options);
  }

  explainImage(image: Pick<DecodedImage, 'rgb' | 'width' | 'height' | 'warnings'> & { format?: string }, options: ExplainOptions = {}): ImageExplanation {
    const t0 = performance.now();
    const s = this.model.imageSize;
    const input = resizeRgb(image.rgb, image.width, image.height, s);
    const k = this.model.numClasses;
    if (options.classIndex !== undefined && !(Number.isInteger(options.classIndex) && options.classIndex >= 0 && options.classIndex < k)) {
      throw new Error(`classIndex ${options.classIndex} is not a class of this model (0..${k - 1})`);
    }
    const x = tf.tensor4d(input, [1, s, s, 3]);
    const classes = options.classIndex === undefined ? undefined : Int32Array.of(options.classIndex);
    let logits: Float32Array;
    let explained: number;
    let maps: ImageMap[];
    let vit: VitAttentionDetail | undefined;
    try {
      if (this.model instanceof VitModel) {
        const e = explainVitBatch(this.model, x, { classes });
        logits = e.logits;
        explained = e.classes[0];
        vit = { dims: e.dims, grid: e.grid, patchSize: this.model.cfg.patchSize, attention: e.attention[0], gradients: e.gradients[0] };
        maps = vitRolloutMaps(vit, options.headFusion ?? 'mean', options.discardRatio ?? 0);
      } else if (this.model instanceof VggAttentionModel) {
        const e = explainVggBatch(this.model, x, { classes });
        logits = e.logits;
        explained = e.classes[0];
        const [l3, l4] = this.model.gateLayers;
        maps = [
          { id: 'gate-pool3', label: `Attention gate on ${l3}`, grid: e.gateMaps[0].grid, values: e.gateMaps[0].maps[0] },
          { id: 'gate-pool4', label: `Attention gate on ${l4}`, grid: e.gateMaps[1].grid, values: e.gateMaps[1].maps[0] },
          { id: 'gates-product', label: `Both gates: ${l3} map x ${l4} map`, grid: e.gatesProduct.grid, values: e.gatesProduct.maps[0] },
          { id: 'grad-cam', label: 'Grad-CAM (last conv block)', grid: e.gradCam.grid, values: e.gradCam.maps[0] },
        ];
      } else {
        throw new Error(`no explanations for model kind '${(this.model as ImageModel).kind}'`);
      }
    } finally {
      x.dispose();
    }
    const probabilities = softmax(logits);
    const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
    const top = order.slice(0, options.topK ?? k).map((index) => ({ index, name: this.classNames[index] ?? String(index), probability: probabilities[index] }));
    return {
      modelKind: this.model.kind,
      inputSize: s,
      image: { format: image.format, width: image.width, height: image.height, warnings: image.warnings },
      input,
      classNames: this.classNames,
      probabilities,
      top,
      predicted: order[0],
      explainedClass: explained,
      maps,
      vit,
      milliseconds: performance.now() - t0,
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
