/**
 * The training loop the models share, in the shared run format: seeded batches, Adam with its
 * moments saved beside every checkpoint (so a resumed run continues where it stopped), gradient
 * clipping, the NaN guard (stop, keep the last good checkpoint), metrics lines, held-out
 * evaluation, checkpoints, cancellation at a step boundary and progress callbacks. A model plugs
 * in its batches, its loss, how it saves itself and how it is evaluated.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/checkpointFiles';
import type { AttentionStat, MetricsRecord, SampleRecord } from '../../protocol/runFolder/format';
import { RunWriter } from './runWriter';
import { Rng } from '../util/rng';
import { nextTick } from '../util/nextTick';
import { Adam, clipByGlobalNorm, globalNorm, type AdamArgs } from './adam';
import type { RunLoopArgs } from './runLoopArgs';

/** Sub-folder of a run checkpoint holding the Adam moments (absent from demo checkpoints). */
export const OPTIMIZER_DIR = 'optimizer';

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  /** Token accuracy of the last batch. */
  accuracy: number;
  learningRate: number;
  stepsPerSecond: number;
  etaSeconds: number;
  evalExactMatch?: number;
}

export interface LoopEvaluation {
  exactMatch?: number;
  attention?: AttentionStat[];
  samples?: SampleRecord[];
  /** The model's own held-out figures for the metrics line (a captioner's naming and pointing). */
  metrics?: Partial<MetricsRecord>;
}

/** What one step's objective gives the loop; every tensor is read once the step is applied. */
export interface StepLoss {
  /** The objective the gradients are taken of. */
  loss: tf.Scalar;
  /** Correct and all target tokens (or examples) of the batch. */
  correct: tf.Scalar;
  count: tf.Scalar;
  /** The loss that metrics and progress report when the objective adds other terms (a captioner's
   * word NLL beside its attention penalty; the objective is then logged as `objective`). */
  reported?: tf.Scalar;
  /** More figures for the metrics line (the attention penalty, REINFORCE's reward and baseline). */
  extra?: Record<string, tf.Scalar | number>;
}

/** What a model gives the loop. */
export interface LoopModel<B> {
  params: { variables(): tf.Variable[]; nameMap(): ReadonlyMap<tf.Variable, string>; byName(): Map<string, tf.Variable> };
  /** The task name recorded in checkpoint metadata. */
  task: string;
  /**
   * The batch of a step: drawn with `rng`, seeded by the run seed and the step, or taken from a
   * stream at `done`, the steps done before this one (a resumed run continues the stream).
   */
  batch(rng: Rng, size: number, done: number): B;
  disposeBatch(batch: B): void;
  /** Runs inside tf.variableGrads; `rng` is the step's generator (after the batch drew from it), for any sampling. */
  loss(batch: B, rng: Rng): StepLoss;
  learningRate(step: number): number;
  /** Writes the model's checkpoint files into `dir` with `metadata`. */
  save(dir: string, metadata: Record<string, unknown>): Promise<void>;
  /** Held-out evaluation at evaluation steps; absent: none. */
  evaluate?(step: number): Promise<LoopEvaluation>;
  /** Advice added to the message when the loss or the gradient stops being finite. */
  nanAdvice: string;
  onStep?(step: number): void;
}

export interface LoopStart {
  /** Absent: nothing is written. */
  writer?: RunWriter;
  /** Steps already done (a resumed run) and the checkpoint they were read from. */
  step: number;
  lastCheckpoint?: string;
  adam?: AdamArgs;
}

export interface LoopResult {
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  message?: string;
  lastCheckpoint?: string;
  finalLoss: number;
  evalExactMatch?: number;
  /** The loss of every step of this call. */
  losses: number[];
}

/** The run in `args.outDir` to resume: its writer and newest complete checkpoint, loaded. */
export async function resumeRun<T>(args: RunLoopArgs, load: (dir: string) => Promise<T>): Promise<{ writer: RunWriter; bundle: T; start: LoopStart }> {
  if (!args.outDir) throw new RpcError('bad-request', 'resume needs the run folder (outDir)');
  const r = await RunWriter.resume(args.outDir);
  if (!r.checkpoint) throw new RpcError('not-found', `${args.outDir}: no complete checkpoint to resume from`);
  return { writer: r.writer, bundle: await load(r.checkpoint.dir), start: { writer: r.writer, step: r.checkpoint.step, lastCheckpoint: r.checkpoint.dir } };
}

