/**
 * Starts or resumes one training run of any trainable model, in the shared run format: the one
 * dispatch (model -> trainer, data source -> dataset) used by the CLI's `train` and by the engine's
 * 'train.start' request, so a run started from either looks the same on disk.
 *
 * Besides the trainer's own files it keeps process.json (this process trains the run; removed at the
 * end, so a run whose process was killed reads as failed) and data.json (where the examples came
 * from, so a resume or a duplicate finds a TSV or text file again).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import type { TrainData, TrainOptions, TrainableModel } from '../../protocol/training';
import { writeFileAtomic } from '../../protocol/runFolder/atomicWrite';
import { getTask, TASK_NAMES } from '../data/tasks';
import type { FamilyTrainer, RunProgress } from '../models/modelFamily';
import { findFamily, trainerOf } from '../models/registry';
import { checkOptions, defined } from '../training/trainOptions';
import { CONFIG_JSON, METRICS_JSONL, type RunConfig } from '../../protocol/runFolder/format';
import { readMetrics } from '../training/runWriter';
import { DATA_JSON, PROCESS_JSON, processAlive, type RunDataFile, type RunProcessFile } from '../../protocol/runFolder/reader';

export type { RunProgress } from '../models/modelFamily';

export interface TrainRunArgs {
  runDir: string;
  /** Continue the run in runDir from its newest complete checkpoint. */
  resume?: boolean;
  /** Required for a new run; a resumed run keeps its own. */
  model?: TrainableModel;
  /** Required for a new run of a model that trains on several sources; a resumed run reads its
   * data.json (or its built-in task). */
  data?: TrainData;
  /** The model's own options (see its trainer's schema); unknown ones are refused by name. */
  options?: TrainOptions;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Problems that do not stop training (e.g. malformed TSV lines). */
  onWarning?: (message: string) => void;
}

export interface TrainRunResult {
  runDir: string;
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  totalSteps?: number;
  finalLoss?: number;
  message?: string;
  lastCheckpoint?: string;
  wallSeconds: number;
  /** Model-specific figures for the CLI's summary. */
  details: Record<string, unknown>;
}

async function readConfig(runDir: string): Promise<RunConfig> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, CONFIG_JSON), 'utf8')) as RunConfig;
  } catch (err) {
    throw new RpcError('not-found', `${runDir}: no readable ${CONFIG_JSON} to resume (${(err as Error).message})`);
  }
}

async function readDataFile(runDir: string): Promise<RunDataFile | undefined> {
  return fs
    .readFile(path.join(runDir, DATA_JSON), 'utf8')
    .then((t) => JSON.parse(t) as RunDataFile)
    .catch(() => undefined);
}

/** The data of a resumed run: what the caller gave, else data.json, else its built-in task name. */
async function resumeData(runDir: string, config: RunConfig, given: TrainData | undefined): Promise<TrainData | undefined> {
  if (given) return given;
  const saved = await readDataFile(runDir);
  if (saved?.kind === 'task' && saved.name) return { kind: 'task', name: saved.name };
  if ((saved?.kind === 'tsv' || saved?.kind === 'text') && saved.path) return { kind: saved.kind, path: saved.path, tokenizer: saved.tokenizer };
  if (TASK_NAMES.includes(config.task) || findFamily(config.model)?.trainer?.data.tasks.includes(config.task)) return { kind: 'task', name: config.task };
  return undefined;
}

/** What a new run needs to repeat the run in `runDir` (Duplicate): its model, data and options. */
export async function runOptions(runDir: string): Promise<{ model: string; data?: TrainData; options: TrainOptions }> {
  const config = await readConfig(runDir);
  const { trainer } = trainerOf(config.model);
  const options = trainer.optionsFromRun({ seed: config.seed, modelConfig: config.modelConfig, training: config.training }) as TrainOptions;
  return { model: config.model, data: await resumeData(runDir, config, undefined), options };
}

function dataFile(data: TrainData): RunDataFile {
  return data.kind === 'task' ? { kind: 'task', name: data.name } : { kind: data.kind, path: path.resolve(data.path), tokenizer: data.tokenizer ?? 'char' };
}

const FILE_NAMES = { tsv: 'TSV corpus', text: 'text file' } as const;

/** `data` as `model`'s trainer takes it; refused by name otherwise. Without data, a model that trains
 * on one task alone gets that task. */
