/**
 * Image attention engine benchmarks (wasm backend): training steps/s of both models with their
 * default configs (batch 32, 64x64 scenes); an image file to prediction plus every map, warm, with
 * the demo checkpoints; attention rollout for ViT-Base's size (12 layers x 12 heads x 197 tokens).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { generateScenes } from '../../core/data/scenes/scenes';
import { attentionRollout, attentionRolloutRow, gradientRolloutRow } from '../../core/explain/attentionRollout';
import type { ClassifierKind } from '../../core/imageClassifiers/classifierKind';
import { ImageExplainer } from '../../core/imageClassifiers/imageExplainer';
import type { ImageModel } from '../../core/imageClassifiers/imageModel';
import { vggAttentionClassifier } from '../../core/models/vggAttention/family';
import { vitClassifier } from '../../core/models/vit/family';
import { IMAGE_ADAM, imageObjective, sceneBatch, type SceneBatch } from '../../core/imageClassifiers/imageTraining';
import { Rng } from '../../core/util/rng';
import { Adam } from '../../core/training/adam';
import { trainStep } from '../../core/training/trainLoop';
import type { BenchCase } from '../benchCase';

const ROOT = path.join(__dirname, '..', '..');
const DEMOS: Record<string, string> = { vit: 'vit-scenes', 'vgg-attention': 'vgg-attention-scenes' };
const SAMPLE_IMAGE = path.join(ROOT, 'demo', 'workspace', 'images', 'scene-01-circle.png');

async function useWasm(): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
}

interface TrainState {
  model: ImageModel;
  batch: SceneBatch;
  optimizer: Adam;
}

/** The training loop's own step on one fixed batch (no scene drawing in the timing), Adam's
 * moments made in the warm-up runs, then the model's after-step work (batch-norm statistics). */
function trainCase(kind: ClassifierKind): BenchCase {
  const B = 32;
  return {
    name: `image: ${kind.format} train step (default config, batch ${B}, 64x64)`,
    runs: 5,
    warmup: 2,
    work: { unit: 'steps', amount: 1 },
    setup: async () => {
      await useWasm();
      return { model: kind.create({}), batch: sceneBatch(generateScenes(1, 0, B)), optimizer: new Adam(IMAGE_ADAM) } satisfies TrainState;
    },
    run: (s) => {
      const { model, batch, optimizer } = s as TrainState;
      const r = trainStep(imageObjective(model), batch, new Rng(1), model.params.variables(), optimizer, 1e-3, 1);
      model.afterTrainStep?.();
      return { loss: Number(r.loss.toFixed(3)) };
    },
    teardown: (s) => {
      const { model, batch, optimizer } = s as TrainState;
      tf.dispose([batch.x, batch.labels]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

function explainCase(kind: ClassifierKind): BenchCase {
  return {
    name: `image: ${kind.format} image file -> prediction + maps (demo checkpoint, warm)`,
    runs: 10,
    warmup: 2,
    setup: async () => {
      await useWasm();
      return ImageExplainer.load(path.join(ROOT, 'demo', 'checkpoints', DEMOS[kind.format]), kind);
    },
    run: async (s) => {
      const e = await (s as ImageExplainer).explainFile(SAMPLE_IMAGE);
      return { predicted: e.top[0].name, maps: e.maps.length };
    },
    teardown: (s) => (s as ImageExplainer).dispose(),
  };
}

/** Random attention [L, H, T, T] with rows that sum to 1. */
function randomAttention(layers: number, heads: number, tokens: number, seed: number): Float32Array {
  let state = seed;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const a = new Float32Array(layers * heads * tokens * tokens);
  for (let r = 0; r < layers * heads * tokens; r++) {
    let sum = 0;
    for (let j = 0; j < tokens; j++) sum += a[r * tokens + j] = Math.exp(3 * rand());
    for (let j = 0; j < tokens; j++) a[r * tokens + j] /= sum;
  }
  return a;
}

const DIMS = { layers: 12, heads: 12, tokens: 197 };

export const imageCases: BenchCase[] = [
  trainCase(vitClassifier),
  trainCase(vggAttentionClassifier),
  explainCase(vitClassifier),
  explainCase(vggAttentionClassifier),
  {
    name: 'image: attention rollout 12 layers x 12 heads x 197 tokens ([CLS] row, mean fusion)',
    runs: 7,
    setup: () => randomAttention(DIMS.layers, DIMS.heads, DIMS.tokens, 1),
    run: (a) => {
      attentionRolloutRow(a as Float32Array, DIMS, { headFusion: 'mean' });
    },
  },
  {
    name: 'image: attention rollout 12 layers x 12 heads x 197 tokens (full [T, T], mean fusion)',
    runs: 5,
    setup: () => randomAttention(DIMS.layers, DIMS.heads, DIMS.tokens, 1),
    run: (a) => {
      attentionRollout(a as Float32Array, DIMS, { headFusion: 'mean' });
    },
  },
  {
    name: 'image: attention rollout 12 layers x 12 heads x 197 tokens ([CLS] row, max fusion, discard 0.9)',
    runs: 5,
    setup: () => randomAttention(DIMS.layers, DIMS.heads, DIMS.tokens, 2),
    run: (a) => {
      attentionRolloutRow(a as Float32Array, DIMS, { headFusion: 'max', discardRatio: 0.9 });
    },
  },
  {
    name: 'image: gradient-weighted rollout 12 layers x 12 heads x 197 tokens ([CLS] row)',
    runs: 5,
    setup: () => ({ a: randomAttention(DIMS.layers, DIMS.heads, DIMS.tokens, 3), g: randomAttention(DIMS.layers, DIMS.heads, DIMS.tokens, 4).map((v) => v - 1 / 197) }),
    run: (s) => {
      const { a, g } = s as { a: Float32Array; g: Float32Array };
      gradientRolloutRow(a, g, DIMS);
    },
  },
];
