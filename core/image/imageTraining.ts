/**
 * Training the image models on generated scenes: one step is softmax cross-entropy on a batch of
 * fresh scenes, Adam, a linear warm-up then cosine decay of the learning rate, and global-norm
 * gradient clipping. The loop reports each step through a callback, so the CLI and the runs store
 * can log it in their own format.
 */
import * as tf from '@tensorflow/tfjs';
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

export function learningRateAt(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, steps - warmup));
  return peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** One optimiser step on (x, labels); returns the loss and batch accuracy (before the step). */
export function imageTrainStep(
  model: ImageModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
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
    // Global-norm clipping.
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => grads[n].square().sum())));
    const scale = tf.minimum(1, tf.div(clipNorm, norm.add(1e-6)));
    const clipped: tf.NamedTensorMap = {};
    for (const n of names) clipped[n] = tf.keep(grads[n].mul(scale));
    return { value: tf.keep(value), grads: clipped, correct };
  });
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
  model.afterTrainStep?.();
  const loss = value.dataSync()[0];
  const accuracy = correct.dataSync()[0] / x.shape[0];
  tf.dispose([value, correct]);
  return { loss, accuracy };
}

/** Sets an Adam optimiser's learning rate (tfjs reads the field at every step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Trains `model` on fresh scenes; `onStep` sees every step and may return false to stop early. */
export async function trainImageModel(
  model: ImageModel,
  args: ImageTrainArgs = {},
  onStep?: (info: ImageStepInfo) => boolean | void | Promise<boolean | void>,
  optimizer: tf.Optimizer = tf.train.adam(args.learningRate ?? 2e-3),
): Promise<ImageStepInfo | undefined> {
  const steps = args.steps ?? 1500;
  const batchSize = args.batchSize ?? 32;
  const peak = args.learningRate ?? 2e-3;
  const warmup = args.warmupSteps ?? Math.max(1, Math.round(steps * 0.05));
  const seed = args.sceneSeed ?? SCENE_SETS.train;
  let last: ImageStepInfo | undefined;
  for (let step = args.startStep ?? 0; step < steps; step++) {
    const t0 = performance.now();
    const scenes = generateScenes(seed, step * batchSize, batchSize, { ...args.scenes, size: model.imageSize });
    const { x, labels, size } = stackScenes(scenes);
    const xt = tf.tensor4d(x, [batchSize, size, size, 3]);
    const yt = tf.tensor1d(labels, 'int32');
    const learningRate = learningRateAt(step, steps, peak, warmup);
    setLearningRate(optimizer, learningRate);
    const { loss, accuracy } = imageTrainStep(model, optimizer, xt, yt, args.clipNorm ?? 1);
    tf.dispose([xt, yt]);
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step}: loss is ${loss}`);
    last = { step, loss, accuracy, learningRate, stepMs: performance.now() - t0 };
    if ((await onStep?.(last)) === false) break;
  }
  return last;
}
