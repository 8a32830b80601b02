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
import { TRAINABLE_MODELS, TrainOptions, type TrainData, type TrainableModel } from '../../protocol/training';
import { writeFileAtomic } from '../../protocol/runFolder/atomicWrite';
import { IMAGE_MODEL_KINDS, type ImageModelKind } from '../imageClassifiers/imageModel';
import { trainImageRun } from '../imageClassifiers/trainImageRun';
import { CAPTIONER_MODEL, trainCaptioner } from '../models/captioning/trainCaptioner';
import { trainRnnSeq2seq } from '../models/rnnSeq2seq/trainRnnSeq2seq';
import { getTask, TASK_NAMES } from '../data/tasks';
import { datasetFromPairs, type Seq2SeqDataset } from '../data/tasks/task';
import { describeProblems, readPlainText, readTsvCorpus } from '../text/corpus';
import { trainTransformer } from '../models/transformer/trainTransformer';
import type { RunLoopArgs } from '../training/runLoopArgs';
import type { TrainProgress } from '../training/trainLoop';
import { CONFIG_JSON, METRICS_JSONL, type RunConfig } from '../../protocol/runFolder/format';
import { readMetrics } from '../training/runWriter';
import { DATA_JSON, PROCESS_JSON, processAlive, type RunDataFile, type RunProcessFile } from '../../protocol/runFolder/reader';

/** The training loop's progress, with each model's held-out figure under one name. */
export interface RunProgress extends Omit<TrainProgress, 'evalExactMatch'> {
  /** Held-out exact match (text models), accuracy (image models) or naming (captioner), at evaluation steps. */
  heldOut?: number;
}

export interface TrainRunArgs {
  runDir: string;
  /** Continue the run in runDir from its newest complete checkpoint. */
  resume?: boolean;
  /** Required for a new run; a resumed run keeps its own. */
  model?: TrainableModel;
  /** Required for a new run; a resumed run reads its data.json (or its built-in task). */
  data?: TrainData;
  options?: TrainOptions;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Problems that do not stop training (e.g. malformed TSV lines). */
  onWarning?: (message: string) => void;
}

/** The RNN seq2seq's model name in runs, on the CLI and in protocol's TRAINABLE_MODELS. */
export const RNN_SEQ2SEQ_MODEL = 'rnn-seq2seq' satisfies TrainableModel;

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
  if (TASK_NAMES.includes(config.task)) return { kind: 'task', name: config.task };
  return undefined;
}

async function transformerData(data: TrainData, onWarning: (m: string) => void): Promise<{ dataset?: Seq2SeqDataset; text?: { name: string; text: string; tokenizer: 'char' | 'word' } }> {
  switch (data.kind) {
    case 'task':
      return { dataset: getTask(data.name) };
    case 'tsv': {
      const file = path.resolve(data.path);
      const corpus = await readTsvCorpus(file);
      if (corpus.problems.length) onWarning(describeProblems(file, corpus.problems));
      return { dataset: datasetFromPairs(`tsv:${path.basename(file)}`, corpus.pairs, data.tokenizer ?? 'char') };
    }
    case 'text': {
      const file = path.resolve(data.path);
      return { text: { name: `text:${path.basename(file)}`, text: await readPlainText(file), tokenizer: data.tokenizer ?? 'char' } };
    }
    default: {
      const never: never = data;
      throw new RpcError('bad-request', `unknown data source ${JSON.stringify(never)}`);
    }
  }
}

