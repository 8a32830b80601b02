/**
 * Trains a Transformer (encoder-decoder on a seq2seq dataset, or decoder-only LM on a text) in the
 * shared loop (trainLoop.ts): label-smoothed KL loss, Adam(0.9, 0.98, 1e-9) with the warm-up
 * schedule, gradient clipping, the run format, resume and cancellation.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { attentionStats } from './attentionStats';
import { loadTransformer, saveTransformer, type TransformerBundle } from './checkpoint';
import type { TransformerArgs } from './config';
import { Transformer } from './transformer';
import type { SampleRecord } from '../../../protocol/runFolder/format';
import { RunWriter } from '../../training/runWriter';
import type { Rng } from '../../util/rng';
import type { Seq2SeqDataset, TextPair } from '../../data/tasks/task';
import { Tokenizer, type TokenizerKind } from '../../text/tokenizer';
import { evaluateSeq2Seq } from './evaluate';
import { labelSmoothedLoss } from '../../training/labelSmoothing';
import type { RunLoopArgs } from '../../training/runLoopArgs';
import { warmupLearningRate } from '../../training/schedule';
import { disposeBatch, sampleSeq2seqBatch, teacherForcingBatch, type TeacherForcingBatch } from '../../training/seq2seqBatches';
import { resumeRun, runTrainingLoop, type LoopStart } from '../../training/trainLoop';

export { OPTIMIZER_DIR, type TrainProgress } from '../../training/trainLoop';

export type ModelShape = Omit<TransformerArgs, 'kind' | 'sourceVocabSize' | 'targetVocabSize'>;

export interface TrainTransformerArgs extends RunLoopArgs {
  /** Seq2seq data (encoder-decoder). Exactly one of `dataset` and `text`. */
  dataset?: Seq2SeqDataset;
  /** Plain text for the decoder-only LM. */
  text?: { name: string; text: string; tokenizer?: TokenizerKind };
  /** Model shape (defaults: see TransformerArgs). */
  model?: ModelShape;
  /** Warm-up steps of the learning-rate schedule (default 400). */
  warmup?: number;
  /** Learning-rate multiplier (default 1). */
  learningRateFactor?: number;
  /** Label smoothing (default 0.1). */
  labelSmoothing?: number;
  /** Clip gradients to this global norm (default 1; 0 = off). */
  clipNorm?: number;
  /** Called after every step with the model (tests use it to inject faults). */
  onStep?: (step: number, model: Transformer) => void;
}

export interface TrainResult {
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  message?: string;
  bundle: TransformerBundle;
  /** The newest checkpoint folder written (or resumed from). */
  lastCheckpoint?: string;
  wallSeconds: number;
  finalLoss: number;
  evalExactMatch?: number;
}

interface Data {
  kind: 'seq2seq' | 'lm';
  name: string;
  sourceTokenizer?: Tokenizer;
  targetTokenizer: Tokenizer;
  batch(rng: Rng, size: number): TeacherForcingBatch;
  heldOut: TextPair[];
}

function seq2seqData(ds: Seq2SeqDataset, maxLength: number, evalExamples: number, tokenizers?: { source?: Tokenizer; target: Tokenizer }): Data {
  const vocab = tokenizers ? undefined : ds.vocabularyTexts();
  const sourceTokenizer = tokenizers?.source ?? Tokenizer.fit(ds.tokenizer, vocab?.sources ?? []);
  const targetTokenizer = tokenizers?.target ?? Tokenizer.fit(ds.tokenizer, vocab?.targets ?? []);
  return {
    kind: 'seq2seq',
    name: ds.name,
    sourceTokenizer,
    targetTokenizer,
    heldOut: ds.heldOut(evalExamples, 424242),
    batch: (rng, size) => sampleSeq2seqBatch(ds, sourceTokenizer, targetTokenizer, rng, size, maxLength),
  };
}

function lmData(text: { name: string; text: string; tokenizer?: TokenizerKind }, maxLength: number, tokenizer?: Tokenizer): Data {
  const targetTokenizer = tokenizer ?? Tokenizer.fit(text.tokenizer ?? 'char', [text.text]);
  const ids = targetTokenizer.encode(text.text, { unknown: 'unk' });
  const window = Math.min(maxLength - 1, ids.length);
  if (window < 2) throw new RpcError('invalid-input', `${text.name}: the text is too short to train a language model (${ids.length} tokens)`);
  return {
    kind: 'lm',
    name: text.name,
    targetTokenizer,
    heldOut: [],
    batch: (rng, size) => {
      const rows = Array.from({ length: size }, () => {
        const start = rng.int(0, ids.length - window);
        return ids.slice(start, start + window);
      });
      return teacherForcingBatch(null, rows, false);
    },
  };
}