function checkData(model: string, trainer: FamilyTrainer, data: TrainData | undefined): TrainData {
  const { tasks, files } = trainer.data;
  const only = files.length === 0 && tasks.length === 1 ? tasks[0] : undefined;
  if (!data) {
    if (only) return { kind: 'task', name: only };
    throw new RpcError('bad-request', `train needs ${['a task', ...files.map((f) => `a ${f === 'tsv' ? 'TSV' : 'text'} file`)].join(', ').replace(/, ([^,]*)$/, ' or $1')}`);
  }
  if (data.kind === 'task' && !tasks.includes(data.name)) {
    if (only) throw new RpcError('bad-request', `${model} trains on the task '${only}' (got '${data.name}')`);
    if (!TASK_NAMES.includes(data.name)) getTask(data.name); // unknown: its message lists the tasks
    throw new RpcError('bad-request', `${model} trains on the tasks ${tasks.join(', ')} (got '${data.name}')`);
  }
  if (data.kind !== 'task' && !files.includes(data.kind)) {
    if (only) throw new RpcError('bad-request', `${model} trains on the task '${only}' (got a ${data.kind} file)`);
    throw new RpcError('bad-request', `${model} trains on a task or a ${files.map((f) => FILE_NAMES[f]).join(' or ')}, not a ${FILE_NAMES[data.kind]}`);
  }
  return data;
}

/** Trains (or resumes) one run; resolves when it finished, stopped (signal) or failed (NaN, bad data). */
export async function trainRun(args: TrainRunArgs): Promise<TrainRunResult> {
  const runDir = path.resolve(args.runDir);
  let o: TrainOptions = args.options ?? {};
  const warn = args.onWarning ?? (() => undefined);
  let model = args.model;
  let data = args.data;
  let saved: unknown;
  let savedSteps: number | undefined;
  if (args.resume) {
    const config = await readConfig(runDir);
    const owner = await fs
      .readFile(path.join(runDir, PROCESS_JSON), 'utf8')
      .then((t) => JSON.parse(t) as RunProcessFile)
      .catch(() => undefined);
    if (owner && owner.pid !== process.pid && owner.hostname === os.hostname() && processAlive(owner.pid)) {
      throw new RpcError('bad-request', `${runDir} is being trained by process ${owner.pid}; stop it before resuming`);
    }
    model ??= config.model as TrainableModel;
    data = await resumeData(runDir, config, data);
    saved = (await readDataFile(runDir))?.options;
    savedSteps = typeof config.training?.steps === 'number' ? config.training.steps : undefined;
    // The resume rewrites metrics.jsonl without corrupt lines (e.g. one half-written by a crash): say so.
    const { skippedLines } = await readMetrics(runDir);
    if (skippedLines.length) warn(`${path.join(runDir, METRICS_JSONL)}: skipped ${skippedLines.length} corrupt line(s) (line ${skippedLines.slice(0, 5).join(', ')}${skippedLines.length > 5 ? ', …' : ''}); the resume drops them`);
  } else {
    if (!model) throw new RpcError('bad-request', 'train: name the model to train');
    const exists = await fs.stat(path.join(runDir, CONFIG_JSON)).catch(() => undefined);
    if (exists) throw new RpcError('bad-request', `${runDir} already holds a run; choose another folder or resume it`);
  }
  const { family, trainer } = trainerOf(model ?? '');
  // A resume keeps the run's logging, checkpoint and evaluation intervals, unless given again.
  const previous = trainer.options.safeParse(saved ?? {});
  if (previous.success) o = { ...(previous.data as TrainOptions), ...defined(o) } as TrainOptions;
  const steps = (o.steps as number | undefined) ?? savedSteps;
  const checked = checkOptions(model as string, trainer.options, o);
  if ('problem' in checked) throw new RpcError('bad-request', checked.problem);
  const onlyTask = trainer.data.files.length === 0 && trainer.data.tasks.length === 1;
  if (args.resume && !data && !onlyTask) throw new RpcError('bad-request', `${runDir}: cannot tell which data the run was trained on (no ${DATA_JSON}); give it again`);
  data = checkData(model as string, trainer, data);

  await fs.mkdir(runDir, { recursive: true });
  const proc = path.join(runDir, PROCESS_JSON);
  await writeFileAtomic(proc, JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() }, null, 2));
  // What the model reads goes beside the data, so the sidebar shows the run without the engine.
  const input = data.kind === 'tsv' ? 'text-pair' : data.kind === 'text' ? 'text' : family.inputs[0];
  if (!args.resume) await writeFileAtomic(path.join(runDir, DATA_JSON), JSON.stringify({ ...dataFile(data), input, options: o }, null, 2));
  const opts = checked.options as Record<string, number | undefined>;
  const t0 = performance.now();
  try {
    const r = await trainer.train({
      loop: { steps, batchSize: opts.batchSize, seed: opts.seed, clipNorm: opts.clipNorm, checkpointEvery: opts.checkpointEvery, evalEvery: opts.evalEvery, logEvery: opts.logEvery, outDir: runDir, resume: args.resume === true, signal: args.signal },
      options: { ...checked.options, ...(steps !== undefined ? { steps } : {}) },
      input: { data, warn },
      onProgress: args.onProgress,
    });
    return { runDir, ...r, wallSeconds: (performance.now() - t0) / 1000 };
  } finally {
    await fs.rm(proc, { force: true });
  }
}
