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
import type { AttentionStat, RunStatus } from '../../protocol/runFolder/format';
import { RunWriter } from '../training/runWriter';
import { resumeRun, type LoopEvaluation, type LoopStart, type TrainProgress } from '../training/trainLoop';
import type { ClassifierKind } from './classifierKind';
import { loadImageModel } from './imageCheckpoint';
import type { ImageModel } from './imageModel';
import { trainImageModel, type ImageTrainArgs } from './imageTraining';

export interface ImageRunArgs {
  kind: ClassifierKind;
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

/** Per layer and head (or gate) statistics of the model on a small batch of held-out scenes. */
export function imageAttentionStats(model: ImageModel, scenes = generateScenes(SCENE_SETS.heldOut, 0, 16, { size: model.imageSize })): AttentionStat[] {
  const { x, size } = stackScenes(scenes);
  const xt = tf.tensor4d(x, [scenes.length, size, size, 3]);
  try {
    return model.attentionStats(xt);
  } finally {
    xt.dispose();
  }
}

export async function trainImageRun(args: ImageRunArgs): Promise<ImageRunResult> {
  const t0 = performance.now();
  const training: ImageTrainArgs = { ...args.kind.training, ...args.training };
  const checkpointEvery = args.checkpointEvery ?? 250;
  const evalEvery = args.evalEvery ?? 500;
  const evalCount = args.evalScenes ?? 200;

  let model: ImageModel;
  let start: LoopStart;
  if (args.resume) {
    const r = await resumeRun({ outDir: args.outDir }, async (dir) => (await loadImageModel(dir, args.kind)).model);
    if (r.writer.config.model !== args.kind.format) {
      r.bundle.dispose();
      throw new RpcError('bad-request', `${args.outDir} is a ${r.writer.config.model} run, not ${args.kind.format}`);
    }
    Object.assign(training, r.writer.config.training);
    model = r.bundle;
    start = r.start;
  } else {
    model = args.kind.create(args.modelConfig ?? {});
    const writer = await RunWriter.create(args.outDir, {
      model: args.kind.format,
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
