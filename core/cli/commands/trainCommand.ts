/** `attention-debugger train`: trains a model from the command line into a run folder. */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import type { TrainData, TrainOptionInfo } from '../../../protocol/training';
import { TASK_NAMES } from '../../data/tasks';
import type { FamilyTrainer } from '../../models/modelFamily';
import { allFamilies, trainerOf } from '../../models/registry';
import { trainRun } from '../../runs/trainRun';
import type { TokenizerKind } from '../../text/tokenizer';
import type { TrainProgress } from '../../training/trainLoop';
import { optionFlags } from '../../training/trainOptions';
import type { CliCommand } from '../cliCommand';

/** The trainable families, with the CLI flag of each of their options. */
function trainables(): { model: string; trainer: FamilyTrainer; flags: Map<string, string> }[] {
  return allFamilies().flatMap((f) => (f.trainer ? [{ model: f.format, trainer: f.trainer, flags: optionFlags(f.trainer.optionInfo, f.trainer.options) }] : []));
}

function optionLine(o: TrainOptionInfo): string {
  const value = o.type === 'choice' ? (o.choices ?? []).map((c) => c.value).join('|') : o.type === 'integer' ? 'N' : 'X';
  return `    --${o.flag} ${value}${o.default !== undefined ? ` (${o.default})` : ''}  ${o.description}`;
}

/** What `train --help` says per model: its data and every option, from its trainer's schema. */
function modelHelp(): string[] {
  return allFamilies().flatMap((f) => {
    if (!f.trainer) return [];
    const { tasks, files } = f.trainer.data;
    const data = [tasks.length === 1 ? `--task ${tasks[0]}` : '--task NAME', ...files.map((k) => `--${k} FILE`)].join(' | ');
    return ['', `  ${f.format} (${data}): ${f.summary}`, ...f.trainer.optionInfo.map(optionLine)];
  });
}

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

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a model on a built-in task, a TSV corpus or a text file; writes a run folder',
  get help() {
    return [
      `Usage: attention-debugger train --model ${trainables().map((t) => t.model).join('|')} (--task NAME | --tsv FILE | --text FILE) --out DIR [options]`,
      '',
      `  --task NAME            built-in generated task: ${TASK_NAMES.join(', ')}, or scenes (the image models)`,
      '  --tsv FILE             parallel corpus, one "source<TAB>target" per line (malformed lines are reported and skipped)',
      '  --text FILE            plain text: trains a decoder-only language model',
      '  --tokenizer char|word  for --tsv and --text (default char)',
      '  --out DIR              run folder: config.json, status.json, metrics.jsonl, samples.jsonl, checkpoints/',
      '  --resume               continue the run in --out from its newest checkpoint',
      '',
      'Options per model (defaults in brackets):',
      ...modelHelp(),
      '',
      'Ctrl-C stops at the next step and writes a checkpoint; --resume continues it.',
    ].join('\n');
  },
  get options() {
    const flags = new Set(trainables().flatMap((t) => [...t.flags.keys()]));
    return {
      model: { type: 'string' as const, default: 'transformer' },
      task: { type: 'string' as const },
      tsv: { type: 'string' as const },
      text: { type: 'string' as const },
      tokenizer: { type: 'string' as const },
      out: { type: 'string' as const },
      resume: { type: 'boolean' as const },
      ...Object.fromEntries([...flags].map((f) => [f, { type: 'string' as const }])),
    };
  },
  run: async (values) => {
    const model = String(values.model);
    const { trainer } = trainerOf(model);
    const flags = optionFlags(trainer.optionInfo, trainer.options);
    // Options of other models are refused, not ignored.
    const own = new Set(['model', 'task', 'tsv', 'text', 'tokenizer', 'out', 'resume', 'help', 'backend', ...flags.keys()]);
    const misplaced = Object.keys(values).find((k) => values[k] !== undefined && !own.has(k));
    if (misplaced) throw new RpcError('bad-request', `--${misplaced} is not an option of --model ${model}; its options: ${[...flags.keys()].map((f) => `--${f}`).join(' ')}`);
    const sources = ['task', 'tsv', 'text'].filter((k) => values[k] !== undefined);
    if (sources.length > 1 || (sources.length === 0 && !values.resume && trainer.data.files.length > 0)) throw new RpcError('bad-request', 'train needs exactly one of --task, --tsv or --text');
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
    const options: Record<string, number | string> = {};
    for (const [flag, name] of flags) {
      if (values[flag] === undefined) continue;
      const info = trainer.optionInfo.find((o) => o.name === name) as TrainOptionInfo;
      options[name] = info.type === 'choice' ? String(values[flag]) : (num(values, flag) as number);
    }
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
        model,
        data,
        options,
        signal: ac.signal,
        onWarning: (message) => console.error(`warning: ${message}`),
        onProgress: (p) => {
          const line = progressLine({ ...p, evalExactMatch: p.heldOut }, trainer.heldOut);
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
