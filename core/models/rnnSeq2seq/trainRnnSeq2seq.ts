/**
 * Trains an RNN seq2seq on a seq2seq dataset in the shared loop (core/training/trainLoop.ts): the
 * label-smoothed loss, Adam with beta2 0.999 at a constant learning rate (the usual setting for
 * recurrent models), gradient clipping, the run format, resume and cancellation.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionStat, SampleRecord } from '../../../protocol/runFolder/format';
import { RunWriter } from '../../training/runWriter';
import type { Seq2SeqDataset } from '../../data/tasks/task';
import { Tokenizer } from '../../text/tokenizer';
import { labelSmoothedLoss } from '../../training/labelSmoothing';
import type { RunLoopArgs } from '../../training/runLoopArgs';
import { disposeBatch, sampleSeq2seqBatch, teacherForcingBatch } from '../../training/seq2seqBatches';
import { resumeRun, runTrainingLoop, type LoopEvaluation, type LoopStart } from '../../training/trainLoop';
import { loadRnnSeq2seq, saveRnnSeq2seq, type RnnSeq2seqBundle } from './checkpoint';
import type { RnnSeq2seqArgs } from './config';
import { evaluateRnnSeq2seq } from './evaluate';
import { RnnSeq2seq } from './rnnSeq2seq';

export type RnnModelShape = Omit<RnnSeq2seqArgs, 'sourceVocabSize' | 'targetVocabSize'>;

export interface TrainRnnSeq2seqArgs extends RunLoopArgs {
  dataset: Seq2SeqDataset;
  /** Model shape (defaults: see RnnSeq2seqArgs). */
  model?: RnnModelShape;
  /** Adam learning rate (default 0.002). */
  learningRate?: number;
  /** Label smoothing (default 0.1). */
  labelSmoothing?: number;
  /** Clip gradients to this global norm (default 1; 0 = off). */
  clipNorm?: number;
}

export interface TrainRnnSeq2seqResult {
  status: 'finished' | 'stopped' | 'failed';
  step: number;
  message?: string;
  bundle: RnnSeq2seqBundle;
  lastCheckpoint?: string;
  wallSeconds: number;
  finalLoss: number;
  evalExactMatch?: number;
  /** The loss of every step (the tests read the curve). */
  losses: number[];
}

/** Entropy and first-position share of the alignment rows of real target tokens (one 'cross' head). */
function alignmentStats(alignment: tf.Tensor3D, targetOut: tf.Tensor2D): AttentionStat {
  const [entropy, first] = tf.tidy(() => {
    const rowMask = tf.notEqual(targetOut, 0).cast('float32'); // [B, T]
    const n = rowMask.sum().maximum(1);
    const ent = alignment.mul(alignment.add(1e-12).log()).sum(-1).neg(); // [B, T]
    const f = alignment.slice([0, 0, 0], [-1, -1, 1]).reshape(rowMask.shape); // [B, T]
    return [ent.mul(rowMask).sum().div(n).dataSync()[0], f.mul(rowMask).sum().div(n).dataSync()[0]];
  });
  return { kind: 'cross', layer: 0, head: 0, entropy, firstShare: first };
}

export async function trainRnnSeq2seq(args: TrainRnnSeq2seqArgs): Promise<TrainRnnSeq2seqResult> {
  const totalSteps = args.steps ?? 2000;
  const seed = args.seed ?? 1;
  const lr = args.learningRate ?? 0.002;
  const smoothing = args.labelSmoothing ?? 0.1;
  const clipNorm = args.clipNorm ?? 1;
  const heldOut = args.dataset.heldOut(args.evalExamples ?? 100, 424242);
  const t0 = Date.now();

  let bundle: RnnSeq2seqBundle;
  let start: LoopStart;
  if (args.resume) {
    const r = await resumeRun(args, loadRnnSeq2seq);
    bundle = r.bundle;
    start = r.start;
  } else {
    const vocab = args.dataset.vocabularyTexts();
    const sourceTokenizer = Tokenizer.fit(args.dataset.tokenizer, vocab.sources);
    const targetTokenizer = Tokenizer.fit(args.dataset.tokenizer, vocab.targets);
    const model = new RnnSeq2seq({ ...args.model, sourceVocabSize: sourceTokenizer.size, targetVocabSize: targetTokenizer.size }, seed);
    bundle = { model, sourceTokenizer, targetTokenizer, metadata: {} };
    const writer = args.outDir
      ? await RunWriter.create(args.outDir, {
          model: 'rnn-seq2seq',
          task: args.dataset.name,
          seed,
          modelConfig: { ...model.config },
          training: { steps: totalSteps, batchSize: args.batchSize ?? 32, learningRate: lr, labelSmoothing: smoothing, clipNorm, optimizer: 'adam(0.9, 0.999, 1e-8)' },
        })
      : undefined;
    start = { writer, step: 0 };
  }
  const { model } = bundle;

  const evaluate = async (s: number): Promise<LoopEvaluation> => {
    if (heldOut.length === 0) return {};
    const r = evaluateRnnSeq2seq(bundle, heldOut);
    const samples: SampleRecord[] = heldOut.slice(0, 5).map((p, i) => ({ step: s, source: p.source, target: p.target, output: r.outputs[i], correct: r.outputs[i] === p.target }));
    // Alignment statistics on the first held-out pairs that fit.
    const ml = model.config.maxLength;
    const enc = heldOut.slice(0, 32).map((p) => [bundle.sourceTokenizer.encode(p.source, { unknown: 'unk' }), bundle.targetTokenizer.encode(p.target, { unknown: 'unk' })]);
    const fit = enc.filter(([a, b]) => a.length > 0 && a.length <= ml && b.length + 1 <= ml);
    if (fit.length === 0) return { exactMatch: r.exactMatch, samples };
    const b = teacherForcingBatch(fit.map((x) => x[0]), fit.map((x) => x[1]), true);
    const fwd = model.forward(b.source as tf.Tensor2D, b.targetIn);
    const stat = alignmentStats(fwd.alignment, b.targetOut);
    tf.dispose([fwd.logits, fwd.alignment]);
    disposeBatch(b);
    return { exactMatch: r.exactMatch, attention: [stat], samples };
  };

  const r = await runTrainingLoop(
    {
      params: model.params,
      task: args.dataset.name,
      batch: (rng, size) => sampleSeq2seqBatch(args.dataset, bundle.sourceTokenizer, bundle.targetTokenizer, rng, size, model.config.maxLength),
      disposeBatch,
      loss: (b) => labelSmoothedLoss(model.forward(b.source as tf.Tensor2D, b.targetIn).logits, b.targetOut, smoothing),
      learningRate: () => lr,
      save: async (dir, metadata) => {
        bundle.metadata = metadata;
        await saveRnnSeq2seq(dir, bundle);
      },
      evaluate,
      nanAdvice: 'try a lower learning rate',
    },
    args,
    { ...start, adam: { beta2: 0.999, epsilon: 1e-8 } },
    clipNorm,
  );
  return { ...r, bundle, wallSeconds: (Date.now() - t0) / 1000 };
}
