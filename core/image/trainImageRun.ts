/**
 * Trains an image model (ViT or VGG-attention) on the scenes task into a run folder in the shared run
 * format (core/runs): config.json, status.json, metrics.jsonl (step, time, loss, accuracy, learning
 * rate, steps/s; at evaluation steps held-out accuracy, pointing game per map type and attention
 * statistics), checkpoints/step-N/ and a resume that continues the step count.
 *
 * A resumed run restarts Adam's moment estimates (they are not part of the checkpoint); the
 * learning-rate schedule and the scene stream continue from the checkpoint's step.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { generateScenes, SCENE_SETS, stackScenes } from '../data/scenes/scenes';
import { evaluateOnScenes } from '../explain/sceneEvaluation';
import { explainVggBatch } from '../explain/vggExplain';
import { VitModel } from '../models/vit/vit';
import { VggAttentionModel } from '../models/vggAttention/vggAttention';
import type { AttentionStat, MetricsRecord, RunStatus } from '../runs/runFormat';
import { RunWriter } from '../runs/runWriter';
import { createImageModel, loadImageModel, saveImageModel } from './imageCheckpoint';
import type { ImageModel, ImageModelKind } from './imageModel';
import { SCENE_CLASS_NAMES, trainImageModel, type ImageTrainArgs } from './imageTraining';
import { nextTick } from '../util/nextTick';

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
}

export interface ImageRunProgress {
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  stepsPerSecond: number;
  etaSeconds: number;
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
  const defaults = IMAGE_TRAINING_DEFAULTS[args.kind];
  const training: ImageTrainArgs = { ...defaults, ...args.training };
  const steps = training.steps!;
  const checkpointEvery = args.checkpointEvery ?? 250;
  const logEvery = args.logEvery ?? 10;
  const evalEvery = args.evalEvery ?? 500;
  const evalCount = args.evalScenes ?? 200;

  let writer: RunWriter;
  let model: ImageModel;
  let startStep = 0;
  if (args.resume) {
    const r = await RunWriter.resume(args.outDir);
    writer = r.writer;
    if (r.writer.config.model !== args.kind) throw new RpcError('bad-request', `${args.outDir} is a ${r.writer.config.model} run, not ${args.kind}`);
    Object.assign(training, r.writer.config.training);
    if (r.checkpoint) {
      model = (await loadImageModel(r.checkpoint.dir)).model;
      startStep = r.checkpoint.step;
    } else {
      model = createImageModel(args.kind, r.writer.config.modelConfig);
    }
  } else {
    model = createImageModel(args.kind, args.modelConfig ?? {});
    writer = await RunWriter.create(args.outDir, {
      model: args.kind,
      task: 'scenes',
      seed: Number(model.config.seed ?? 1),
      modelConfig: model.config,
      training: { ...training, sceneSize: model.imageSize, checkpointEvery, evalEvery, evalScenes: evalCount },
    });
  }
  const heldOut = generateScenes(SCENE_SETS.heldOut, 0, evalCount, { size: model.imageSize });
  const t0 = performance.now();
  let lastCheckpoint: string | undefined;
  let finalLoss: number | undefined;
  let heldOutAccuracy: number | undefined;
  let pointing: Record<string, number> | undefined;
  let stepCount = startStep;
  const saveAt = async (step: number) => {
    const dir = writer.checkpointDir(step);
    await saveImageModel(model, dir, SCENE_CLASS_NAMES, { task: 'scenes', step });
    await writer.checkpointWritten(step);
    lastCheckpoint = `${dir}/${MODEL_JSON}`;
  };
  const evaluate = (): Partial<MetricsRecord> => {
    const e = evaluateOnScenes(model, heldOut);
    heldOutAccuracy = e.accuracy;
    pointing = e.pointing;
    return { evalAccuracy: e.accuracy, evalPointing: e.pointing, attention: imageAttentionStats(model) };
  };
  let status: RunStatus = 'finished';
  let message: string | undefined;
  try {
    await trainImageModel(model, { ...training, startStep }, async (info) => {
      await nextTick(); // lets a stop message (and hovers) reach the engine between steps
      const step = info.step + 1;
      stepCount = step;
      finalLoss = info.loss;
      const elapsed = (performance.now() - t0) / 1000;
      const stepsPerSecond = (step - startStep) / Math.max(elapsed, 1e-9);
      const isEval = (evalEvery > 0 && step % evalEvery === 0) || step === steps;
      if (step % logEvery === 0 || isEval || step === steps) {
        const record: MetricsRecord = { step, time: Date.now(), loss: info.loss, accuracy: info.accuracy, learningRate: info.learningRate, stepsPerSecond };
        if (isEval) Object.assign(record, evaluate());
        await writer.appendMetrics(record);
        args.onProgress?.({ step, totalSteps: steps, loss: info.loss, accuracy: info.accuracy, learningRate: info.learningRate, stepsPerSecond, etaSeconds: (steps - step) / stepsPerSecond, heldOutAccuracy: record.evalAccuracy as number | undefined });
      }
      if (step % checkpointEvery === 0 && step < steps) await saveAt(step);
      if (args.signal?.aborted) {
        status = 'stopped';
        message = 'stopped by the user';
        return false;
      }
      return true;
    });
    if (stepCount > startStep) await saveAt(stepCount);
    await writer.close(status, { totalSteps: steps, message });
  } catch (err) {
    message = (err as Error).message;
    status = 'failed';
    await writer.close('failed', { totalSteps: steps, message });
  }
  return { status, step: stepCount, finalLoss, heldOutAccuracy, pointing, wallSeconds: (performance.now() - t0) / 1000, lastCheckpoint, model, message };
}
