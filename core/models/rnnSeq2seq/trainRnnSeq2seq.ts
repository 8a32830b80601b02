/**
 * Trains an RNN seq2seq on a seq2seq dataset and writes the run in the shared run format: seeded,
 * the label-smoothed loss and Adam of core/training (Adam here with beta2 0.999 and a constant
 * learning rate, the usual setting for recurrent models), gradient clipping, NaN guard (stop, keep
 * the last good checkpoint), resume, cancellation by AbortSignal and progress callbacks.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../../checkpoint/checkpointFiles';
import type { AttentionStat, MetricsRecord, SampleRecord } from '../../runs/runFormat';
import { RunWriter } from '../../runs/runWriter';
import { Rng } from '../../tasks/rng';
import type { Seq2SeqDataset } from '../../tasks/task';
import { BOS, EOS, Tokenizer } from '../../text/tokenizer';
import { Adam, clipByGlobalNorm, globalNorm } from '../../training/adam';
import { labelSmoothedLoss } from '../../training/labelSmoothing';
import type { RunLoopArgs } from '../../training/runLoopArgs';
import { padIds } from '../transformer/stepModel';
import { loadRnnSeq2seq, saveRnnSeq2seq, type RnnSeq2seqBundle } from './checkpoint';
import type { RnnSeq2seqArgs } from './config';
import { evaluateRnnSeq2seq } from './evaluate';
import { RnnSeq2seq } from './rnnSeq2seq';
import { nextTick } from '../../util/nextTick';

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

/** Sub-folder of a run checkpoint holding the Adam moments. */
const OPTIMIZER_DIR = 'optimizer';

interface Batch {
  source: tf.Tensor2D;
  targetIn: tf.Tensor2D;
  targetOut: tf.Tensor2D;
}

/** `size` training pairs that fit `maxLength` -> source [B, S], BOS + target [B, T], target + EOS [B, T]. */
function sampleBatch(ds: Seq2SeqDataset, src: Tokenizer, tgt: Tokenizer, rng: Rng, size: number, maxLength: number): Batch {
  const s: number[][] = [];
  const t: number[][] = [];
  for (let tries = 0; s.length < size; tries++) {
    if (tries > size * 100) throw new RpcError('invalid-input', `${ds.name}: almost no example fits the maximum length of ${maxLength} tokens`);
    const p = ds.sampleTrain(rng);
    const a = src.encode(p.source, { unknown: 'unk' });
    const b = tgt.encode(p.target, { unknown: 'unk' });
    if (a.length === 0 || a.length > maxLength || b.length + 1 > maxLength) continue; // over-long pairs are skipped
    s.push(a);
    t.push(b);
  }
  return toBatch(s, t);
}

