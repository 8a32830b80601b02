/**
 * Trains an image model (ViT or VGG-attention) on the scenes task into a run folder in the shared run
 * format (core/runs): config.json, status.json, metrics.jsonl (step, time, loss, accuracy, learning
 * rate, steps/s; at evaluation steps held-out accuracy, pointing game per map type and attention
 * statistics), checkpoints/step-N/ and a resume that continues the step count.
 *
 * The steps run in the shared training loop (core/training/trainLoop.ts), so every checkpoint holds
 * Adam's moments beside the weights and a resumed run continues exactly where it stopped: moments,
 * learning-rate schedule and scene stream. A loss or gradient that stops being finite ends the run
 * 'failed' before it touches the weights, keeping the last good checkpoint; a stop lands at a step
 * boundary with a checkpoint.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { generateScenes, SCENE_SETS, stackScenes } from '../data/scenes/scenes';
import { evaluateOnScenes } from './sceneEvaluation';
import { explainVggBatch } from '../models/vggAttention/explain';
import { VitModel } from '../models/vit/vit';
import { VggAttentionModel } from '../models/vggAttention/vggAttention';
import type { AttentionStat, RunStatus } from '../../protocol/runFolder/format';
import { RunWriter } from '../training/runWriter';
import { resumeRun, type LoopEvaluation, type LoopStart, type TrainProgress } from '../training/trainLoop';
import { createImageModel, loadImageModel } from './imageCheckpoint';
import type { ImageModel, ImageModelKind } from './imageModel';
import { trainImageModel, type ImageTrainArgs } from './imageTraining';

/** The default training of each model on the scenes task (the demo checkpoints use these). */
export const IMAGE_TRAINING_DEFAULTS: Record<ImageModelKind, Required<Pick<ImageTrainArgs, 'steps' | 'batchSize' | 'learningRate'>>> = {
  vit: { steps: 2000, batchSize: 32, learningRate: 1.5e-3 },
  'vgg-attention': { steps: 1000, batchSize: 32, learningRate: 2e-3 },
};

export interface ImageRunArgs {
  kind: ImageModelKind;
  /** Model config overrides (defaults: the model's own). */
  modelConfig?: Record<string, unknown>;
  training?: ImageTrainArgs;
  outDir: string;
  resume?: boolean;
  /** Checkpoint every N steps and at the end (default 250). */
  checkpointEvery?: number;
  /** Metrics line every N steps (default 10). */
  logEvery?: number;
  /** Held-out evaluation every N steps (default 500; 0 = only at the end). */
  evalEvery?: number;
  /** Held-out scenes per evaluation (default 200). */
  evalScenes?: number;
  signal?: AbortSignal;
  onProgress?: (p: ImageRunProgress) => void;
  /** Called after every step with the model (tests use it to inject faults). */
  onStep?: (step: number, model: ImageModel) => void;
}

export interface ImageRunProgress extends TrainProgress {
  /** Held-out accuracy, at evaluation steps. */
  heldOutAccuracy?: number;
}

export interface ImageRunResult {
  status: RunStatus;
  step: number;
  finalLoss?: number;
  heldOutAccuracy?: number;
  pointing?: Record<string, number>;
  wallSeconds: number;
  lastCheckpoint?: string;
  model: ImageModel;
  message?: string;
}

function entropy(row: ArrayLike<number>, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) if (row[i] > 0) h -= row[i] * Math.log(row[i]);
  return h;
}

/** Per layer and head: mean row entropy and mean weight on [CLS] (ViT); per gate: map entropy and
 * the weight on the first cell (VGG-attention). From a small batch of held-out scenes. */
