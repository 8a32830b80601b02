/** Training options as the user edits them: from the setting, and from an existing run (duplicate). */
import type { RunConfig } from '../../protocol/runFolder/format';
import type { RunDataFile } from '../../protocol/runFolder/reader';
import { TrainOptions, type TrainData, type TrainableModel } from '../../protocol/training';

const NUMERIC_FROM_TRAINING = ['steps', 'batchSize', 'warmup', 'learningRateFactor', 'learningRate', 'labelSmoothing', 'clipNorm', 'checkpointEvery', 'evalEvery'] as const;

/** A run's config as the options a new run would need to repeat it. Unknown or invalid values are left out. */
export function optionsFromConfig(config: Pick<RunConfig, 'model' | 'seed' | 'modelConfig' | 'training'>): TrainOptions {
  const raw: Record<string, unknown> = { seed: config.seed };
  for (const k of NUMERIC_FROM_TRAINING) raw[k] = config.training?.[k];
  const m = config.modelConfig ?? {};
  if (config.model === 'transformer') {
    Object.assign(raw, { encoderLayers: m.encoderLayers, decoderLayers: m.decoderLayers, dModel: m.dModel, heads: m.heads, dFF: m.dFF, dropout: m.dropout, maxLength: m.maxLength });
  } else if (config.model === 'rnn-seq2seq') {
    Object.assign(raw, { dModel: m.encoderUnits, maxLength: m.maxLength, cell: m.cell, score: m.score });
  } else if (config.model === 'captioner') {
    Object.assign(raw, { imageSize: m.imageSize, dModel: m.units, maxLength: m.maxLength, attention: m.attention });
  } else if (config.model === 'vit') {
    Object.assign(raw, { imageSize: m.imageSize, patchSize: m.patchSize, layers: m.depth, dModel: m.dim, heads: m.heads, dFF: m.mlpDim });
  } else {
    Object.assign(raw, { imageSize: m.imageSize, widthMultiplier: m.widthMultiplier });
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const one = TrainOptions.safeParse({ [k]: v });
    if (one.success) out[k] = v;
  }
  return out as TrainOptions;
}

/** The data a run was trained on, as a train request names it. */
export function dataFromRun(model: string, task: string, data: RunDataFile | undefined): TrainData | undefined {
  if (data?.kind === 'task' && data.name) return { kind: 'task', name: data.name };
  if ((data?.kind === 'tsv' || data?.kind === 'text') && data.path) return { kind: data.kind, path: data.path, tokenizer: data.tokenizer };
  if ((model !== 'transformer' && model !== 'rnn-seq2seq') || !/^(tsv|text):/.test(task)) return { kind: 'task', name: task };
  return undefined;
}

/** Parses the user's edited options (JSON); throws with a message naming the bad field. */
export function parseOptionsJson(text: string): TrainOptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  const parsed = TrainOptions.strict().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join('.') || 'options'}: ${issue.message}`);
  }
  return parsed.data;
}

export function dataLabel(data: TrainData): string {
  return data.kind === 'task' ? data.name : `${data.kind}:${data.path.split(/[\\/]/).pop()}`;
}

export const MODEL_LABELS: Record<TrainableModel, { label: string; detail: string }> = {
  transformer: { label: 'Transformer', detail: 'encoder-decoder on a task or TSV corpus; decoder-only language model on a text file' },
  'rnn-seq2seq': { label: 'RNN seq2seq (Bahdanau attention)', detail: 'bidirectional GRU encoder, attentional GRU decoder, on a task or TSV corpus' },
  vit: { label: 'ViT', detail: 'vision transformer on generated scenes (attention rollout)' },
  'vgg-attention': { label: 'VGG-16 with attention gates', detail: 'attention-gated CNN on generated scenes' },
  captioner: { label: 'Captioner (Show, Attend and Tell)', detail: 'CNN to a feature grid, LSTM with soft or hard attention, on the generated scenes\' captions' },
};
