/**
 * Training requests the engine answers (spread into engineSide.requests in engine.ts). Imports no
 * vscode, no DOM, no tfjs.
 *
 * 'train.start' is long-running: it sends throttled progress (step, total, metrics: loss, accuracy,
 * learningRate, stepsPerSecond, etaSeconds), and when the caller cancels it stops at the next step,
 * writes a checkpoint and marks the run 'stopped'. 'train.stop' stops a run this engine is training
 * (started by any caller) and answers once the run's files are final.
 */
import { z } from 'zod';
import type { RequestSchemas } from './rpc';

export const TRAINABLE_MODELS = ['transformer', 'rnn-seq2seq', 'vit', 'vgg-attention', 'captioner'] as const;
export const TrainableModel = z.enum(TRAINABLE_MODELS);
export type TrainableModel = z.infer<typeof TrainableModel>;

/** Where the examples come from: a built-in task, a TSV corpus (seq2seq) or a text (language model). */
export const TrainData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('task'), name: z.string().min(1) }),
  z.object({ kind: z.literal('tsv'), path: z.string().min(1), tokenizer: z.enum(['char', 'word']).optional() }),
  z.object({ kind: z.literal('text'), path: z.string().min(1), tokenizer: z.enum(['char', 'word']).optional() }),
]);
export type TrainData = z.infer<typeof TrainData>;

const positiveInt = z.number().int().positive();

/** The model-shape choices a run is created with (a resumed run keeps its checkpoint's). */
export const RECURRENT_CELLS = ['gru', 'lstm'] as const;
export const ATTENTION_SCORES = ['additive', 'dot', 'general'] as const;
export const CAPTION_ATTENTIONS = ['soft', 'hard'] as const;

/** Options a user may set; every one is optional and defaults as in the CLI (`train --help`). */
export const TrainOptions = z.object({
  steps: positiveInt.max(10_000_000).optional(),
  batchSize: positiveInt.max(4096).optional(),
  seed: z.number().int().optional(),
  /** Transformer: layers of both stacks, unless encoderLayers/decoderLayers are given. ViT: depth. */
  layers: positiveInt.max(64).optional(),
  encoderLayers: positiveInt.max(64).optional(),
  decoderLayers: positiveInt.max(64).optional(),
  dModel: positiveInt.max(8192).optional(),
  heads: positiveInt.max(128).optional(),
  dFF: positiveInt.max(65536).optional(),
  dropout: z.number().min(0).max(0.99).optional(),
  maxLength: positiveInt.max(8192).optional(),
  warmup: z.number().int().nonnegative().optional(),
  learningRateFactor: z.number().positive().optional(),
  /** Image models: peak learning rate. */
  learningRate: z.number().positive().optional(),
  labelSmoothing: z.number().min(0).max(0.99).optional(),
  clipNorm: z.number().nonnegative().optional(),
  /** Image models. */
  imageSize: positiveInt.max(1024).optional(),
  patchSize: positiveInt.max(256).optional(),
  widthMultiplier: z.number().positive().optional(),
  checkpointEvery: positiveInt.optional(),
  evalEvery: z.number().int().nonnegative().optional(),
  logEvery: positiveInt.optional(),
  /** RNN seq2seq, new runs: the recurrent cell (default gru) and the attention score (default additive). */
  cell: z.enum(RECURRENT_CELLS, { error: `cell must be one of ${RECURRENT_CELLS.join(', ')}` }).optional(),
  score: z.enum(ATTENTION_SCORES, { error: `score must be one of ${ATTENTION_SCORES.join(', ')}` }).optional(),
  /** Captioner, new runs: soft (default) or hard attention. */
  attention: z.enum(CAPTION_ATTENTIONS, { error: `attention must be one of ${CAPTION_ATTENTIONS.join(', ')}` }).optional(),
});
export type TrainOptions = z.infer<typeof TrainOptions>;

export const TrainStartParams = z.object({
  /** The run folder (absolute). A new run must not exist yet; a resumed one must. */
  runDir: z.string().min(1),
  /** Continue the run in runDir from its newest complete checkpoint (model and data from the run). */
  resume: z.boolean().optional(),
  model: TrainableModel.optional(),
  data: TrainData.optional(),
  options: TrainOptions.optional(),
});
export type TrainStartParams = z.infer<typeof TrainStartParams>;

export const TrainOutcome = z.object({
  runDir: z.string(),
  status: z.enum(['finished', 'stopped', 'failed']),
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative().optional(),
  finalLoss: z.number().optional(),
  message: z.string().optional(),
  lastCheckpoint: z.string().optional(),
  wallSeconds: z.number(),
});
export type TrainOutcome = z.infer<typeof TrainOutcome>;

export const trainingRequests = {
  'train.start': { params: TrainStartParams, result: TrainOutcome },
  /** Stops a run this engine trains; answers with its final state, or `running: false` if it was not training it. */
  'train.stop': {
    params: z.object({ runDir: z.string().min(1) }),
    result: z.object({ running: z.boolean(), outcome: TrainOutcome.optional() }),
  },
  /** The run folders this engine is training now. */
  'train.active': { params: z.object({}), result: z.object({ runDirs: z.array(z.string()) }) },
} satisfies RequestSchemas;