export function imageAttentionStats(model: ImageModel, scenes = generateScenes(SCENE_SETS.heldOut, 0, 16, { size: model.imageSize })): AttentionStat[] {
  const { x, size } = stackScenes(scenes);
  const xt = tf.tensor4d(x, [scenes.length, size, size, 3]);
  const stats: AttentionStat[] = [];
  try {
    if (model instanceof VitModel) {
      const out = model.forward(xt, { captureAttention: true });
      const t = model.tokens;
      out.attention.forEach((a, layer) => {
        const data = a.dataSync();
        const [b, heads] = a.shape;
        for (let h = 0; h < heads; h++) {
          let ent = 0;
          let first = 0;
          for (let e = 0; e < b; e++) {
            for (let q = 0; q < t; q++) {
              const off = ((e * heads + h) * t + q) * t;
              ent += entropy(data, off, off + t);
              first += data[off];
            }
          }
          stats.push({ kind: 'vit-self', layer, head: h, entropy: ent / (b * t), firstShare: first / (b * t) });
        }
      });
      tf.dispose([out.logits, ...out.attention]);
    } else if (model instanceof VggAttentionModel) {
      const e = explainVggBatch(model, xt);
      e.gateMaps.forEach((g, layer) => {
        const ent = g.maps.reduce((s, m) => s + entropy(m, 0, m.length), 0) / g.maps.length;
        const first = g.maps.reduce((s, m) => s + m[0], 0) / g.maps.length;
        stats.push({ kind: layer === 0 ? 'gate-pool3' : 'gate-pool4', layer, head: 0, entropy: ent, firstShare: first });
      });
    }
  } finally {
    xt.dispose();
  }
  return stats;
}

export async function trainImageRun(args: ImageRunArgs): Promise<ImageRunResult> {
  const t0 = performance.now();
  const training: ImageTrainArgs = { ...IMAGE_TRAINING_DEFAULTS[args.kind], ...args.training };
  const checkpointEvery = args.checkpointEvery ?? 250;
  const evalEvery = args.evalEvery ?? 500;
  const evalCount = args.evalScenes ?? 200;

  let model: ImageModel;
  let start: LoopStart;
  if (args.resume) {
    const r = await resumeRun({ outDir: args.outDir }, async (dir) => (await loadImageModel(dir)).model);
    if (r.writer.config.model !== args.kind) {
      r.bundle.dispose();
      throw new RpcError('bad-request', `${args.outDir} is a ${r.writer.config.model} run, not ${args.kind}`);
    }
    Object.assign(training, r.writer.config.training);
    model = r.bundle;
    start = r.start;
  } else {
    model = createImageModel(args.kind, args.modelConfig ?? {});
    const writer = await RunWriter.create(args.outDir, {
      model: args.kind,
      task: 'scenes',
      seed: Number(model.config.seed ?? 1),
      modelConfig: model.config,
      training: { ...training, sceneSize: model.imageSize, checkpointEvery, evalEvery, evalScenes: evalCount },
    });
    start = { writer, step: 0 };
  }

  const heldOut = generateScenes(SCENE_SETS.heldOut, 0, evalCount, { size: model.imageSize });
  let evaluation: { step: number; accuracy: number; pointing: Record<string, number> } | undefined;
  const evaluate = async (step: number): Promise<LoopEvaluation> => {
    const e = evaluateOnScenes(model, heldOut);
    evaluation = { step, accuracy: e.accuracy, pointing: e.pointing };
    return { metrics: { evalAccuracy: e.accuracy, evalPointing: e.pointing }, attention: imageAttentionStats(model) };
  };
  try {
    const r = await trainImageModel(
      model,
      training,
      {
        checkpointEvery,
        evalEvery,
        logEvery: args.logEvery,
        signal: args.signal,
        evaluate,
        onStep: (step) => args.onStep?.(step, model),
        onProgress: (p) => args.onProgress?.({ ...p, heldOutAccuracy: evaluation?.step === p.step ? evaluation.accuracy : undefined }),
      },
      start,
    );
    return {
      status: r.status,
      step: r.step,
      finalLoss: Number.isFinite(r.finalLoss) ? r.finalLoss : undefined,
      heldOutAccuracy: evaluation?.accuracy,
      pointing: evaluation?.pointing,
      wallSeconds: (performance.now() - t0) / 1000,
      lastCheckpoint: r.lastCheckpoint && path.join(r.lastCheckpoint, MODEL_JSON),
      model,
      message: r.message,
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