export async function trainTransformer(args: TrainTransformerArgs): Promise<TrainResult> {
  if (!args.dataset === !args.text) throw new RpcError('bad-request', 'train: give exactly one of a seq2seq dataset or a text for the language model');
  const totalSteps = args.steps ?? 2000;
  const seed = args.seed ?? 1;
  const smoothing = args.labelSmoothing ?? 0.1;
  const clipNorm = args.clipNorm ?? 1;
  const evalExamples = args.evalExamples ?? 100;
  const t0 = Date.now();

  // Model and data: fresh, or from the run's newest checkpoint.
  let bundle: TransformerBundle;
  let data: Data;
  let start: LoopStart;
  const dataFor = (maxLength: number, tokenizers?: { source?: Tokenizer; target: Tokenizer }) =>
    args.dataset ? seq2seqData(args.dataset, maxLength, evalExamples, tokenizers) : lmData(args.text as NonNullable<typeof args.text>, maxLength, tokenizers?.target);
  if (args.resume) {
    const r = await resumeRun(args, loadTransformer);
    bundle = r.bundle;
    start = r.start;
    data = dataFor(bundle.model.config.maxLength, { source: bundle.sourceTokenizer, target: bundle.targetTokenizer });
  } else {
    data = dataFor(args.model?.maxLength ?? 64);
    const model = new Transformer(
      { ...args.model, kind: data.kind, sourceVocabSize: data.sourceTokenizer?.size, targetVocabSize: data.targetTokenizer.size },
      seed,
    );
    bundle = { model, sourceTokenizer: data.sourceTokenizer, targetTokenizer: data.targetTokenizer, metadata: {} };
    const writer = args.outDir
      ? await RunWriter.create(args.outDir, {
          model: 'transformer',
          task: data.name,
          seed,
          modelConfig: { ...bundle.model.config },
          training: { steps: totalSteps, batchSize: args.batchSize ?? 32, warmup: args.warmup ?? 400, learningRateFactor: args.learningRateFactor ?? 1, labelSmoothing: smoothing, clipNorm, optimizer: 'adam(0.9, 0.98, 1e-9)' },
        })
      : undefined;
    start = { writer, step: 0 };
  }
  const model = bundle.model;

  const evaluate = async (s: number) => {
    if (data.kind !== 'seq2seq' || data.heldOut.length === 0) return {};
    const r = evaluateSeq2Seq(bundle, data.heldOut);
    const samples: SampleRecord[] = data.heldOut.slice(0, 5).map((p, i) => ({ step: s, source: p.source, target: p.target, output: r.outputs[i], correct: r.outputs[i] === p.target }));
    // Attention statistics on a fixed held-out batch.
    const sample = data.heldOut.slice(0, 32);
    const src = sample.map((p) => (data.sourceTokenizer as Tokenizer).encode(p.source, { unknown: 'unk' }).slice(0, model.config.maxLength));
    const tgt = sample.map((p) => data.targetTokenizer.encode(p.target, { unknown: 'unk' }).slice(0, model.config.maxLength - 1));
    const b = teacherForcingBatch(src, tgt, true);
    const fwd = model.forward(b.source, b.targetIn);
    const attention = attentionStats(fwd, b.source, b.targetIn);
    tf.dispose([fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross]);
    disposeBatch(b);
    return { exactMatch: r.exactMatch, attention, samples };
  };

  const r = await runTrainingLoop(
    {
      params: model.params,
      task: data.name,
      batch: (rng, size) => data.batch(rng, size),
      disposeBatch,
      loss: (b) => labelSmoothedLoss(model.forward(b.source, b.targetIn, { training: true }).logits, b.targetOut, smoothing),
      learningRate: (s) => warmupLearningRate(s, { dModel: model.config.dModel, warmup: args.warmup, factor: args.learningRateFactor }),
      save: async (dir, metadata) => {
        bundle.metadata = metadata;
        await saveTransformer(dir, bundle);
      },
      evaluate,
      nanAdvice: 'try a lower learning rate or more warm-up',
      onStep: (s) => args.onStep?.(s, model),
    },
    args,
    start,
    clipNorm,
  );
  return { status: r.status, step: r.step, message: r.message, bundle, lastCheckpoint: r.lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: r.finalLoss, evalExactMatch: r.evalExactMatch };
}
