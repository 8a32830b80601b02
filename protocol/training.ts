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

/** A trainable model's name: its family's checkpoint format ('transformer', 'vit', ...). The engine
 * lists them ('train.models'); the list lives in the engine's family registry, not here. */
export const TrainableModel = z.string().min(1).max(100);
export type TrainableModel = z.infer<typeof TrainableModel>;

/** Where the examples come from: a built-in task, a TSV corpus (seq2seq) or a text (language model). */
export const TrainData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('task'), name: z.string().min(1) }),
  z.object({ kind: z.literal('tsv'), path: z.string().min(1), tokenizer: z.enum(['char', 'word']).optional() }),
  z.object({ kind: z.literal('text'), path: z.string().min(1), tokenizer: z.enum(['char', 'word']).optional() }),
]);
export type TrainData = z.infer<typeof TrainData>;

/** Options as a user gives them: names and values; each model's trainer validates its own (see
 * 'train.models' for what each takes). */
export const TrainOptionValue = z.union([z.number(), z.string(), z.boolean()]);
export const TrainOptions = z.record(z.string().max(100), TrainOptionValue);
export type TrainOptions = z.infer<typeof TrainOptions>;

/** One option a model's trainer takes, for forms, pickers and --help. */
export const TrainOptionInfo = z.object({
  name: z.string(),
  /** The CLI flag, without the dashes (`batch` for batchSize). */
  flag: z.string(),
  description: z.string(),
  type: z.enum(['integer', 'number', 'choice']),
  choices: z.array(z.object({ value: z.string(), label: z.string(), detail: z.string() })).optional(),
  /** Train Model asks for it when it is unset (a choice that makes a different model). */
  ask: z.boolean().optional(),
  default: TrainOptionValue.optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type TrainOptionInfo = z.infer<typeof TrainOptionInfo>;

export const TrainableModelInfo = z.object({
  model: TrainableModel,
  label: z.string(),
  detail: z.string(),
  /** What it trains on: these built-in tasks, and files of these kinds. */
  data: z.object({ tasks: z.array(z.string()), files: z.array(z.enum(['tsv', 'text'])) }),
  options: z.array(TrainOptionInfo),
});
export type TrainableModelInfo = z.infer<typeof TrainableModelInfo>;

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
  /** Every model that can be trained, with its data and its options. */
  'train.models': { params: z.object({}), result: z.array(TrainableModelInfo) },
  /** Checks options for a model without training: the first problem, named, or none. */
  'train.checkOptions': { params: z.object({ model: TrainableModel, options: z.record(z.string(), z.unknown()) }), result: z.object({ problem: z.string().optional() }) },
  /** What a new run needs to repeat an existing one: its model, data and options (for Duplicate). */
  'train.runOptions': {
    params: z.object({ runDir: z.string().min(1) }),
    result: z.object({ model: TrainableModel, data: TrainData.optional(), options: TrainOptions }),
  },
} satisfies RequestSchemas;
