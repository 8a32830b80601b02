/**
 * Trains a captioner (soft or hard attention) on scene captions into a run folder in the shared run
 * format on the shared training loop (core/training/trainLoop.ts: checkpoints with the Adam moments,
 * NaN guard, cancellation, progress): fresh training scenes every step (the scene stream continues
 * after a resume), held-out naming and pointing at evaluation steps (evaluateCaptioner.ts).
 */
import { generateScenes, SCENE_SETS } from '../../data/scenes/scenes';
import type { SampleRecord } from '../../../protocol/runFolder/format';
import { RunWriter } from '../../training/runWriter';
import type { RunLoopArgs } from '../../training/runLoopArgs';
import { resumeRun, runTrainingLoop, type LoopEvaluation, type LoopStart, type TrainProgress } from '../../training/trainLoop';
import { CAPTION_ADAM, CAPTION_TRAINING_DEFAULTS, captionBatch, captionLearningRate, captionObjective, disposeCaptionBatch, type CaptionTrainerArgs } from './captionTraining';
import { Captioner } from './captioner';
import { CAPTIONER_FORMAT, loadCaptioner, saveCaptioner, type CaptionerBundle } from './checkpoint';
import { captionTokenizer, type CaptionerArgs } from './config';
import { evaluateCaptioner } from './evaluateCaptioner';

/** Progress lines after a held-out evaluation also carry its naming and pointing rates. */
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

export async function trainCaptioner(args: TrainCaptionerArgs): Promise<TrainCaptionerResult> {
  const totalSteps = args.steps ?? 2000;
  const seed = args.seed ?? 1;
  const t0 = Date.now();
  let bundle: CaptionerBundle;
  let start: LoopStart;
  if (args.resume) {
    const r = await resumeRun(args, loadCaptioner);
    bundle = r.bundle;
    start = r.start;
  } else {
    const tokenizer = captionTokenizer();
    bundle = { model: new Captioner({ ...args.model, vocabSize: tokenizer.size }, seed), tokenizer, metadata: {} };
    const writer = args.outDir
      ? await RunWriter.create(args.outDir, {
          model: CAPTIONER_FORMAT,
          task: 'scenes',
          seed,
          modelConfig: { ...bundle.model.config },
          training: { steps: totalSteps, batchSize: args.batchSize ?? 32, learningRate: args.learningRate ?? CAPTION_TRAINING_DEFAULTS.learningRate, learningRateSchedule: args.learningRateSchedule ?? 'constant', clipNorm: args.clipNorm ?? CAPTION_TRAINING_DEFAULTS.clipNorm, penaltyWeight: args.penaltyWeight ?? 1, reinforceWeight: args.reinforceWeight ?? 1, entropyWeight: args.entropyWeight ?? 0.01, optimizer: 'adam(0.9, 0.999, 1e-8)' },
        })
      : undefined;
    start = { writer, step: 0 };
  }
  const { model, tokenizer } = bundle;
  const size = model.config.imageSize;
  const heldOut = generateScenes(SCENE_SETS.heldOut, 0, args.evalExamples ?? 200, { size });
  let naming: number | undefined;
  let pointing: number | undefined;
  let evaluatedAt: number | undefined;

  const evaluate = async (step: number): Promise<LoopEvaluation> => {
    if (heldOut.length === 0) return {};
    const e = evaluateCaptioner(bundle, heldOut);
    naming = e.naming;
    pointing = e.pointing;
    evaluatedAt = step;
    const samples: SampleRecord[] = heldOut.slice(0, 5).map((sc, i) => ({ step, source: `scene ${sc.seed}`, target: sc.caption, output: e.captions[i], correct: e.captions[i] === sc.caption }));
    // Naming is the captioner's held-out figure; it is not an exact match, so it is logged under its own name.
    return { samples, metrics: { heldOutNaming: naming, heldOutPointing: pointing } };
  };

  const r = await runTrainingLoop(
    {
      params: model.params,
      task: 'scenes',
      // Fresh scenes every step, from the stream at the step count (a resumed run continues it).
      batch: (_rng, batchSize, done) => captionBatch(generateScenes(SCENE_SETS.train, done * batchSize, batchSize, { size }), tokenizer),
      disposeBatch: disposeCaptionBatch,
      loss: captionObjective(model, args),
      learningRate: (s) => captionLearningRate(args, s, totalSteps),
      save: async (dir, metadata) => {
        bundle.metadata = { ...metadata, naming, pointing };
        await saveCaptioner(dir, bundle);
      },
      evaluate,
      nanAdvice: 'try a lower learning rate',
    },
    { ...args, checkpointEvery: args.checkpointEvery ?? 250, onProgress: (p) => args.onProgress?.(p.step === evaluatedAt ? { ...p, naming, pointing } : p) },
    { ...start, adam: CAPTION_ADAM },
    args.clipNorm ?? CAPTION_TRAINING_DEFAULTS.clipNorm,
  );
  return { ...r, bundle, wallSeconds: (Date.now() - t0) / 1000, naming, pointing };
}
