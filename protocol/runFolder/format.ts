/**
 * The training-run format on disk, shared by every model (Transformer, RNN seq2seq, image models).
 * Plain files any tool can read:
 *
 *   <runs>/<run id>/
 *     config.json       what was trained: model, task, model config, training options, seed
 *     status.json       running | finished | failed | stopped, step, last loss, last error (rewritten atomically)
 *     metrics.jsonl     one JSON object per logged step, append-only, flushed every few steps
 *     samples.jsonl     sample outputs at evaluation steps, append-only
 *     checkpoints/step-00001200/{model.json, weights.bin}   written atomically
 */
export const RUN_FORMAT = 'attention-debugger-run';
export const RUN_FORMAT_VERSION = 1;

export const CONFIG_JSON = 'config.json';
export const STATUS_JSON = 'status.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const SAMPLES_JSONL = 'samples.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';

export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped';

export interface RunConfig {
  format: typeof RUN_FORMAT;
  version: number;
  /** Folder name. */
  id: string;
  /** 'transformer', 'rnn-seq2seq', 'vit', ... */
  model: string;
  /** 'reverse', 'tsv:<file>', ... */
  task: string;
  createdAt: string;
  seed: number;
  /** The model's own configuration. */
  modelConfig: Record<string, unknown>;
  /** Training options (steps, batch size, learning-rate schedule, ...). */
  training: Record<string, unknown>;
}

export interface RunStatusFile {
  status: RunStatus;
  step: number;
  totalSteps?: number;
  lastLoss?: number;
  updatedAt: string;
  /** Why it failed or stopped. */
  message?: string;
}

/** Per head attention statistics, logged at evaluation steps. */
export interface AttentionStat {
  /** 'encoder-self' | 'decoder-self' | 'cross' | model-specific kinds */
  kind: string;
  layer: number;
  head: number;
  /** Mean entropy of the attention rows, in nats. */
  entropy: number;
  /** Mean weight on the first key (first token / [CLS]). */
  firstShare: number;
}

export interface MetricsRecord {
  step: number;
  /** Unix time, ms. */
  time: number;
  loss: number;
  accuracy?: number;
  learningRate?: number;
  gradNorm?: number;
  stepsPerSecond?: number;
  /** Held-out exact match at evaluation steps. */
  evalExactMatch?: number;
  attention?: AttentionStat[];
  [key: string]: unknown;
}

export interface SampleRecord {
  step: number;
  source: string;
  target: string;
  output: string;
  correct: boolean;
}

export function checkpointDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}