/** One step's figures, read back from the tensors. */
export interface StepOutcome {
  /** The objective. */
  loss: number;
  /** What the metrics call the loss: StepLoss.reported, or the objective. */
  reported: number;
  /** The objective again when a reported loss stands beside it; else undefined. */
  objective?: number;
  accuracy: number;
  gradNorm: number;
  extra: Record<string, number>;
}

/**
 * One update: the gradients of `loss(batch, rng)` for `variables`, clipped to `clipNorm` by global
 * norm (0: no clip), applied by `optimizer` at `lr`. Skipped when the objective or the gradient is
 * not finite (the caller decides what that means). The training loop's step, and what benchmarks
 * and tests time or drive step by step.
 */
export function trainStep<B>(loss: (batch: B, rng: Rng) => StepLoss, batch: B, rng: Rng, variables: tf.Variable[], optimizer: Adam, lr: number, clipNorm: number): StepOutcome {
  let out: StepLoss | undefined;
  const { value, grads } = tf.variableGrads(() => {
    out = loss(batch, rng);
    for (const t of [out.correct, out.count, out.reported, ...Object.values(out.extra ?? {})]) if (t instanceof tf.Tensor) tf.keep(t);
    return out.loss;
  }, variables);
  const r = out as StepLoss;
  const kept = [r.correct, r.count, ...(r.reported ? [r.reported] : []), ...Object.values(r.extra ?? {}).filter((v): v is tf.Scalar => v instanceof tf.Tensor)];
  // A variable the objective does not reach this step (a frozen part) has no gradient.
  const trained = variables.filter((v) => grads[v.name]);
  const g = trained.map((v) => grads[v.name]);
  try {
    const objective = value.dataSync()[0];
    const gradNorm = globalNorm(g);
    if (Number.isFinite(objective) && Number.isFinite(gradNorm)) {
      const clipped = clipByGlobalNorm(g, gradNorm, clipNorm);
      optimizer.apply(trained.map((variable, i) => ({ variable, grad: clipped[i] })), lr);
      if (clipped !== g) tf.dispose(clipped);
    }
    const extra: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.extra ?? {})) extra[k] = v instanceof tf.Tensor ? v.dataSync()[0] : v;
    return {
      loss: objective,
      reported: r.reported ? r.reported.dataSync()[0] : objective,
      objective: r.reported ? objective : undefined,
      accuracy: r.correct.dataSync()[0] / r.count.dataSync()[0],
      gradNorm,
      extra,
    };
  } finally {
    tf.dispose([value, ...g, ...kept]);
  }
}

