/**
 * The image models train with the engine's Adam (core/training/adam.ts) set up as tf.train.adam,
 * which trained the demo checkpoints.
 *
 * Fed the same gradients, the two optimizers leave every weight within 1e-6. Through whole
 * training steps of the shared loop the models' logits stay within 1e-5, but single weights may
 * not: a few weights get a gradient that is zero in exact arithmetic (the key bias of a ViT
 * attention block: adding q.b to every score of a row leaves the softmax unchanged), so in float32
 * it is rounding noise, which Adam scales up to a step of up to the learning rate whose sign the
 * last bit decides. Those weights do not change the output, hence the comparison of logits.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { generateScenes } from '../../../core/data/scenes/scenes';
import { createImageModel } from './classifiers';
import type { ImageModel } from '../../../core/imageClassifiers/imageModel';
import type { ImageModelKind } from './classifiers';
import { IMAGE_ADAM, learningRateAt, sceneBatch, trainImageModel } from '../../../core/imageClassifiers/imageTraining';
import { Adam, clipByGlobalNorm, globalNorm } from '../../../core/training/adam';
import { maxAbsDiff, useEngineBackend } from '../engineBackend';

const CONFIGS: Record<ImageModelKind, Record<string, unknown>> = {
  vit: { imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2, mlpDim: 32, seed: 1 },
  'vgg-attention': { imageSize: 32, widthMultiplier: 1 / 16, seed: 1 },
};
const LEARNING_RATES = [1e-3, 3e-3, 3e-3, 2e-3, 1e-3];
const CLIP = 1;
/** Five training steps: two of warm-up to 3e-3, then the cosine decay. */
const TRAINING = { steps: 5, batchSize: 8, learningRate: 3e-3, warmupSteps: 2, clipNorm: CLIP };
type AdamGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

function setLearningRate(optimizer: tf.AdamOptimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr; // tfjs reads the field at every step
}

/** The step as it was on tf.train.adam: gradients scaled by min(1, clip / (norm + 1e-6)). */
function referenceStep(model: ImageModel, optimizer: tf.AdamOptimizer, x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): void {
  const grads = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, model.numClasses), model.logits(x, true)) as tf.Scalar, model.params.variables());
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => g.square().sum())));
    const scale = tf.minimum(1, tf.div(CLIP, norm.add(1e-6)));
    const clipped: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) clipped[name] = g.mul(scale);
    return clipped;
  });
  setLearningRate(optimizer, lr);
  optimizer.applyGradients(grads as AdamGradients);
  tf.dispose(Object.values(grads));
  model.afterTrainStep?.();
}

/** Logits on the batch after 5 training steps on it, and the largest change of any weight. */
async function train(kind: ImageModelKind, engineAdam: boolean): Promise<{ logits: Float32Array; moved: number }> {
  const model = createImageModel(kind, CONFIGS[kind]);
  const start = model.params.variables().map((v) => v.dataSync().slice());
  const batch = sceneBatch(generateScenes(3, 0, 8, { size: 32 }));
  if (engineAdam) {
    await trainImageModel(model, TRAINING, { fixedBatch: batch });
  } else {
    const reference = tf.train.adam(TRAINING.learningRate);
    for (let step = 0; step < TRAINING.steps; step++) referenceStep(model, reference, batch.x, batch.labels, learningRateAt(step, TRAINING.steps, TRAINING.learningRate, TRAINING.warmupSteps));
    reference.dispose();
  }
  const moved = Math.max(...model.params.variables().map((v, i) => maxAbsDiff(v.dataSync(), start[i])));
  const logits = tf.tidy(() => model.logits(batch.x, false).dataSync() as Float32Array);
  tf.dispose([batch.x, batch.labels]);
  model.dispose();
  return { logits, moved };
}

/** Runs `body` with the fast wasm kernels on or off, then turns them back on. */
function withFastKernels<T>(fast: boolean, body: () => T): T {
  setFastWasmKernelsEnabled(fast);
  try {
    return body();
  } finally {
    setFastWasmKernelsEnabled(true);
  }
}

describe('image training optimizer: the engine Adam against tf.train.adam', () => {
  useEngineBackend();

  for (const fast of [true, false]) {
    it(`fed the same gradients (clipped by global norm 1), 5 steps leave every weight within 1e-6 (${fast ? 'fused kernels' : 'tfjs ops'})`, () =>
      withFastKernels(fast, () => {
        const shapes = [[40, 24], [24], [3, 3, 8, 16]];
        const init = shapes.map((s, i) => tf.randomNormal(s, 0, 0.5, 'float32', 10 + i));
        const ours = init.map((t) => tf.variable(t.clone()));
        const theirs = init.map((t) => tf.variable(t.clone()));
        const engine = new Adam(IMAGE_ADAM);
        const reference = tf.train.adam(LEARNING_RATES[0]);
        LEARNING_RATES.forEach((lr, step) => {
          // Gradients of every size: the first steps are clipped (norm ~ 20), the last are not.
          const grads = shapes.map((s, i) => tf.randomNormal(s, 0.1, step < 3 ? 1 : 0.01, 'float32', 100 * step + i));
          const clipped = clipByGlobalNorm(grads, globalNorm(grads), CLIP);
          engine.apply(ours.map((variable, i) => ({ variable, grad: clipped[i] })), lr);
          const scale = Math.min(1, CLIP / globalNorm(grads));
          const scaled = grads.map((g) => g.mul(scale));
          setLearningRate(reference, lr);
          reference.applyGradients(Object.fromEntries(theirs.map((v, i) => [v.name, scaled[i]])) as AdamGradients);
          tf.dispose([...grads, ...scaled, ...(clipped === grads ? [] : clipped)]);
        });
        ours.forEach((v, i) => {
          assert.ok(maxAbsDiff(v.dataSync(), theirs[i].dataSync()) <= 1e-6, `weight ${i}: ${maxAbsDiff(v.dataSync(), theirs[i].dataSync())}`);
          assert.ok(maxAbsDiff(v.dataSync(), init[i].dataSync()) > 1e-3, `weight ${i} moved`);
        });
        engine.dispose();
        reference.dispose();
        tf.dispose([...init, ...ours, ...theirs]);
      }));
  }

  for (const kind of ['vit', 'vgg-attention'] as const) {
    it(`${kind}: after 5 clipped steps of the training loop the logits are within 1e-5 of the same steps on tf.train.adam`, async () => {
      const ours = await train(kind, true);
      const theirs = await train(kind, false);
      assert.ok(ours.moved > 1e-3 && theirs.moved > 1e-3, `the steps moved the weights (${ours.moved}, ${theirs.moved})`);
      const d = maxAbsDiff(ours.logits, theirs.logits);
      assert.ok(d <= 1e-5, `logits differ by ${d}`);
    });
  }
});
