/**
 * Captioner benchmarks (wasm backend): training steps/s with soft and with hard attention (the
 * demos' model, batch 32, 64x64 scenes), and one image file to its caption with every word's map,
 * warm, with the demo checkpoints (the engine's image.caption path without the IPC hop).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { generateScenes, SCENE_SETS } from '../../core/data/scenes/scenes';
import { decodeImageFile } from '../../core/image/decodeImage';
import { resizeRgb } from '../../core/image/resizeImage';
import { CAPTION_ADAM, CAPTION_TRAINING_DEFAULTS, captionBatch, captionObjective, disposeCaptionBatch, type CaptionBatch } from '../../core/models/captioning/captionTraining';
import { Captioner } from '../../core/models/captioning/captioner';
import { loadCaptioner, type CaptionerBundle } from '../../core/models/captioning/checkpoint';
import { captionTokenizer, type CaptionAttention } from '../../core/models/captioning/config';
import { captionImage } from '../../core/models/captioning/capture';
import { Rng } from '../../core/util/rng';
import { Adam } from '../../core/training/adam';
import { trainStep } from '../../core/training/trainLoop';
import { captionerDemoModel } from '../../demo/captionerDemos';
import type { BenchCase } from '../benchCase';

const ROOT = path.join(__dirname, '..', '..');
const SAMPLE_IMAGE = path.join(ROOT, 'demo', 'workspace', 'images', 'scene-01-circle.png');
const B = 32;

async function useWasm(): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
}

interface TrainState {
  model: Captioner;
  objective: ReturnType<typeof captionObjective>;
  optimizer: Adam;
  batch: CaptionBatch;
  rng: Rng;
}

function trainCase(attention: CaptionAttention): BenchCase {
  return {
    name: `captioner: ${attention} attention train step (demo config, batch ${B}, 64x64)`,
    runs: 5,
    warmup: 2,
    work: { unit: 'steps', amount: 1 },
    setup: async () => {
      await useWasm();
      const tokenizer = captionTokenizer();
      const model = new Captioner({ ...captionerDemoModel(attention), vocabSize: tokenizer.size, attention }, 1);
      const batch = captionBatch(generateScenes(SCENE_SETS.train, 0, B), tokenizer);
      return { model, objective: captionObjective(model), optimizer: new Adam(CAPTION_ADAM), batch, rng: new Rng(1) } satisfies TrainState;
    },
    run: (s) => {
      const { model, objective, optimizer, batch, rng } = s as TrainState;
      // The training loop's own step, at the captioner's default learning rate and clip.
      const r = trainStep(objective, batch, rng, model.params.variables(), optimizer, CAPTION_TRAINING_DEFAULTS.learningRate, CAPTION_TRAINING_DEFAULTS.clipNorm);
      return { nll: Number(r.reported.toFixed(3)) };
    },
    teardown: (s) => {
      const { model, optimizer, batch } = s as TrainState;
      disposeCaptionBatch(batch);
      optimizer.dispose();
      model.dispose();
    },
  };
}

function captionCase(attention: CaptionAttention): BenchCase {
  return {
    name: `captioner: ${attention} image file -> caption + per-word maps (demo checkpoint, warm)`,
    runs: 10,
    warmup: 2,
    setup: async () => {
      await useWasm();
      return loadCaptioner(path.join(ROOT, 'demo', 'checkpoints', `captioner-${attention}-scenes`));
    },
    run: async (s) => {
      const bundle = s as CaptionerBundle;
      const image = await decodeImageFile(SAMPLE_IMAGE);
      const S = bundle.model.config.imageSize;
      const r = captionImage(bundle, resizeRgb(image.rgb, image.width, image.height, S));
      return { caption: r.caption, words: r.words.length };
    },
    teardown: (s) => (s as CaptionerBundle).model.dispose(),
  };
}

export const captionerCases: BenchCase[] = [trainCase('soft'), trainCase('hard'), captionCase('soft'), captionCase('hard')];
