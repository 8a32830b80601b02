/**
 * Training the image models on generated scenes: one step is softmax cross-entropy on a batch of
 * fresh scenes, Adam, a linear warm-up then cosine decay of the learning rate, and global-norm
 * gradient clipping. The loop reports each step through a callback, so the CLI and the runs store
 * can log it in their own format.
 *
 * The optimizer is the engine's Adam (core/training/adam.ts, fused kernels on wasm) with the
 * settings of tf.train.adam, which trained the demo checkpoints: beta2 0.999 and epsilon 1e-7 (the
 * float32 backends' epsilon), the same bias-corrected update.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, clipByGlobalNorm, globalNorm } from '../training/adam';
import { generateScenes, SCENE_SETS, SHAPES, stackScenes, type SceneArgs } from '../data/scenes/scenes';
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
  /** The first step to run (for a resumed run; scenes continue where they stopped). Default 0. */
  startStep?: number;
}

export interface ImageStepInfo {
  step: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  stepMs: number;
}

export const SCENE_CLASS_NAMES: string[] = [...SHAPES];

/** An Adam as tf.train.adam sets it up (what the image demos were trained with). */
export function createImageOptimizer(): Adam {
  return new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
}

export function learningRateAt(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, steps - warmup));
  return peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** One optimiser step on (x, labels) at learning rate `lr`; returns the loss and batch accuracy (before the step). */
export function imageTrainStep(
  model: ImageModel,
  optimizer: Adam,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  lr: number,
  clipNorm = 1,
): { loss: number; accuracy: number } {
  const vars = model.params.trainable();
  const { value, grads, correct } = tf.tidy(() => {
    let logitsKept: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logits(x, true);
      logitsKept = tf.keep(logits);
      const onehot = tf.oneHot(labels, model.numClasses);
      return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
    }, vars);
    const correct = tf.keep(logitsKept!.argMax(1).equal(labels).sum());
    logitsKept!.dispose();
    return { value: tf.keep(value), grads, correct };
  });
  const withGrads = vars.filter((v) => grads[v.name]);
  const raw = withGrads.map((v) => grads[v.name]);
  const clipped = clipByGlobalNorm(raw, globalNorm(raw), clipNorm);
  optimizer.apply(withGrads.map((variable, i) => ({ variable, grad: clipped[i] })), lr);
  tf.dispose(raw);
  if (clipped !== raw) tf.dispose(clipped);
  model.afterTrainStep?.();
  const loss = value.dataSync()[0];
  const accuracy = correct.dataSync()[0] / x.shape[0];
  tf.dispose([value, correct]);
  return { loss, accuracy };
}

/** Trains `model` on fresh scenes; `onStep` sees every step and may return false to stop early. */
export async function trainImageModel(
  model: ImageModel,
  args: ImageTrainArgs = {},
  onStep?: (info: ImageStepInfo) => boolean | void | Promise<boolean | void>,
): Promise<ImageStepInfo | undefined> {
  const steps = args.steps ?? 1500;
  const batchSize = args.batchSize ?? 32;
  const peak = args.learningRate ?? 2e-3;
  const warmup = args.warmupSteps ?? Math.max(1, Math.round(steps * 0.05));
  const seed = args.sceneSeed ?? SCENE_SETS.train;
  let last: ImageStepInfo | undefined;
  const optimizer = createImageOptimizer();
  try {
    for (let step = args.startStep ?? 0; step < steps; step++) {
      const t0 = performance.now();
      const scenes = generateScenes(seed, step * batchSize, batchSize, { ...args.scenes, size: model.imageSize });
      const { x, labels, size } = stackScenes(scenes);
      const xt = tf.tensor4d(x, [batchSize, size, size, 3]);
      const yt = tf.tensor1d(labels, 'int32');
      const learningRate = learningRateAt(step, steps, peak, warmup);
      const { loss, accuracy } = imageTrainStep(model, optimizer, xt, yt, learningRate, args.clipNorm ?? 1);
      tf.dispose([xt, yt]);
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step}: loss is ${loss}`);
      last = { step, loss, accuracy, learningRate, stepMs: performance.now() - t0 };
      if ((await onStep?.(last)) === false) break;
    }
  } finally {
    optimizer.dispose();
  }
  return last;
}
