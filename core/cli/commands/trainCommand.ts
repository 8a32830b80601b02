/** `attention-debugger train`: trains a model from the command line into a run folder. */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { ATTENTION_SCORES, CAPTION_ATTENTIONS, RECURRENT_CELLS, TRAINABLE_MODELS, type TrainableModel, type TrainData } from '../../../protocol/training';
import { IMAGE_MODEL_KINDS } from '../../imageClassifiers/imageModel';
import { IMAGE_TRAINING_DEFAULTS } from '../../imageClassifiers/trainImageRun';
import { CAPTIONER_MODEL } from '../../models/captioning/trainCaptioner';
import { trainRun } from '../../runs/trainRun';
import { getTask, TASK_NAMES } from '../../data/tasks';
import type { TokenizerKind } from '../../text/tokenizer';
import type { TrainProgress } from '../../models/transformer/trainTransformer';
import type { CliCommand } from '../cliCommand';

const MODELS: readonly string[] = TRAINABLE_MODELS;
/** Options only the image classifiers read; given with another model they are refused, not ignored. */
const IMAGE_ONLY_OPTIONS = ['lr', 'image-size', 'patch-size', 'width-multiplier'];

function num(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new RpcError('bad-request', `--${name} must be a number, got '${String(v)}'`);
  return n;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One progress line; `heldOutName` says what the held-out number is (exact match, or an image model's accuracy). */
export function progressLine(p: TrainProgress, heldOutName = 'exact'): string {
  const em = p.evalExactMatch !== undefined ? `  held-out ${heldOutName} ${(p.evalExactMatch * 100).toFixed(1)}%` : '';
  return `step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)}  acc ${(p.accuracy * 100).toFixed(1)}%  lr ${p.learningRate.toExponential(2)}  ${p.stepsPerSecond.toFixed(2)} steps/s  ETA ${duration(p.etaSeconds)}${em}`;
}

/** An option that takes one of `allowed`, checked. */
function choice<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new RpcError('bad-request', `--${name} must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, got '${String(v)}'`);
  return v as T;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a model on a built-in task, a TSV corpus or a text file; writes a run folder',
  help: [
    `Usage: attention-debugger train --model ${MODELS.join('|')} (--task NAME | --tsv FILE | --text FILE) --out DIR [options]`,
    '',
    `  --task NAME            built-in generated task: ${TASK_NAMES.join(', ')}`,
    '  --tsv FILE             parallel corpus, one "source<TAB>target" per line (malformed lines are reported and skipped)',
    '  --text FILE            plain text: trains a decoder-only language model',
    '  --tokenizer char|word  for --tsv and --text (default char)',
    '  --out DIR              run folder: config.json, status.json, metrics.jsonl, samples.jsonl, checkpoints/',
    '  --resume               continue the run in --out from its newest checkpoint',
    '  --steps N (2000)  --batch N (32)  --seed N (1)',
    '  --layers N (2, both stacks) | --encoder-layers N --decoder-layers N',
    '  --d-model N (64)  --heads N (4)  --d-ff N (256)  --dropout X (0.1)  --max-length N (64)',
    '  --warmup N (400)  --lr-factor X (1)  --label-smoothing X (0.1)  --clip X (1, 0 = off)',
    '  --checkpoint-every N (500)  --eval-every N (500)  --log-every N (10)',
    '  rnn-seq2seq (task or TSV only): --cell gru|lstm (gru)  --score additive|dot|general (additive)',
    '    --d-model N (64, units per encoder direction; the decoder has twice as many)  --learning-rate X (0.002, Adam)',
    '    --max-length N  --label-smoothing X  --clip X as above',
    '  captioner (--task scenes): --attention soft|hard (soft)  --d-model N (64, LSTM units)  --learning-rate X (0.002)',
    '    --max-length N (16)  --clip X (5); checkpoint every 250 steps by default',
    '  vit, vgg-attention (--task scenes): --steps N  --batch N  --seed N  --lr X (peak learning rate)  --image-size 64|32',
    `    defaults: vit ${JSON.stringify(IMAGE_TRAINING_DEFAULTS.vit)}, vgg-attention ${JSON.stringify(IMAGE_TRAINING_DEFAULTS['vgg-attention'])}`,
    '    vit: --patch-size N (8)  --layers N (4)  --d-model N (64)  --heads N (4)  --d-ff N (128, MLP width)',
    '    vgg-attention: --width-multiplier X (0.0625)',
    '    --checkpoint-every N (250)  --eval-every N (500)  --log-every N (10)',
    '',
    'Ctrl-C stops at the next step and writes a checkpoint; --resume continues it.',
  ].join('\n'),
  options: {
    model: { type: 'string', default: 'transformer' },
    task: { type: 'string' },
    tsv: { type: 'string' },
    text: { type: 'string' },
    tokenizer: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    layers: { type: 'string' },
    'encoder-layers': { type: 'string' },
    'decoder-layers': { type: 'string' },
    'd-model': { type: 'string' },
    heads: { type: 'string' },
    'd-ff': { type: 'string' },
    dropout: { type: 'string' },
    'max-length': { type: 'string' },
    warmup: { type: 'string' },
    'lr-factor': { type: 'string' },
    'label-smoothing': { type: 'string' },
    clip: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'eval-every': { type: 'string' },
    'log-every': { type: 'string' },
    cell: { type: 'string' },
    score: { type: 'string' },
    'learning-rate': { type: 'string' },
    attention: { type: 'string' },
    lr: { type: 'string' },
    'image-size': { type: 'string' },
    'patch-size': { type: 'string' },
    'width-multiplier': { type: 'string' },
  },
  run: async (values) => {
    const model = String(values.model);
    if (!MODELS.includes(model)) throw new RpcError('unsupported', `--model ${model} cannot be trained from the CLI yet; available: ${MODELS.join(', ')}`);
    const isImage = (IMAGE_MODEL_KINDS as readonly string[]).includes(model);
    const misplaced = isImage ? undefined : IMAGE_ONLY_OPTIONS.find((k) => values[k] !== undefined);
    if (misplaced) throw new RpcError('bad-request', `--${misplaced} is for the image models (${IMAGE_MODEL_KINDS.join(', ')}), not --model ${model}`);
    const sources = ['task', 'tsv', 'text'].filter((k) => values[k] !== undefined);
    if (sources.length !== 1 && !values.resume) throw new RpcError('bad-request', 'train needs exactly one of --task, --tsv or --text');
    if (!values.out) throw new RpcError('bad-request', 'train needs --out DIR (the run folder)');
    const tokenizer = (values.tokenizer ?? 'char') as TokenizerKind;
    if (tokenizer !== 'char' && tokenizer !== 'word') throw new RpcError('bad-request', `--tokenizer must be char or word, got '${String(tokenizer)}'`);
    // The data source; a resumed run may leave it out (trainRun finds it in the run folder).
    const data: TrainData | undefined = values.task
      ? { kind: 'task', name: String(values.task) }
      : values.tsv
        ? { kind: 'tsv', path: path.resolve(String(values.tsv)), tokenizer }
        : values.text
          ? { kind: 'text', path: path.resolve(String(values.text)), tokenizer }
          : undefined;
    // An unknown text task fails here, before a folder is made; the image models' 'scenes' is checked by trainRun.
    if (data?.kind === 'task' && model !== CAPTIONER_MODEL && !isImage) getTask(data.name);
    const ac = new AbortController();
    const onSigint = () => {
      console.error('\nstopping at the next step (Ctrl-C again to kill)...');
      ac.abort();
      process.off('SIGINT', onSigint);
    };
    process.on('SIGINT', onSigint);
    const tty = process.stderr.isTTY;
    try {
      const r = await trainRun({
        runDir: String(values.out),
        resume: values.resume === true,
        model: model as TrainableModel,
        data,
        options: {
          cell: choice(values, 'cell', RECURRENT_CELLS),
          score: choice(values, 'score', ATTENTION_SCORES),
          attention: choice(values, 'attention', CAPTION_ATTENTIONS),
          steps: num(values, 'steps'),
          batchSize: num(values, 'batch'),
          seed: num(values, 'seed'),
          layers: num(values, 'layers'),
          encoderLayers: num(values, 'encoder-layers'),
          decoderLayers: num(values, 'decoder-layers'),
          dModel: num(values, 'd-model'),
          heads: num(values, 'heads'),
          dFF: num(values, 'd-ff'),
          dropout: num(values, 'dropout'),
          maxLength: num(values, 'max-length'),
          warmup: num(values, 'warmup'),
          learningRateFactor: num(values, 'lr-factor'),
          labelSmoothing: num(values, 'label-smoothing'),
          clipNorm: num(values, 'clip'),
          checkpointEvery: num(values, 'checkpoint-every'),
          evalEvery: num(values, 'eval-every'),
          logEvery: num(values, 'log-every'),
          learningRate: num(values, 'learning-rate') ?? num(values, 'lr'),
          imageSize: num(values, 'image-size'),
          patchSize: num(values, 'patch-size'),
          widthMultiplier: num(values, 'width-multiplier'),
        },
        signal: ac.signal,
        onWarning: (message) => console.error(`warning: ${message}`),
        onProgress: (p) => {
          const line = progressLine({ ...p, evalExactMatch: p.heldOut }, isImage ? 'acc' : 'exact');
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      console.log(JSON.stringify({ status: r.status, step: r.step, finalLoss: r.finalLoss, ...r.details, wallSeconds: r.wallSeconds, checkpoint: r.lastCheckpoint, message: r.message }, null, 2));
      return r.status === 'failed' ? 1 : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
