/** The Transformer family: encoder-decoder (a source text to an output text) and decoder-only LM. */
import { z } from 'zod';
import { readTextTrainData } from '../../data/trainData';
import { TASK_NAMES } from '../../data/tasks';
import { loopOutcome } from '../../training/trainLoop';
import { defined, loopOptions, option, optionInfoOf, optionsFromRunConfig } from '../../training/trainOptions';
import type { FamilyDescription, FamilyTrainer, ModelFamily } from '../modelFamily';
import { loadTransformer, TRANSFORMER_FORMAT, type TransformerBundle } from './checkpoint';
import { transformerTextModel } from './textModel';
import { trainTransformer } from './trainTransformer';

const int = (max: number) => z.number().int().positive().max(max);

const options = z.object({
  ...loopOptions({ steps: 2000, checkpointEvery: 500, evalEvery: 500, clipNorm: 1 }),
  layers: option(int(64), 'layers of both stacks (unless encoderLayers / decoderLayers are given)', { fallback: 2 }),
  encoderLayers: option(int(64), 'encoder layers'),
  decoderLayers: option(int(64), 'decoder layers'),
  dModel: option(int(8192), 'model width (divisible by heads)', { fallback: 64 }),
  heads: option(int(128), 'attention heads', { fallback: 4 }),
  dFF: option(int(65536), 'feed-forward width', { fallback: 256 }),
  dropout: option(z.number().min(0).max(0.99), 'dropout rate', { fallback: 0.1 }),
  maxLength: option(int(8192), 'longest sequence in tokens', { fallback: 64 }),
  warmup: option(z.number().int().nonnegative(), 'warm-up steps of the learning-rate schedule', { fallback: 400 }),
  learningRateFactor: option(z.number().positive(), 'multiplier of the warm-up schedule', { flag: 'lr-factor', fallback: 1 }),
  labelSmoothing: option(z.number().min(0).max(0.99), 'label smoothing', { fallback: 0.1 }),
});

const trainer: FamilyTrainer<typeof options> = {
  data: { tasks: TASK_NAMES, files: ['tsv', 'text'] },
  heldOut: 'exact',
  options,
  optionInfo: optionInfoOf(options),
  optionsFromRun: (config) =>
    optionsFromRunConfig(options, config, { encoderLayers: 'encoderLayers', decoderLayers: 'decoderLayers', dModel: 'dModel', heads: 'heads', dFF: 'dFF', dropout: 'dropout', maxLength: 'maxLength' }),
  train: async ({ loop, options: o, input, onProgress }) => {
    const { dataset, text } = input.data ? await readTextTrainData(input.data, input.warn) : {};
    let totalSteps = o.steps ?? 2000;
    const r = await trainTransformer({
      dataset,
      text,
      model: defined({ encoderLayers: o.encoderLayers ?? o.layers, decoderLayers: o.decoderLayers ?? o.layers, dModel: o.dModel, heads: o.heads, dFF: o.dFF, dropout: o.dropout, maxLength: o.maxLength }),
      ...loop,
      warmup: o.warmup,
      learningRateFactor: o.learningRateFactor,
      labelSmoothing: o.labelSmoothing,
      onProgress: (p) => {
        totalSteps = p.totalSteps;
        onProgress?.({ ...p, heldOut: p.evalExactMatch });
      },
    });
    r.bundle.model.dispose();
    return loopOutcome(r, totalSteps, { heldOutExactMatch: r.evalExactMatch });
  },
};

function describe({ model, sourceTokenizer, targetTokenizer, metadata }: TransformerBundle): FamilyDescription {
  const c = model.config;
  const seq2seq = c.kind === 'seq2seq';
  const self = (kind: 'encoder-self' | 'decoder-self', layers: number, over: 'source' | 'target') =>
    ({ kind, layers, heads: c.heads, queries: over, keys: over, structure: 'heads', queryKey: true, ablation: true }) as const;
  return {
    family: TRANSFORMER_FORMAT,
    familyLabel: transformerFamily.label,
    input: seq2seq ? 'text-pair' : 'text',
    surfaces: [...transformerFamily.surfaces],
    attention: seq2seq
      ? [self('encoder-self', c.encoderLayers, 'source'), self('decoder-self', c.decoderLayers, 'target'), { kind: 'cross', layers: c.decoderLayers, heads: c.heads, queries: 'target', keys: 'source', structure: 'heads', queryKey: true, ablation: true }]
      : [self('decoder-self', c.decoderLayers, 'target')],
    dModel: c.dModel,
    maxLength: c.maxLength,
    tokenizer: (sourceTokenizer ?? targetTokenizer).kind,
    metadata,
  };
}

export const transformerFamily: ModelFamily = {
  format: TRANSFORMER_FORMAT,
  label: 'Transformer',
  summary: 'encoder-decoder on a task or TSV corpus; decoder-only language model on a text file',
  inputs: ['text-pair', 'text'],
  surfaces: ['attention', 'decode'],
  load: async (dir) => {
    const bundle = await loadTransformer(dir);
    return { describe: () => describe(bundle), text: transformerTextModel(bundle), dispose: () => bundle.model.dispose() };
  },
  trainer,
};
