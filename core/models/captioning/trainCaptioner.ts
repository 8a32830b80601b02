/**
 * Trains a captioner (soft or hard attention) on scene captions into a run folder in the shared run
 * format: fresh training scenes every step (the scene stream continues after a resume), held-out
 * naming and pointing at evaluation steps (evaluateCaptioner.ts), checkpoints with the Adam
 * moments, NaN guard, cancellation and progress callbacks.
 */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import type { TrainableModel } from '../../../protocol/training';
import { readCheckpoint, writeCheckpoint } from '../../checkpoint/checkpointFiles';
import { generateScenes, SCENE_SETS } from '../../data/scenes/scenes';
import type { MetricsRecord, SampleRecord } from '../../runs/runFormat';
import { RunWriter } from '../../runs/runWriter';
import { Rng } from '../../tasks/rng';
import type { RunLoopArgs } from '../../training/runLoopArgs';
import type { TrainProgress } from '../../training/trainTransformer';
import { captionBatch, captionLearningRate, CaptionTrainer, disposeCaptionBatch, type CaptionTrainerArgs } from './captionTraining';
import { Captioner } from './captioner';
import { loadCaptioner, saveCaptioner, type CaptionerBundle } from './checkpoint';
import { captionTokenizer, type CaptionerArgs } from './config';
import { evaluateCaptioner } from './evaluateCaptioner';
import { nextTick } from '../../util/nextTick';

/** The captioner's model name in runs, on the CLI and in protocol's TRAINABLE_MODELS. */
export const CAPTIONER_MODEL = 'captioner' satisfies TrainableModel;

export interface TrainCaptionerArgs extends CaptionTrainerArgs, RunLoopArgs<TrainProgress & { naming?: number; pointing?: number }> {
  /** Model shape (defaults: see CaptionerArgs); vocabSize comes from the caption tokenizer. */
  model?: Omit<CaptionerArgs, 'vocabSize'>;
}

export interface TrainCaptionerResult {
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  message?: string;
  bundle: CaptionerBundle;
  lastCheckpoint?: string;
  wallSeconds: number;
  /** Word NLL of the last step. */
  finalLoss: number;
  naming?: number;
  pointing?: number;
  /** Word NLL of every step. */
  losses: number[];
}

const OPTIMIZER_DIR = 'optimizer';

