/**
 * Demo checkpoints of the image attention engine: a ViT and a VGG-16-attention model trained on
 * generated scenes with their default configs (the figures in the README come from these runs).
 */
import { generateScenes, SCENE_SETS } from '../core/data/scenes/scenes';
import { evaluateOnScenes } from '../core/imageClassifiers/sceneEvaluation';
import { sceneAccuracy } from '../core/imageClassifiers/imageAccuracy';
import type { ClassifierKind } from '../core/imageClassifiers/classifierKind';
import { saveImageModel } from '../core/imageClassifiers/imageCheckpoint';
import { SCENE_CLASS_NAMES, trainImageModel } from '../core/imageClassifiers/imageTraining';
import { vggAttentionClassifier } from '../core/models/vggAttention/family';
import { vitClassifier } from '../core/models/vit/family';
import type { DemoSpec } from './demos';

const HELD_OUT = 500;
const LOG_EVERY = 50;
const EVAL_EVERY = 250;

function imageDemo(name: string, kind: ClassifierKind, description: string): DemoSpec {
  return {
    name,
    description,
    maxBytes: 5_000_000,
    train: async (dir) => {
      const model = kind.create({});
      const args = kind.training;
      const heldOut = generateScenes(SCENE_SETS.heldOut, 0, HELD_OUT, { size: model.imageSize });
      const t0 = Date.now();
      const r = await trainImageModel(model, args, {
        logEvery: LOG_EVERY,
        evalEvery: EVAL_EVERY,
        onProgress: (p) => console.log(`${name} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} lr ${p.learningRate.toExponential(2)} ${((Date.now() - t0) / 1000).toFixed(0)} s`),
        evaluate: async () => {
          const e = evaluateOnScenes(model, heldOut.slice(0, 200));
          console.log(`${name} held-out accuracy ${e.accuracy.toFixed(3)}, pointing ${JSON.stringify(e.pointing)} (200 scenes)`);
          return {};
        },
      });
      if (r.status !== 'finished') throw new Error(`${name}: ${r.message}`);
      const seconds = (Date.now() - t0) / 1000;
      const accuracy = sceneAccuracy(model, heldOut);
      console.log(`${name}: ${args.steps} steps in ${seconds.toFixed(0)} s, held-out accuracy ${accuracy.toFixed(3)} on ${HELD_OUT} scenes`);
      await saveImageModel(model, dir, SCENE_CLASS_NAMES, {
        task: 'scenes',
        demo: name,
        training: { ...args, trainedSteps: r.step, seconds: Math.round(seconds), finalLoss: r.finalLoss },
        heldOutAccuracy: accuracy,
        heldOutScenes: HELD_OUT,
      });
      model.dispose();
    },
  };
}

export const imageDemos: DemoSpec[] = [
  imageDemo('vit-scenes', vitClassifier, 'ViT (64x64, 8x8 patches, 4 blocks, 4 heads) that names the red shape in a cluttered scene'),
  imageDemo('vgg-attention-scenes', vggAttentionClassifier, 'VGG-16 (1/16 width) with attention gates on conv3_3 and conv4_3 (the inputs of pool3 and pool4), same task'),
];