function dataFile(data: TrainData): RunDataFile {
  return data.kind === 'task' ? { kind: 'task', name: data.name } : { kind: data.kind, path: path.resolve(data.path), tokenizer: data.tokenizer ?? 'char' };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Trains (or resumes) one run; resolves when it finished, stopped (signal) or failed (NaN, bad data). */
export async function trainRun(args: TrainRunArgs): Promise<TrainRunResult> {
  const runDir = path.resolve(args.runDir);
  let o: TrainOptions = args.options ?? {};
  const warn = args.onWarning ?? (() => undefined);
  let model = args.model;
  let data = args.data;
  let steps = o.steps;
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
    // Logging, checkpoint and evaluation intervals as the run was started, unless given again.
    const saved = TrainOptions.safeParse((await readDataFile(runDir))?.options ?? {});
    if (saved.success) o = { ...saved.data, ...defined(o) };
    steps = o.steps;
    steps ??= typeof config.training?.steps === 'number' ? config.training.steps : undefined;
    // The resume rewrites metrics.jsonl without corrupt lines (e.g. one half-written by a crash): say so.
    const { skippedLines } = await readMetrics(runDir);
    if (skippedLines.length) warn(`${path.join(runDir, METRICS_JSONL)}: skipped ${skippedLines.length} corrupt line(s) (line ${skippedLines.slice(0, 5).join(', ')}${skippedLines.length > 5 ? ', …' : ''}); the resume drops them`);
  } else {
    if (!model) throw new RpcError('bad-request', 'train: name the model to train');
    const exists = await fs.stat(path.join(runDir, CONFIG_JSON)).catch(() => undefined);
    if (exists) throw new RpcError('bad-request', `${runDir} already holds a run; choose another folder or resume it`);
  }
  const isImage = (IMAGE_MODEL_KINDS as readonly string[]).includes(model ?? '');
  const isRnn = model === RNN_SEQ2SEQ_MODEL;
  const isCaptioner = model === CAPTIONER_MODEL;
  if (model !== 'transformer' && !isImage && !isRnn && !isCaptioner) throw new RpcError('unsupported', `cannot train model '${model}'; trainable: ${TRAINABLE_MODELS.join(', ')}`);
  if (isCaptioner && !args.resume && !(data?.kind === 'task' && data.name === 'scenes')) throw new RpcError('bad-request', `${CAPTIONER_MODEL} trains on the task 'scenes'`);
  if (isRnn && data?.kind === 'text') throw new RpcError('bad-request', `${RNN_SEQ2SEQ_MODEL} trains on a task or a TSV corpus, not a text file`);
  if (isImage && !args.resume && data && !(data.kind === 'task' && data.name === 'scenes')) {
    throw new RpcError('bad-request', `${model} trains on the task 'scenes' (got ${data.kind === 'task' ? `'${data.name}'` : `a ${data.kind} file`})`);
  }
  if (!isImage && !data) throw new RpcError('bad-request', args.resume ? `${runDir}: cannot tell which data the run was trained on (no ${DATA_JSON}); give it again` : 'train needs a task, a TSV file or a text file');

  await fs.mkdir(runDir, { recursive: true });
  const proc = path.join(runDir, PROCESS_JSON);
  await writeFileAtomic(proc, JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() }, null, 2));
  if (data && !args.resume) await writeFileAtomic(path.join(runDir, DATA_JSON), JSON.stringify({ ...dataFile(data), options: o }, null, 2));
  // What every loop below takes alike; each adds its own model and optimiser options.
  const loop: RunLoopArgs & { clipNorm?: number } = { steps, batchSize: o.batchSize, seed: o.seed, clipNorm: o.clipNorm, checkpointEvery: o.checkpointEvery, evalEvery: o.evalEvery, logEvery: o.logEvery, outDir: runDir, resume: args.resume === true, signal: args.signal };
  try {
    if (isImage) {
      const kind = model as ImageModelKind;
      const modelConfig = defined(
        kind === 'vit'
          ? { imageSize: o.imageSize, seed: o.seed, patchSize: o.patchSize, depth: o.layers, dim: o.dModel, heads: o.heads, mlpDim: o.dFF }
          : { imageSize: o.imageSize, seed: o.seed, widthMultiplier: o.widthMultiplier },
      );
      const r = await trainImageRun({
        kind,
        modelConfig,
        training: defined({ steps, batchSize: o.batchSize, learningRate: o.learningRate, clipNorm: o.clipNorm }),
        outDir: runDir,
        resume: args.resume === true,
        checkpointEvery: o.checkpointEvery,
        evalEvery: o.evalEvery,
        logEvery: o.logEvery,
        signal: args.signal,
        onProgress: (p) => args.onProgress?.({ ...p, heldOut: p.heldOutAccuracy }),
      });
      r.model.dispose();
      const status = r.status === 'running' ? 'failed' : r.status;
      return { runDir, status, step: r.step, totalSteps: steps, finalLoss: r.finalLoss, message: r.message, lastCheckpoint: r.lastCheckpoint, wallSeconds: r.wallSeconds, details: { heldOutAccuracy: r.heldOutAccuracy, pointing: r.pointing } };
    }
    if (isCaptioner) {
      const r = await trainCaptioner({
        model: defined({ attention: o.attention, imageSize: o.imageSize, units: o.dModel, maxLength: o.maxLength }),
        ...loop,
        learningRate: o.learningRate,
        onProgress: (p) => args.onProgress?.({ ...p, heldOut: p.naming }),
      });
      r.bundle.model.dispose();
      return loopOutcome(runDir, r, steps ?? 2000, { heldOutNaming: r.naming, heldOutPointing: r.pointing });
    }
    const { dataset, text } = await transformerData(data as TrainData, warn);
    if (isRnn) {
      const r = await trainRnnSeq2seq({
        dataset: dataset as Seq2SeqDataset,
        model: defined({ cell: o.cell, score: o.score, encoderUnits: o.dModel, maxLength: o.maxLength }),
        ...loop,
        learningRate: o.learningRate,
        labelSmoothing: o.labelSmoothing,
        onProgress: (p) => args.onProgress?.({ ...p, heldOut: p.evalExactMatch }),
      });
      r.bundle.model.dispose();
      return loopOutcome(runDir, r, steps ?? 2000, { heldOutExactMatch: r.evalExactMatch });
    }
    let totalSteps = steps ?? 2000;
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
        args.onProgress?.({ ...p, heldOut: p.evalExactMatch });
      },
    });
    r.bundle.model.dispose();
    return loopOutcome(runDir, r, totalSteps, { heldOutExactMatch: r.evalExactMatch });
  } finally {
    await fs.rm(proc, { force: true });
  }
}

/** A text or caption loop's result as the run's outcome (a non-finite last loss is left out). */
function loopOutcome(
  runDir: string,
  r: { status: TrainRunResult['status']; step: number; finalLoss: number; message?: string; lastCheckpoint?: string; wallSeconds: number },
  totalSteps: number,
  details: Record<string, unknown>,
): TrainRunResult {
  const { status, step, message, lastCheckpoint, wallSeconds } = r;
  return { runDir, status, step, totalSteps, finalLoss: Number.isFinite(r.finalLoss) ? r.finalLoss : undefined, message, lastCheckpoint, wallSeconds, details };
}
