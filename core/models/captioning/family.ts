/** The captioner family (Show, Attend and Tell): a CNN's feature grid, an LSTM with soft or hard attention. */
import { z } from 'zod';
import { loopOutcome } from '../../training/trainLoop';
import { defined, loopOptions, option, optionInfoOf, optionsFromRunConfig } from '../../training/trainOptions';
import type { FamilyTrainer, ModelFamily } from '../modelFamily';
import { CAPTIONER_FORMAT, loadCaptioner } from './checkpoint';
import { captionImage } from './capture';
import { CAPTION_ATTENTIONS } from './config';
import { trainCaptioner } from './trainCaptioner';

const options = z.object({
  ...loopOptions({ steps: 2000, checkpointEvery: 250, evalEvery: 500, clipNorm: 5 }),
  attention: option(z.enum(CAPTION_ATTENTIONS, { error: `attention must be one of ${CAPTION_ATTENTIONS.join(', ')}` }), 'soft or hard attention', {
    fallback: 'soft',
    ask: true,
    choices: {
      soft: { label: 'Soft attention', detail: 'each word reads a weighted mix of the grid; deterministic, with the doubly stochastic penalty' },
      hard: { label: 'Hard attention', detail: 'each word reads one sampled grid cell; trained with REINFORCE and a moving-average baseline' },
    },
  }),
  imageSize: option(z.number().int().positive().max(1024), 'input side in pixels (32 or 64)', { fallback: 64 }),
  dModel: option(z.number().int().positive().max(8192), 'LSTM units', { fallback: 64 }),
  maxLength: option(z.number().int().positive().max(8192), 'longest caption in words', { fallback: 16 }),
  learningRate: option(z.number().positive(), 'Adam learning rate', { aliases: ['lr'], fallback: 0.002 }),
});

const trainer: FamilyTrainer<typeof options> = {
  data: { tasks: ['scenes'], files: [] },
  heldOut: 'naming',
  options,
  optionInfo: optionInfoOf(options),
  optionsFromRun: (config) => optionsFromRunConfig(options, config, { imageSize: 'imageSize', dModel: 'units', maxLength: 'maxLength', attention: 'attention' }),
  train: async ({ loop, options: o, onProgress }) => {
    const r = await trainCaptioner({
      model: defined({ attention: o.attention, imageSize: o.imageSize, units: o.dModel, maxLength: o.maxLength }),
      ...loop,
      learningRate: o.learningRate,
      onProgress: (p) => onProgress?.({ ...p, heldOut: p.naming }),
    });
    r.bundle.model.dispose();
    return loopOutcome(r, o.steps ?? 2000, { heldOutNaming: r.naming, heldOutPointing: r.pointing });
  },
};

export const captionerFamily: ModelFamily = {
  format: CAPTIONER_FORMAT,
  label: 'Captioner (Show, Attend and Tell)',
  summary: "CNN to a feature grid, LSTM with soft or hard attention, on the generated scenes' captions",
  inputs: ['image'],
  surfaces: ['caption'],
  load: async (dir) => {
    const bundle = await loadCaptioner(dir);
    const { config } = bundle.model;
    return {
      describe: () => ({
        family: CAPTIONER_FORMAT,
        familyLabel: captionerFamily.label,
        input: 'image',
        surfaces: [...captionerFamily.surfaces],
        // Its maps are per word over the grid (the image panel's caption strip), not layers of heads.
        attention: [],
        dModel: config.units,
        maxLength: config.maxLength,
        tokenizer: 'word',
        architecture: `${config.attention} attention over a ${bundle.model.gridSide}x${bundle.model.gridSide} grid`,
        metadata: bundle.metadata,
      }),
      image: {
        inputSize: config.imageSize,
        describeImage: () => ({ kind: CAPTIONER_FORMAT, inputSize: config.imageSize, classNames: [], captioner: { attention: config.attention, grid: bundle.model.gridSide, maxLength: config.maxLength } }),
        caption: (pixels, args) => captionImage(bundle, pixels, args),
      },
      dispose: () => bundle.model.dispose(),
    };
  },
  trainer,
};