export async function trainCaptioner(args: TrainCaptionerArgs): Promise<TrainCaptionerResult> {
  const totalSteps = args.steps ?? 2000;
  const batchSize = args.batchSize ?? 32;
  const seed = args.seed ?? 1;
  const checkpointEvery = args.checkpointEvery ?? 250;
  const logEvery = args.logEvery ?? 10;
  const evalEvery = args.evalEvery ?? 500;
  const t0 = Date.now();
  let writer: RunWriter | undefined;
  let bundle: CaptionerBundle;
  let step = 0;
  let lastCheckpoint: string | undefined;
  if (args.resume) {
    if (!args.outDir) throw new RpcError('bad-request', 'resume needs the run folder (outDir)');
    const r = await RunWriter.resume(args.outDir);
    writer = r.writer;
    if (!r.checkpoint) throw new RpcError('not-found', `${args.outDir}: no complete checkpoint to resume from`);
    bundle = await loadCaptioner(r.checkpoint.dir);
    step = r.checkpoint.step;
    lastCheckpoint = r.checkpoint.dir;
  } else {
    const tokenizer = captionTokenizer();
    bundle = { model: new Captioner({ ...args.model, vocabSize: tokenizer.size }, seed), tokenizer, metadata: {} };
    if (args.outDir) {
      writer = await RunWriter.create(args.outDir, {
        model: CAPTIONER_MODEL,
        task: 'scenes',
        seed,
        modelConfig: { ...bundle.model.config },
        training: { steps: totalSteps, batchSize, learningRate: args.learningRate ?? 0.002, learningRateSchedule: args.learningRateSchedule ?? 'constant', clipNorm: args.clipNorm ?? 5, penaltyWeight: args.penaltyWeight ?? 1, reinforceWeight: args.reinforceWeight ?? 1, entropyWeight: args.entropyWeight ?? 0.01, optimizer: 'adam(0.9, 0.999, 1e-8)' },
      });
    }
  }
  const { model, tokenizer } = bundle;
  const size = model.config.imageSize;
  const trainer = new CaptionTrainer(model, args);
  if (lastCheckpoint) {
    const saved = await readCheckpoint(path.join(lastCheckpoint, OPTIMIZER_DIR)).catch(() => undefined);
    if (saved) trainer.optimizer.importState((saved.modelTopology as { step: number }).step, saved.weightSpecs, saved.weightData, model.params.byName());
  }
  const heldOut = generateScenes(SCENE_SETS.heldOut, 0, args.evalExamples ?? 200, { size });

  const saveCheckpoint = async (s: number, extra: Record<string, unknown>) => {
    if (!writer) return;
    const dir = writer.checkpointDir(s);
    bundle.metadata = { task: 'scenes', step: s, ...extra };
    const opt = trainer.optimizer.exportState(model.params.nameMap());
    await writeCheckpoint(path.join(dir, OPTIMIZER_DIR), { format: 'adam-state', modelTopology: { step: opt.step }, weightSpecs: opt.specs, weightData: opt.data, metadata: {} });
    await saveCaptioner(dir, bundle);
    await writer.checkpointWritten(s);
    lastCheckpoint = dir;
  };

  const losses: number[] = [];
  let lastLoss = NaN;
  let naming: number | undefined;
  let pointing: number | undefined;
  let windowStart = performance.now();
  let windowSteps = 0;
  const result = (status: TrainCaptionerResult['status'], message?: string): TrainCaptionerResult => ({
    status, step, message, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, naming, pointing, losses,
  });
  try {
    while (step < totalSteps) {
      if (args.signal?.aborted) {
        await saveCheckpoint(step, { loss: lastLoss });
        await writer?.close('stopped', { totalSteps, message: `stopped by the user at step ${step}` });
        return result('stopped', `stopped at step ${step}`);
      }
      const s = step + 1;
      const batch = captionBatch(generateScenes(SCENE_SETS.train, step * batchSize, batchSize, { size }), tokenizer);
      const lr = captionLearningRate(args, s, totalSteps);
      let r;
      try {
        r = trainer.step(batch, new Rng(seed * 1_000_003 + s), lr);
      } finally {
        disposeCaptionBatch(batch);
      }
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
        const message = `training stopped at step ${s}: the ${Number.isFinite(r.loss) ? 'gradient norm' : 'loss'} is not finite (try a lower learning rate); ${kept}`;
        await writer?.close('failed', { totalSteps, message });
        return result('failed', message);
      }
      step = s;
      lastLoss = r.nll;
      losses.push(r.nll);
      windowSteps++;
      const isEval = evalEvery > 0 ? step % evalEvery === 0 || step === totalSteps : step === totalSteps;
      if (step % logEvery === 0 || step === totalSteps || isEval) {
        const now = performance.now();
        const stepsPerSecond = (windowSteps / (now - windowStart)) * 1000;
        windowStart = now;
        windowSteps = 0;
        const record: MetricsRecord = { step, time: Date.now(), loss: r.nll, objective: r.loss, accuracy: r.accuracy, learningRate: lr, gradNorm: r.gradNorm, stepsPerSecond, ...(r.penalty !== undefined ? { penalty: r.penalty } : { reward: r.reward, baseline: r.baseline }) };
        if (isEval && heldOut.length > 0) {
          const e = evaluateCaptioner(bundle, heldOut);
          record.heldOutNaming = naming = e.naming;
          record.heldOutPointing = pointing = e.pointing;
          const samples: SampleRecord[] = heldOut.slice(0, 5).map((sc, i) => ({ step, source: `scene ${sc.seed}`, target: sc.caption, output: e.captions[i], correct: e.captions[i] === sc.caption }));
          await writer?.appendSamples(samples);
          windowStart = performance.now();
        }
        await writer?.appendMetrics(record);
        args.onProgress?.({ step, totalSteps, loss: r.nll, accuracy: r.accuracy, learningRate: lr, stepsPerSecond, etaSeconds: stepsPerSecond > 0 ? (totalSteps - step) / stepsPerSecond : NaN, naming, pointing, ...(isEval ? { evalExactMatch: naming } : {}) });
      }
      if (step % checkpointEvery === 0 && step < totalSteps) await saveCheckpoint(step, { loss: lastLoss });
      await nextTick();
    }
    await saveCheckpoint(step, { loss: lastLoss, naming, pointing });
    await writer?.close('finished', { totalSteps });
    return result('finished');
  } catch (err) {
    await writer?.close('failed', { totalSteps, message: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    trainer.dispose();
  }
}
