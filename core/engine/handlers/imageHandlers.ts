/**
 * Image attention requests: describe an image checkpoint, explain an image file with a classifier
 * (prediction and maps), pages of a kept explanation (rollout with other controls, one query token's
 * attention), and caption an image file with a captioner (each word with its map). Models are kept
 * warm in caches (one per kind, chosen by the checkpoint's format); the last few explanations are
 * kept for pages.
 */
import * as path from 'node:path';
import type { ImageCaptionResult, ImageExplainResult, ImageMapPayload, ImageModelDescription } from '../../../protocol/image';
import { RpcError } from '../../../protocol/rpc';
import type { TensorPayload } from '../../../protocol/tensor';
import type { AttentionDims } from '../../explain/attentionRollout';
import { decodeImageFile } from '../../image/decodeImage';
import { imageCheckpointRole } from '../../imageClassifiers/imageCheckpointFormat';
import { ImageExplainerCache } from '../../imageClassifiers/imageExplainerCache';
import { vitRolloutMaps, type ImageExplainer, type ImageMap, type VitAttentionDetail } from '../../imageClassifiers/imageExplainer';
import { LoadedCheckpointCache } from '../../checkpoint/checkpointCache';
import { resizeRgb } from '../../image/resizeImage';
import { captionImage, loadCaptioner, type CaptionerBundle } from '../../models/captioning';
import { VitModel } from '../../models/vit/vit';
import { vitGrid } from '../../models/vit/vitConfig';
import { resolveCheckpoint } from '../../checkpoint/resolveCheckpoint';
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

/** The demo's name, or the checkpoint's folder name. */
function modelLabel(spec: string, checkpoint: string): string {
  return spec.startsWith('demo:') ? spec.slice(5) : path.basename(checkpoint.endsWith('.json') ? path.dirname(checkpoint) : checkpoint);
}

function describe(spec: string, explainer: ImageExplainer): ImageModelDescription {
  const m = explainer.model;
  const vit =
    m instanceof VitModel
      ? { layers: m.cfg.depth, heads: m.cfg.heads, tokens: m.tokens, grid: vitGrid(m.cfg), patchSize: m.cfg.patchSize }
      : undefined;
  return { spec, label: modelLabel(spec, explainer.checkpoint), kind: m.kind, inputSize: m.imageSize, classNames: explainer.classNames, vit, metadata: explainer.metadata };
}

function describeCaptioner(spec: string, c: LoadedCaptioner): ImageModelDescription {
  const { config } = c.bundle.model;
  return {
    spec,
    label: modelLabel(spec, c.checkpoint),
    kind: 'captioner',
    inputSize: config.imageSize,
    classNames: [],
    captioner: { attention: config.attention, grid: c.bundle.model.gridSide, maxLength: config.maxLength },
    metadata: c.bundle.metadata,
  };
}

interface LoadedCaptioner {
  bundle: CaptionerBundle;
  checkpoint: string;
  dispose(): void;
}

async function loadCaptionerEntry(file: string): Promise<LoadedCaptioner> {
  const bundle = await loadCaptioner(file);
  return { bundle, checkpoint: file, dispose: () => bundle.model.dispose() };
}

interface Kept {
  vit?: VitAttentionDetail;
}

export function registerImageHandlers({ rpc, backendReady }: HandlerContext): void {
  const explainers = new ImageExplainerCache();
  const captioners = new LoadedCheckpointCache(loadCaptionerEntry);
  const kept = new Map<number, Kept>();
  let nextId = 1;

  type Loaded = { role: 'classifier'; explainer: ImageExplainer } | { role: 'captioner'; captioner: LoadedCaptioner };
  const loadAny = async (spec: string): Promise<Loaded> => {
    await backendReady();
    const checkpoint = await resolveCheckpoint(spec);
    return (await imageCheckpointRole(checkpoint)) === 'captioner'
      ? { role: 'captioner', captioner: await captioners.get(checkpoint) }
      : { role: 'classifier', explainer: await explainers.get(checkpoint) };
  };
  const load = async (spec: string): Promise<ImageExplainer> => {
    const m = await loadAny(spec);
    if (m.role === 'captioner') throw new RpcError('unsupported', `${modelLabel(spec, m.captioner.checkpoint)} is a captioner: it captions images (each word with its map) rather than classifying them`);
    return m.explainer;
  };
  const loadCaptionerSpec = async (spec: string): Promise<LoadedCaptioner> => {
    const m = await loadAny(spec);
    if (m.role === 'classifier') throw new RpcError('unsupported', `${modelLabel(spec, m.explainer.checkpoint)} is a ${m.explainer.kind} classifier, not a captioner`);
    return m.captioner;
  };
  const keptVit = (explanationId: number): VitAttentionDetail => {
    const k = kept.get(explanationId);
    if (!k) throw new RpcError('not-found', `explanation ${explanationId} is no longer kept; explain the image again`);
    if (!k.vit) throw new RpcError('unsupported', 'this explanation has no ViT attention (the model is not a ViT)');
    return k.vit;
  };

  rpc.handle('image.describe', async ({ spec }) => {
    const m = await loadAny(spec);
    return m.role === 'captioner' ? describeCaptioner(spec, m.captioner) : describe(spec, m.explainer);
  });

  rpc.handle('image.caption', async ({ spec, file, beamSize }, ctx): Promise<ImageCaptionResult> => {
    const c = await loadCaptionerSpec(spec);
    ctx.signal.throwIfAborted();
    const image = await decodeImageFile(path.resolve(file));
    ctx.signal.throwIfAborted();
    const t0 = performance.now();
    const s = c.bundle.model.config.imageSize;
    const input = resizeRgb(image.rgb, image.width, image.height, s);
    const r = captionImage(c.bundle, input, { beamSize });
    return {
      model: describeCaptioner(spec, c),
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
    const explainer = await load(spec);
    ctx.signal.throwIfAborted();
    const e = await explainer.explainFile(path.resolve(file), { headFusion, discardRatio, classIndex, topK });
    const explanationId = nextId++;
    kept.set(explanationId, { vit: e.vit });
    while (kept.size > KEPT_EXPLANATIONS) kept.delete(kept.keys().next().value as number);
    const s = e.inputSize;
    let clsAttention: TensorPayload | undefined;
    if (e.vit) {
      const { layers, heads, tokens } = e.vit.dims;
      clsAttention = tensor(queryRows(e.vit.attention, e.vit.dims, 0).patches, [layers, heads, tokens - 1]);
    }
    return {
      explanationId,
      model: describe(spec, explainer),
      image: { file, ...e.image },
      input: tensor(e.input, [s, s, 3]),
      top: e.top,
      predicted: e.predicted,
      explainedClass: e.explainedClass,
      maps: e.maps.map(mapPayload),
      clsAttention,
      milliseconds: e.milliseconds,
    };
  });

  rpc.handle('image.rollout', ({ explanationId, headFusion, discardRatio }) =>
    vitRolloutMaps(keptVit(explanationId), headFusion, discardRatio)
      .filter((m) => m.id !== 'cls-attention-last')
      .map(mapPayload),
  );

  rpc.handle('image.queryAttention', ({ explanationId, query }) => {
    const vit = keptVit(explanationId);
    const { layers, heads, tokens } = vit.dims;
    const rows = queryRows(vit.attention, vit.dims, query);
    return { attention: tensor(rows.patches, [layers, heads, tokens - 1]), clsWeights: tensor(rows.cls, [layers, heads]) };
  });
}
