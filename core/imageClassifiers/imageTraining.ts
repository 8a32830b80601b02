/**
 * Training the image models on generated scenes in the shared loop (core/training/trainLoop.ts):
 * one step is softmax cross-entropy on a batch of fresh scenes, Adam, a linear warm-up then cosine
 * decay of the learning rate, and global-norm gradient clipping.
 *
 * The optimizer is the engine's Adam (core/training/adam.ts, fused kernels on wasm) with the
 * settings of tf.train.adam, which trained the demo checkpoints: beta2 0.999 and epsilon 1e-7 (the
 * float32 backends' epsilon), the same bias-corrected update.
 */
import * as tf from '@tensorflow/tfjs';
import { generateScenes, SCENE_SETS, SHAPES, stackScenes, type Scene, type SceneArgs } from '../data/scenes/scenes';
import type { AdamArgs } from '../training/adam';
import type { RunLoopArgs } from '../training/runLoopArgs';
import { runTrainingLoop, type LoopEvaluation, type LoopModel, type LoopResult, type LoopStart, type StepLoss } from '../training/trainLoop';
import { saveImageModel } from './imageCheckpoint';
import type { ImageModel } from './imageModel';

export interface ImageTrainArgs {
  /** Optimiser steps (default 1500). */
  steps?: number;
  /** Scenes per step (default 32). */
  batchSize?: number;
  /** Peak learning rate (default 2e-3). */
  learningRate?: number;
  /** Warm-up steps (default 5% of steps). */
  warmupSteps?: number;
  /** Global gradient-norm clip (default 1). */
  clipNorm?: number;
  /** Scene options; the size is the model's input size. */
  scenes?: Omit<SceneArgs, 'size'>;
  /** Scene set seed (default SCENE_SETS.train). */
  sceneSeed?: number;
}

/** How a training without its own steps and batch size runs: where it is written (nowhere without
 * a writer), how it reports, evaluates and stops. */
export interface ImageLoopArgs extends Omit<RunLoopArgs, 'steps' | 'batchSize'> {
  /** One batch for every step instead of the scene stream (the tests' short trainings); it stays
   * the caller's to dispose. */
  fixedBatch?: SceneBatch;
  evaluate?: (step: number) => Promise<LoopEvaluation>;
  /** Called after every step, once the model's own after-step work is done. */
  onStep?: (step: number) => void;
}

/** A batch of scenes: images [B, size, size, 3] and their class labels [B]. */
export interface SceneBatch {
  x: tf.Tensor4D;
  labels: tf.Tensor1D;
}

export const SCENE_CLASS_NAMES: string[] = [...SHAPES];

/** Adam as tf.train.adam sets it up (what the image demos were trained with). */
export const IMAGE_ADAM: AdamArgs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** The learning rate of the 0-based `step`. */
export function learningRateAt(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, steps - warmup));
  return peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

export function sceneBatch(scenes: readonly Scene[]): SceneBatch {
  const { x, labels, size } = stackScenes(scenes);
  return { x: tf.tensor4d(x, [scenes.length, size, size, 3]), labels: tf.tensor1d(labels, 'int32') };
}

/** The image models' objective for the shared training step: softmax cross-entropy of the classes. */
export function imageObjective(model: ImageModel): (b: SceneBatch) => StepLoss {
  return (b) => {
    const logits = model.logits(b.x, true);
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(b.labels, model.numClasses), logits) as tf.Scalar;
    return { loss, correct: logits.argMax(1).equal(b.labels).sum(), count: tf.scalar(b.labels.shape[0]) };
  };
}

/**
 * `model` as the loop trains it. The scene stream is cut into batches in order, the one after the
 * steps done so far for each step, so a resumed run goes on with the scenes it would have seen.
 */
function imageLoopModel(model: ImageModel, args: ImageTrainArgs & { steps: number }, loop: Pick<ImageLoopArgs, 'fixedBatch' | 'evaluate' | 'onStep'>): LoopModel<SceneBatch> {
  const { steps } = args;
  const peak = args.learningRate ?? 2e-3;
  const warmup = args.warmupSteps ?? Math.max(1, Math.round(steps * 0.05));
  const seed = args.sceneSeed ?? SCENE_SETS.train;
  return {
    params: model.params,
    task: 'scenes',
    batch: (_rng, size, done) => {
      const fixed = loop.fixedBatch;
      return fixed ? { x: fixed.x.clone(), labels: fixed.labels.clone() } : sceneBatch(generateScenes(seed, done * size, size, { ...args.scenes, size: model.imageSize }));
    },
    disposeBatch: (b) => tf.dispose([b.x, b.labels]),
    loss: imageObjective(model),
    learningRate: (s) => learningRateAt(s - 1, steps, peak, warmup),
    save: (dir, metadata) => saveImageModel(model, dir, SCENE_CLASS_NAMES, metadata),
    evaluate: loop.evaluate,
    nanAdvice: 'try a lower peak learning rate',
    onStep: (s) => {
      model.afterTrainStep?.(); // batch-norm running statistics follow the update
      loop.onStep?.(s);
    },
  };
}

/** Trains `model` on the scene stream; `start` continues a run (its writer, step and checkpoint). */
export function trainImageModel(model: ImageModel, args: ImageTrainArgs = {}, loop: ImageLoopArgs = {}, start: LoopStart = { step: 0 }): Promise<LoopResult> {
  const { fixedBatch, evaluate, onStep, ...runArgs } = loop;
  const steps = args.steps ?? 1500;
  return runTrainingLoop(imageLoopModel(model, { ...args, steps }, { fixedBatch, evaluate, onStep }), { ...runArgs, steps, batchSize: args.batchSize ?? 32 }, { ...start, adam: IMAGE_ADAM }, args.clipNorm ?? 1);
}
