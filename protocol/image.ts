/**
 * Image attention between the host and the engine. One axis order everywhere: ViT attention is
 * [layers, heads, queries, keys] with token 0 = [CLS] and token 1 + r * grid + c = the patch at row r,
 * column c; maps are [rows, cols] row-major over the model's (square) input.
 *
 * An explanation's full attention stays in the engine: the result carries what the panel draws first
 * ([CLS] rows, [L, H, T]) and one patch's rows are fetched as a page when the user clicks it, because a
 * 12-layer, 12-head, 197-token ViT holds 5.6 M weights (and as many gradients) per image.
 */
import { z } from 'zod';
import { ModelSpec } from './attention';
import type { RequestSchemas } from './rpc';
import { TensorPayload } from './tensor';

const Index = z.number().int().nonnegative();

export const CaptionAttention = z.enum(['soft', 'hard']);

export const HeadFusion = z.enum(['mean', 'max', 'min']);
export type HeadFusion = z.infer<typeof HeadFusion>;

/** Share of each layer's weakest fused weights dropped before rollout ([CLS]'s are never dropped). */
export const DiscardRatio = z.number().min(0).max(0.99);

/** Image files the panel accepts (what the decoder reads). */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg'] as const;

export const ImageModelDescription = z.object({
  spec: ModelSpec,
  /** Short name: the demo or folder name. */
  label: z.string(),
  /** The checkpoint's format, which names its family ('vit', 'vgg-attention', 'captioner', ...). */
  kind: z.string(),
  /** The model's input side in pixels (maps cover this square). */
  inputSize: Index,
  classNames: z.array(z.string()),
  /** Models that attend over image tokens ([CLS] then the patches, as a ViT): what the per-layer,
   * per-head and per-patch views and the rollout controls need. */
  patchAttention: z.object({ layers: Index, heads: Index, tokens: Index, grid: Index, patchSize: Index }).optional(),
  /** Captioner only: its attention and the side of its map grid (classNames is then empty). */
  captioner: z.object({ attention: CaptionAttention, grid: Index, maxLength: Index }).optional(),
  metadata: z.record(z.string(), z.unknown()),
});
export type ImageModelDescription = z.infer<typeof ImageModelDescription>;

export const ImageMapPayload = z.object({
  /** 'rollout', 'gradient-rollout', 'cls-attention-last', 'gate-pool3', 'gate-pool4', 'grad-cam'. */
  id: z.string(),
  label: z.string(),
  /** [rows, cols]. */
  values: TensorPayload,
});
export type ImageMapPayload = z.infer<typeof ImageMapPayload>;

export const ClassScore = z.object({ index: Index, name: z.string(), probability: z.number() });
export type ClassScore = z.infer<typeof ClassScore>;

export const ImageExplainParams = z.object({
  spec: ModelSpec,
  /** An absolute path to a PNG or JPEG file. */
  file: z.string().min(1).max(4096),
  headFusion: HeadFusion.default('mean'),
  discardRatio: DiscardRatio.default(0),
  /** Explain this class instead of the predicted one. */
  classIndex: Index.optional(),
  /** Classes listed in `top` (default 5). */
  topK: z.number().int().min(1).max(1000).default(5),
});
export type ImageExplainParams = z.input<typeof ImageExplainParams>;

export const ImageExplainResult = z.object({
  /** Names this explanation in later page requests; the engine keeps the last few. */
  explanationId: Index,
  model: ImageModelDescription,
  image: z.object({ file: z.string(), format: z.string().optional(), width: Index, height: Index, warnings: z.array(z.string()) }),
  /** The resized model input [inputSize, inputSize, 3] in [0, 1]. */
  input: TensorPayload,
  top: z.array(ClassScore),
  predicted: Index,
  explainedClass: Index,
  maps: z.array(ImageMapPayload),
  /** ViT: [CLS]'s attention over the patches, [layers, heads, patches] (the [CLS] key left out). */
  clsAttention: TensorPayload.optional(),
  milliseconds: z.number(),
});
export type ImageExplainResult = z.infer<typeof ImageExplainResult>;

const ExplanationRef = z.object({ explanationId: Index });

/** The most a caption request may ask for (a beam wider than this is slow and shows nothing new). */
export const MAX_CAPTION_BEAM = 8;

export const ImageCaptionParams = z.object({
  /** A captioner checkpoint. */
  spec: ModelSpec,
  /** An absolute path to a PNG or JPEG file. */
  file: z.string().min(1).max(4096),
  /** Beam search when > 1 (default greedy). */
  beamSize: z.number().int().min(1).max(MAX_CAPTION_BEAM).default(1),
});
export type ImageCaptionParams = z.input<typeof ImageCaptionParams>;

export const ImageCaptionResult = z.object({
  model: ImageModelDescription,
  image: z.object({ file: z.string(), format: z.string().optional(), width: Index, height: Index, warnings: z.array(z.string()) }),
  /** The resized model input [inputSize, inputSize, 3] in [0, 1]. */
  input: TensorPayload,
  caption: z.string(),
  /** The generated words, end of sentence left out. */
  words: z.array(z.string()),
  /** The probability the model gave each word. */
  probs: z.array(z.number()),
  /** Per word, where it looked: [words, grid, grid] row-major over the model input; each map sums to 1. */
  maps: TensorPayload,
  /** Hard attention: the grid cell [row, column] each word read. */
  looked: z.array(z.tuple([Index, Index])).optional(),
  milliseconds: z.number(),
});
export type ImageCaptionResult = z.infer<typeof ImageCaptionResult>;

export const imageRequests = {
  /** Reads an image checkpoint's header and config (a ViT, VGG-attention or captioner model). */
  'image.describe': { params: z.object({ spec: ModelSpec }), result: ImageModelDescription },
  /** Decodes the file, runs the model and computes every map for it (classifiers: ViT, VGG-attention). */
  'image.explain': { params: ImageExplainParams, result: ImageExplainResult },
  /** ViT: rollout and gradient rollout again with other controls, from the kept attention (no model run). */
  'image.rollout': {
    params: ExplanationRef.extend({ headFusion: HeadFusion, discardRatio: DiscardRatio }),
    result: z.array(ImageMapPayload),
  },
  /** ViT: where one query token attends, in every layer and head: [layers, heads, patches] ([CLS] key left out). */
  'image.queryAttention': {
    params: ExplanationRef.extend({ query: Index }),
    result: z.object({ attention: TensorPayload, clsWeights: TensorPayload }),
  },
  /** Captioner: decodes the file and captions it, each word with the map of where it looked. */
  'image.caption': { params: ImageCaptionParams, result: ImageCaptionResult },
} satisfies RequestSchemas;