/** Id rows (no BOS/EOS) -> source [B, S], BOS + target [B, T], target + EOS [B, T]. */
function toBatch(s: number[][], t: number[][]): Batch {
  return { source: padIds(s), targetIn: padIds(t.map((r) => [BOS, ...r])), targetOut: padIds(t.map((r) => [...r, EOS])) };
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
  const batchSize = args.batchSize ?? 32;
  const seed = args.seed ?? 1;
  const lr = args.learningRate ?? 0.002;
  const smoothing = args.labelSmoothing ?? 0.1;
  const clipNorm = args.clipNorm ?? 1;
  const checkpointEvery = args.checkpointEvery ?? 500;
  const logEvery = args.logEvery ?? 10;
  const evalEvery = args.evalEvery ?? 500;
  const heldOut = args.dataset.heldOut(args.evalExamples ?? 100, 424242);
  const t0 = Date.now();

  let writer: RunWriter | undefined;
  let bundle: RnnSeq2seqBundle;
  let step = 0;
  let lastCheckpoint: string | undefined;
  if (args.resume) {
    if (!args.outDir) throw new RpcError('bad-request', 'resume needs the run folder (outDir)');
    const r = await RunWriter.resume(args.outDir);
    writer = r.writer;
    if (!r.checkpoint) throw new RpcError('not-found', `${args.outDir}: no complete checkpoint to resume from`);
    bundle = await loadRnnSeq2seq(r.checkpoint.dir);
    step = r.checkpoint.step;
    lastCheckpoint = r.checkpoint.dir;
  } else {
    const vocab = args.dataset.vocabularyTexts();
    const sourceTokenizer = Tokenizer.fit(args.dataset.tokenizer, vocab.sources);
    const targetTokenizer = Tokenizer.fit(args.dataset.tokenizer, vocab.targets);
    const model = new RnnSeq2seq({ ...args.model, sourceVocabSize: sourceTokenizer.size, targetVocabSize: targetTokenizer.size }, seed);
    bundle = { model, sourceTokenizer, targetTokenizer, metadata: {} };
    if (args.outDir) {
      writer = await RunWriter.create(args.outDir, {
        model: 'rnn-seq2seq',
        task: args.dataset.name,
        seed,
        modelConfig: { ...model.config },
        training: { steps: totalSteps, batchSize, learningRate: lr, labelSmoothing: smoothing, clipNorm, optimizer: 'adam(0.9, 0.999, 1e-8)' },
      });
    }
  }
  const { model } = bundle;
  const variables = model.params.variables();
  const optimizer = new Adam({ beta2: 0.999, epsilon: 1e-8 });
  if (lastCheckpoint) {
    const saved = await readCheckpoint(path.join(lastCheckpoint, OPTIMIZER_DIR)).catch(() => undefined);
    if (saved) optimizer.importState((saved.modelTopology as { step: number }).step, saved.weightSpecs, saved.weightData, model.params.byName());
  }

  const saveCheckpoint = async (s: number, extra: Record<string, unknown>) => {
    if (!writer) return;
    const dir = writer.checkpointDir(s);
    bundle.metadata = { task: args.dataset.name, step: s, ...extra };
    const opt = optimizer.exportState(model.params.nameMap());
    await writeCheckpoint(path.join(dir, OPTIMIZER_DIR), { format: 'adam-state', modelTopology: { step: opt.step }, weightSpecs: opt.specs, weightData: opt.data, metadata: {} });
    await saveRnnSeq2seq(dir, bundle);
    await writer.checkpointWritten(s);
    lastCheckpoint = dir;
  };

  const evaluate = async (s: number): Promise<{ exactMatch?: number; attention?: AttentionStat[] }> => {
    if (heldOut.length === 0) return {};
    const r = evaluateRnnSeq2seq(bundle, heldOut);
    const samples: SampleRecord[] = heldOut.slice(0, 5).map((p, i) => ({ step: s, source: p.source, target: p.target, output: r.outputs[i], correct: r.outputs[i] === p.target }));
    await writer?.appendSamples(samples);
    // Alignment statistics on the first held-out pairs that fit.
    const ml = model.config.maxLength;
    const enc = heldOut.slice(0, 32).map((p) => [bundle.sourceTokenizer.encode(p.source, { unknown: 'unk' }), bundle.targetTokenizer.encode(p.target, { unknown: 'unk' })]);
    const fit = enc.filter(([a, b]) => a.length > 0 && a.length <= ml && b.length + 1 <= ml);
    if (fit.length === 0) return { exactMatch: r.exactMatch };
    const b = toBatch(fit.map((x) => x[0]), fit.map((x) => x[1]));
    const fwd = model.forward(b.source, b.targetIn);
    const stat = alignmentStats(fwd.alignment, b.targetOut);
    tf.dispose([fwd.logits, fwd.alignment, b.source, b.targetIn, b.targetOut]);
    return { exactMatch: r.exactMatch, attention: [stat] };
  };

  const losses: number[] = [];
  let lastLoss = NaN;
  let lastEval: number | undefined;
  let windowStart = performance.now();
  let windowSteps = 0;
  try {
    while (step < totalSteps) {
      if (args.signal?.aborted) {
        await saveCheckpoint(step, { loss: lastLoss });
        await writer?.close('stopped', { totalSteps, message: `stopped by the user at step ${step}` });
        return { status: 'stopped', step, message: `stopped at step ${step}`, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval, losses };
      }
      const s = step + 1;
      const batch = sampleBatch(args.dataset, bundle.sourceTokenizer, bundle.targetTokenizer, new Rng(seed * 1_000_003 + s), batchSize, model.config.maxLength);
      let loss = NaN;
      let accuracy = 0;
      let gradNorm = NaN;
      try {
        const stats: { correct?: tf.Scalar; count?: tf.Scalar } = {};
        const { value, grads } = tf.variableGrads(() => {
          const fwd = model.forward(batch.source, batch.targetIn);
          const r = labelSmoothedLoss(fwd.logits, batch.targetOut, smoothing);
          stats.correct = tf.keep(r.correct);
          stats.count = tf.keep(r.count);
          return r.loss;
        }, variables);
        const g = variables.map((v) => grads[v.name]);
        loss = value.dataSync()[0];
        gradNorm = globalNorm(g);
        accuracy = (stats.correct as tf.Scalar).dataSync()[0] / (stats.count as tf.Scalar).dataSync()[0];
        if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
          const clipped = clipByGlobalNorm(g, gradNorm, clipNorm);
          optimizer.apply(variables.map((variable, i) => ({ variable, grad: clipped[i] })), lr);
          if (clipped !== g) tf.dispose(clipped);
        }
        tf.dispose([value, ...g, stats.correct as tf.Scalar, stats.count as tf.Scalar]);
      } finally {
        tf.dispose([batch.source, batch.targetIn, batch.targetOut]);
      }
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        const what = !Number.isFinite(loss) ? `the loss became ${loss}` : `the gradient norm became ${gradNorm}`;
        const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
        const message = `training stopped at step ${s}: ${what} (try a lower learning rate); ${kept}`;
        await writer?.close('failed', { totalSteps, message });
        return { status: 'failed', step, message, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval, losses };
      }
      step = s;
      lastLoss = loss;
      losses.push(loss);
      windowSteps++;
      const isEval = evalEvery > 0 ? step % evalEvery === 0 || step === totalSteps : step === totalSteps;
      if (step % logEvery === 0 || step === totalSteps || isEval) {
        const now = performance.now();
        const stepsPerSecond = (windowSteps / (now - windowStart)) * 1000;
        windowStart = now;
        windowSteps = 0;
        const record: MetricsRecord = { step, time: Date.now(), loss, accuracy, learningRate: lr, gradNorm, stepsPerSecond };
        if (isEval) {
          const e = await evaluate(step);
          if (e.exactMatch !== undefined) record.evalExactMatch = lastEval = e.exactMatch;
          if (e.attention) record.attention = e.attention;
          windowStart = performance.now(); // evaluation time is not training speed
        }
        await writer?.appendMetrics(record);
        args.onProgress?.({ step, totalSteps, loss, accuracy, learningRate: lr, stepsPerSecond, etaSeconds: stepsPerSecond > 0 ? (totalSteps - step) / stepsPerSecond : NaN, evalExactMatch: record.evalExactMatch });
      }
      if (step % checkpointEvery === 0 && step < totalSteps) await saveCheckpoint(step, { loss });
      await nextTick(); // lets a cancel message arrive
    }
    await saveCheckpoint(step, { loss: lastLoss, evalExactMatch: lastEval });
    await writer?.close('finished', { totalSteps });
    return { status: 'finished', step, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval, losses };
  } catch (err) {
    await writer?.close('failed', { totalSteps, message: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    optimizer.dispose();
  }
}
