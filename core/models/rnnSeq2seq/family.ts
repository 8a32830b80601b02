/** The RNN seq2seq family: a bidirectional encoder and an attentional decoder (Bahdanau / Luong). */
import { z } from 'zod';
import { readTextTrainData } from '../../data/trainData';
import { TASK_NAMES } from '../../data/tasks';
import type { Seq2SeqDataset } from '../../data/tasks/task';
import { ATTENTION_SCORES } from '../../nn/attentionScore';
import { RECURRENT_KINDS } from '../../nn/recurrentCell';
import { loopOutcome } from '../../training/trainLoop';
import { defined, loopOptions, option, optionInfoOf, optionsFromRunConfig } from '../../training/trainOptions';
import type { FamilyTrainer, ModelFamily } from '../modelFamily';
import { loadRnnSeq2seq, RNN_SEQ2SEQ_FORMAT } from './checkpoint';
import { rnnTextModel } from './textModel';
import { trainRnnSeq2seq } from './trainRnnSeq2seq';

const options = z.object({
  ...loopOptions({ steps: 2000, checkpointEvery: 500, evalEvery: 500, clipNorm: 1 }),
  cell: option(z.enum(RECURRENT_KINDS, { error: `cell must be one of ${RECURRENT_KINDS.join(', ')}` }), 'recurrent cell of the encoder and decoder', { fallback: 'gru' }),
  score: option(z.enum(ATTENTION_SCORES, { error: `score must be one of ${ATTENTION_SCORES.join(', ')}` }), 'attention score', { fallback: 'additive' }),
  dModel: option(z.number().int().positive().max(8192), 'units per encoder direction (the decoder has twice as many)', { fallback: 64 }),
  maxLength: option(z.number().int().positive().max(8192), 'longest sequence in tokens', { fallback: 64 }),
  learningRate: option(z.number().positive(), 'Adam learning rate', { aliases: ['lr'], fallback: 0.002 }),
  labelSmoothing: option(z.number().min(0).max(0.99), 'label smoothing', { fallback: 0.1 }),
});

const trainer: FamilyTrainer<typeof options> = {
  data: { tasks: TASK_NAMES, files: ['tsv'] },
  heldOut: 'exact',
  options,
  optionInfo: optionInfoOf(options),
  optionsFromRun: (config) => optionsFromRunConfig(options, config, { dModel: 'encoderUnits', maxLength: 'maxLength', cell: 'cell', score: 'score' }),
  train: async ({ loop, options: o, input, onProgress }) => {
    const { dataset } = input.data ? await readTextTrainData(input.data, input.warn) : {};
    const r = await trainRnnSeq2seq({
      dataset: dataset as Seq2SeqDataset,
      model: defined({ cell: o.cell, score: o.score, encoderUnits: o.dModel, maxLength: o.maxLength }),
      ...loop,
      learningRate: o.learningRate,
      labelSmoothing: o.labelSmoothing,
      onProgress: (p) => onProgress?.({ ...p, heldOut: p.evalExactMatch }),
    });
    r.bundle.model.dispose();
    return loopOutcome(r, o.steps ?? 2000, { heldOutExactMatch: r.evalExactMatch });
  },
};

export const rnnSeq2seqFamily: ModelFamily = {
  format: RNN_SEQ2SEQ_FORMAT,
  label: 'RNN seq2seq (Bahdanau attention)',
  summary: 'bidirectional GRU encoder, attentional GRU decoder, on a task or TSV corpus',
  inputs: ['text-pair'],
  surfaces: ['attention', 'decode'],
  load: async (dir) => {
    const bundle = await loadRnnSeq2seq(dir);
    const c = bundle.model.config;
    return {
      describe: () => ({
        family: RNN_SEQ2SEQ_FORMAT,
        familyLabel: rnnSeq2seqFamily.label,
        input: 'text-pair',
        surfaces: [...rnnSeq2seqFamily.surfaces],
        // One alignment over the source per output step: a 'cross' map of one layer and one head.
        attention: [{ kind: 'cross', layers: 1, heads: 1, queries: 'target', keys: 'source', structure: 'alignment', queryKey: false, ablation: false }],
        dModel: c.decoderUnits,
        maxLength: c.maxLength,
        tokenizer: bundle.sourceTokenizer.kind,
        architecture: `bidirectional ${c.cell.toUpperCase()} encoder 2x${c.encoderUnits}, ${c.cell.toUpperCase()} decoder ${c.decoderUnits}, ${c.score} attention`,
        metadata: bundle.metadata,
      }),
      text: rnnTextModel(bundle),
      dispose: () => bundle.model.dispose(),
    };
  },
  trainer,
};
