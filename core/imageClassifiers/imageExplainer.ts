/**
 * "Predict and explain this image with this classifier": the one entry point the engine process,
 * the CLI and the image panel use. For each image file (or pixels): decode with limits -> resize to
 * the model's input -> class probabilities -> the model's own maps (grids over the whole input,
 * row-major [rows, cols]) and, for models with patch attention, that attention [L, H, T, T] and its
 * gradients for the panel's per-layer, per-head and per-patch views.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageMap } from '../explain/imageMaps';
import { decodeImageFile, type DecodeLimits, type DecodedImage } from '../image/decodeImage';
import { resizeRgb } from '../image/resizeImage';
import type { ClassifierKind } from './classifierKind';
import { loadImageModel } from './imageCheckpoint';
import type { ImageModel } from './imageModel';
import type { ExplainOptions, ImageClassScore, PixelExplanation } from '../models/modelFamily';

export interface ImageExplanation extends PixelExplanation {
  modelKind: string;
  /** The model's input side (the maps cover this square, stretched over the original image). */
  inputSize: number;
  image: { format?: string; width: number; height: number; warnings: string[] };
  /** The resized model input [inputSize, inputSize, 3] in [0, 1]. */
  input: Float32Array;
  classNames: string[];
  milliseconds: number;
}

function softmax(logits: Float32Array): Float32Array {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export class ImageExplainer {
  private constructor(
    readonly model: ImageModel,
    readonly classNames: string[],
    readonly checkpoint: string,
    readonly metadata: Record<string, unknown>,
  ) {}

  /** Loads a checkpoint of classifier `kind` (model.json or its folder). */
  static async load(checkpoint: string, kind: ClassifierKind): Promise<ImageExplainer> {
    const { model, classNames, metadata } = await loadImageModel(checkpoint, kind);
    return new ImageExplainer(model, classNames, checkpoint, metadata);
  }

  static fromModel(model: ImageModel, classNames: string[]): ImageExplainer {
    return new ImageExplainer(model, classNames, '', {});
  }

  async explainFile(file: string, options: ExplainOptions & { topK?: number } = {}, limits: DecodeLimits = {}): Promise<ImageExplanation> {
    const image = await decodeImageFile(file, limits);
    return this.explainImage(image, options);
  }

  explainImage(image: Pick<DecodedImage, 'rgb' | 'width' | 'height' | 'warnings'> & { format?: string }, options: ExplainOptions & { topK?: number } = {}): ImageExplanation {
    const t0 = performance.now();
    const s = this.model.imageSize;
    const input = resizeRgb(image.rgb, image.width, image.height, s);
    return {
      modelKind: this.model.kind,
      inputSize: s,
      image: { format: image.format, width: image.width, height: image.height, warnings: image.warnings },
      input,
      classNames: this.classNames,
      ...this.explainPixels(input, options),
      milliseconds: performance.now() - t0,
    };
  }

  /** pixels: [imageSize, imageSize, 3] in [0, 1], already resized. */
  explainPixels(pixels: Float32Array, options: ExplainOptions & { topK?: number } = {}): PixelExplanation {
    const s = this.model.imageSize;
    const k = this.model.numClasses;
    if (options.classIndex !== undefined && !(Number.isInteger(options.classIndex) && options.classIndex >= 0 && options.classIndex < k)) {
      throw new Error(`classIndex ${options.classIndex} is not a class of this model (0..${k - 1})`);
    }
    const x = tf.tensor4d(pixels, [1, s, s, 3]);
    const classes = options.classIndex === undefined ? undefined : Int32Array.of(options.classIndex);
    let e;
    try {
      e = this.model.explainBatch(x, { classes, purpose: 'panel', headFusion: options.headFusion, discardRatio: options.discardRatio });
    } finally {
      x.dispose();
    }
    const maps: ImageMap[] = e.maps.map((m) => ({ id: m.id, label: m.label, grid: m.grid, values: m.values[0] }));
    const probabilities = softmax(e.logits);
    const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
    const top: ImageClassScore[] = order.slice(0, options.topK ?? k).map((index) => ({ index, name: this.classNames[index] ?? String(index), probability: probabilities[index] }));
    return { probabilities, top, predicted: order[0], explainedClass: e.classes[0], maps, ...(e.patchAttention ? { patchAttention: e.patchAttention[0] } : {}) };
  }

  dispose(): void {
    this.model.dispose();
  }
}
