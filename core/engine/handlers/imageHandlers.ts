/**
 * Image attention requests: describe an image model, explain an image file with a classifier
 * (prediction and maps), pages of a kept explanation (rollout with other controls, one query token's
 * attention, for models with patch attention), and caption an image file with a captioner (each word
 * with its map). Models come from the engine's one cache of loaded models; what a model can do is
 * what its `image` access offers. The last few explanations are kept for pages.
 */
import * as path from 'node:path';
import type { ImageExplainResult, ImageMapPayload, ImageModelDescription } from '../../../protocol/image';
import { RpcError } from '../../../protocol/rpc';
import type { TensorPayload } from '../../../protocol/tensor';
import type { AttentionDims } from '../../explain/attentionRollout';
import { patchAttentionMaps, type ImageMap, type PatchAttention } from '../../explain/imageMaps';
import { decodeImageFile } from '../../image/decodeImage';
import { resizeRgb } from '../../image/resizeImage';
import type { ImageModelAccess } from '../../models/modelFamily';
import { BoundedStore } from '../../util/boundedStore';
import { requireSurface, type Loaded } from '../../session/loadedModels';
import type { HandlerContext } from './handlerContext';

/** Explanations kept for page requests (a ViT-Base one is ~45 MB with its gradients). */
const KEPT_EXPLANATIONS = 4;

function tensor(data: Float32Array, shape: number[]): TensorPayload {
  return { shape, dtype: 'float32', data: data as Float32Array<ArrayBuffer> };
}

export function mapPayload(m: ImageMap): ImageMapPayload {
  return { id: m.id, label: m.label, values: tensor(m.values, [m.grid.rows, m.grid.cols]) };
}

/**
 * Where query token `query` attends in every layer and head, split into the patch keys
 * [L, H, T-1] and the [CLS] key [L, H]. attention: [L, H, T, T].
 */
export function queryRows(attention: Float32Array, dims: AttentionDims, query: number): { patches: Float32Array; cls: Float32Array } {
  const { layers, heads, tokens } = dims;
  if (!Number.isInteger(query) || query < 0 || query >= tokens) {
    throw new RpcError('invalid-input', `query token ${query} is out of range: this model has ${tokens} tokens ([CLS] = 0, patches 1..${tokens - 1})`);
  }
  const n = tokens - 1;
  const patches = new Float32Array(layers * heads * n);
  const cls = new Float32Array(layers * heads);
  for (let lh = 0; lh < layers * heads; lh++) {
    const row = (lh * tokens + query) * tokens; // [l, h, query, :]
    cls[lh] = attention[row];
    patches.set(attention.subarray(row + 1, row + tokens), lh * n);
  }
  return { patches, cls };
}

function describe(loaded: Loaded, image: ImageModelAccess): ImageModelDescription {
  const { spec, label, metadata } = loaded.description;
  return { spec, label, metadata, ...image.describeImage() };
}

/** The image access of a loaded model that offers `surface` (refused by name otherwise). */
function imageAccess(loaded: Loaded, surface: 'explain' | 'caption', what: string): ImageModelAccess {
  requireSurface(loaded, surface, what);
  return loaded.model.image as ImageModelAccess;
}

/** An image file decoded and resized to the model's input. */
async function readImage(file: string, inputSize: number) {
  const image = await decodeImageFile(path.resolve(file));
  return { image, input: resizeRgb(image.rgb, image.width, image.height, inputSize) };
}

export function registerImageHandlers({ rpc, backendReady, models }: HandlerContext): void {
  const kept = new BoundedStore<PatchAttention | undefined>(KEPT_EXPLANATIONS, (id) => `explanation ${id} is no longer kept; explain the image again`);
  const load = async (spec: string) => {
    await backendReady();
    return models.get(spec);
  };
  const keptPatchAttention = (explanationId: number): PatchAttention => {
    const p = kept.get(explanationId);
    if (!p) throw new RpcError('unsupported', 'this explanation has no patch attention (the model does not attend over image tokens)');
    return p;
  };

  rpc.handle('image.describe', async ({ spec }) => {
    const loaded = await load(spec);
    if (!loaded.model.image) throw new RpcError('unsupported', `${loaded.description.label} is a ${loaded.description.familyLabel}, which reads text, not images`);
    return describe(loaded, loaded.model.image);
  });

  rpc.handle('image.caption', async ({ spec, file, beamSize }, ctx) => {
    const loaded = await load(spec);
    const access = imageAccess(loaded, 'caption', 'captions (it classifies images: explain them instead)');
    ctx.signal.throwIfAborted();
    const { image, input } = await readImage(file, access.inputSize);
    ctx.signal.throwIfAborted();
    const t0 = performance.now();
    const s = access.inputSize;
    const r = (access.caption as NonNullable<ImageModelAccess['caption']>)(input, { beamSize });
    return {
      model: describe(loaded, access),
      image: { file, format: image.format, width: image.width, height: image.height, warnings: image.warnings },
      input: tensor(input, [s, s, 3]),
      caption: r.caption,
      words: r.words,
      probs: r.probs,
      maps: tensor(r.maps.data, r.maps.shape),
      ...(r.looked ? { looked: r.looked } : {}),
      milliseconds: performance.now() - t0,
    };
  });

  rpc.handle('image.explain', async ({ spec, file, headFusion, discardRatio, classIndex, topK }, ctx): Promise<ImageExplainResult> => {
    const loaded = await load(spec);
    const access = imageAccess(loaded, 'explain', 'class to explain (it captions images instead)');
    ctx.signal.throwIfAborted();
    const { image, input } = await readImage(file, access.inputSize);
    const t0 = performance.now();
    const e = (access.explain as NonNullable<ImageModelAccess['explain']>)(input, { headFusion, discardRatio, classIndex, topK });
    const explanationId = kept.add(e.patchAttention);
    const s = access.inputSize;
    let clsAttention: TensorPayload | undefined;
    if (e.patchAttention) {
      const { layers, heads, tokens } = e.patchAttention.dims;
      clsAttention = tensor(queryRows(e.patchAttention.attention, e.patchAttention.dims, 0).patches, [layers, heads, tokens - 1]);
    }
    return {
      explanationId,
      model: describe(loaded, access),
      image: { file, format: image.format, width: image.width, height: image.height, warnings: image.warnings },
      input: tensor(input, [s, s, 3]),
      top: e.top,
      predicted: e.predicted,
      explainedClass: e.explainedClass,
      maps: e.maps.map(mapPayload),
      clsAttention,
      milliseconds: performance.now() - t0,
    };
  });

  rpc.handle('image.rollout', ({ explanationId, headFusion, discardRatio }) =>
    patchAttentionMaps(keptPatchAttention(explanationId), headFusion, discardRatio)
      .filter((m) => m.id !== 'cls-attention-last')
      .map(mapPayload),
  );

  rpc.handle('image.queryAttention', ({ explanationId, query }) => {
    const p = keptPatchAttention(explanationId);
    const { layers, heads, tokens } = p.dims;
    const rows = queryRows(p.attention, p.dims, query);
    return { attention: tensor(rows.patches, [layers, heads, tokens - 1]), clsWeights: tensor(rows.cls, [layers, heads]) };
  });
}