export async function runTrainingLoop<B>(model: LoopModel<B>, args: RunLoopArgs, start: LoopStart, clipNorm: number): Promise<LoopResult> {
  const totalSteps = args.steps ?? 2000;
  const batchSize = args.batchSize ?? 32;
  const seed = args.seed ?? 1;
  const checkpointEvery = args.checkpointEvery ?? 500;
  const logEvery = args.logEvery ?? 10;
  const evalEvery = args.evalEvery ?? 500;
  const { writer } = start;
  let { step, lastCheckpoint } = start;
  const variables = model.params.variables();
  const optimizer = new Adam(start.adam);
  if (lastCheckpoint) {
    const saved = await readCheckpoint(path.join(lastCheckpoint, OPTIMIZER_DIR)).catch(() => undefined);
    if (saved) optimizer.importState((saved.modelTopology as { step: number }).step, saved.weightSpecs, saved.weightData, model.params.byName());
  }

  const saveCheckpoint = async (s: number, extra: Record<string, unknown>) => {
    if (!writer) return;
    const dir = writer.checkpointDir(s);
    const opt = optimizer.exportState(model.params.nameMap());
    await writeCheckpoint(path.join(dir, OPTIMIZER_DIR), { format: 'adam-state', modelTopology: { step: opt.step }, weightSpecs: opt.specs, weightData: opt.data, metadata: {} });
    await model.save(dir, { task: model.task, step: s, ...extra });
    await writer.checkpointWritten(s);
    lastCheckpoint = dir;
  };

  const losses: number[] = [];
  let lastLoss = NaN;
  let lastEval: number | undefined;
  let windowStart = performance.now();
  let windowSteps = 0;
  const result = (status: LoopResult['status'], message?: string): LoopResult => ({ status, step, message, lastCheckpoint, finalLoss: lastLoss, evalExactMatch: lastEval, losses });
  try {
    while (step < totalSteps) {
      if (args.signal?.aborted) {
        await saveCheckpoint(step, { loss: lastLoss });
        await writer?.close('stopped', { totalSteps, message: `stopped by the user at step ${step}` });
        return result('stopped', `stopped at step ${step}`);
      }
      const s = step + 1;
      const lr = model.learningRate(s);
      const rng = new Rng(seed * 1_000_003 + s);
      const batch = model.batch(rng, batchSize, step);
      let outcome: StepOutcome;
      try {
        outcome = trainStep((b, r) => model.loss(b, r), batch, rng, variables, optimizer, lr, clipNorm);
      } finally {
        model.disposeBatch(batch);
      }
      const { loss, reported, objective, accuracy, gradNorm, extra } = outcome;
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        const what = !Number.isFinite(loss) ? `the loss became ${loss}` : `the gradient norm became ${gradNorm}`;
        const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
        const message = `training stopped at step ${s}: ${what} (${model.nanAdvice}); ${kept}`;
        await writer?.close('failed', { totalSteps, message });
        return result('failed', message);
      }
      step = s;
      lastLoss = reported;
      losses.push(reported);
      windowSteps++;
      model.onStep?.(step);
      const isEval = evalEvery > 0 ? step % evalEvery === 0 || step === totalSteps : step === totalSteps;
      if (step % logEvery === 0 || step === totalSteps || isEval) {
        const now = performance.now();
        const stepsPerSecond = (windowSteps / (now - windowStart)) * 1000;
        windowStart = now;
        windowSteps = 0;
        const record: MetricsRecord = { step, time: Date.now(), loss: reported, ...(objective !== undefined ? { objective } : {}), accuracy, learningRate: lr, gradNorm, stepsPerSecond, ...extra };
        if (isEval && model.evaluate) {
          const e = await model.evaluate(step);
          if (e.exactMatch !== undefined) record.evalExactMatch = lastEval = e.exactMatch;
          if (e.attention) record.attention = e.attention;
          if (e.metrics) Object.assign(record, e.metrics);
          if (e.samples) await writer?.appendSamples(e.samples);
          windowStart = performance.now(); // evaluation time is not training speed
        }
        await writer?.appendMetrics(record);
        args.onProgress?.({ step, totalSteps, loss: reported, accuracy, learningRate: lr, stepsPerSecond, etaSeconds: stepsPerSecond > 0 ? (totalSteps - step) / stepsPerSecond : NaN, evalExactMatch: record.evalExactMatch });
      }
      if (step % checkpointEvery === 0 && step < totalSteps) await saveCheckpoint(step, { loss: reported });
      await nextTick(); // lets a cancel message arrive
    }
    await saveCheckpoint(step, { loss: lastLoss, evalExactMatch: lastEval });
    await writer?.close('finished', { totalSteps });
    return result('finished');
  } catch (err) {
    await writer?.close('failed', { totalSteps, message: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    optimizer.dispose();
  }
}

/** A finished, stopped or failed training as the runs layer records it. */
export interface TrainOutcome {
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  totalSteps?: number;
  /** Undefined when the last loss was not finite. */
  finalLoss?: number;
  message?: string;
  lastCheckpoint?: string;
  /** Model-specific figures for the CLI's summary (held-out exact match, accuracy, pointing...). */
  details: Record<string, unknown>;
}

/** A loop's result as an outcome (a non-finite last loss is left out). */
export function loopOutcome(
  r: { status: TrainOutcome['status']; step: number; finalLoss: number; message?: string; lastCheckpoint?: string },
  totalSteps: number,
  details: Record<string, unknown>,
): TrainOutcome {
  const { status, step, message, lastCheckpoint } = r;
  return { status, step, totalSteps, finalLoss: Number.isFinite(r.finalLoss) ? r.finalLoss : undefined, message, lastCheckpoint, details };
}
