/**
 * Trains a Transformer (encoder-decoder on a seq2seq dataset, or decoder-only LM on a text) and
 * writes the run in the shared run format: seeded, label-smoothed KL loss, Adam(0.9, 0.98, 1e-9)
 * with the warm-up schedule, gradient clipping, NaN guard (stop, keep the last good checkpoint),
 * cancellation by AbortSignal and progress callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { attentionStats } from '../models/transformer/attentionStats';
import { loadTransformer, saveTransformer, type TransformerBundle } from '../models/transformer/checkpoint';
import type { TransformerArgs } from '../models/transformer/config';
import { padIds } from '../models/transformer/stepModel';
import { Transformer } from '../models/transformer/transformer';
import * as path from 'node:path';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/checkpointFiles';
import type { MetricsRecord, SampleRecord } from '../runs/runFormat';
import { RunWriter } from '../runs/runWriter';
import { Rng } from '../tasks/rng';
import type { Seq2SeqDataset, TextPair } from '../tasks/task';
import { BOS, EOS, Tokenizer, type TokenizerKind } from '../text/tokenizer';
import { Adam, clipByGlobalNorm, globalNorm } from './adam';
import { evaluateSeq2Seq } from './evaluate';
import { labelSmoothedLoss } from './labelSmoothing';
import type { RunLoopArgs } from './runLoopArgs';
import { warmupLearningRate } from './schedule';
import { nextTick } from '../util/nextTick';

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

interface Batch {
  source: tf.Tensor2D | null;
  targetIn: tf.Tensor2D;
  targetOut: tf.Tensor2D;
}

/** Token rows (no BOS/EOS) -> decoder input (BOS + y) and output (y + EOS, or y shifted for the LM). */
function makeBatch(source: number[][] | null, target: number[][], appendEos: boolean): Batch {
  const tin = target.map((t) => [BOS, ...(appendEos ? t : t.slice(0, -1))]);
  const tout = target.map((t) => (appendEos ? [...t, EOS] : t));
  return { source: source ? padIds(source) : null, targetIn: padIds(tin), targetOut: padIds(tout) };
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.targetIn, b.targetOut, ...(b.source ? [b.source] : [])]);
}

interface Data {
  kind: 'seq2seq' | 'lm';
  name: string;
  sourceTokenizer?: Tokenizer;
  targetTokenizer: Tokenizer;
  batch(rng: Rng, size: number): Batch;
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
    batch: (rng, size) => {
      const src: number[][] = [];
      const tgt: number[][] = [];
      for (let tries = 0; src.length < size; tries++) {
        if (tries > size * 100) throw new RpcError('invalid-input', `${ds.name}: almost no example fits the maximum length of ${maxLength} tokens`);
        const p = ds.sampleTrain(rng);
        const s = sourceTokenizer.encode(p.source, { unknown: 'unk' });
        const t = targetTokenizer.encode(p.target, { unknown: 'unk' });
        if (s.length === 0 || s.length > maxLength || t.length + 1 > maxLength) continue; // stated: over-long pairs are skipped
        src.push(s);
        tgt.push(t);
      }
      return makeBatch(src, tgt, true);
    },
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
      return makeBatch(null, rows, false);
    },
  };
}

/** Sub-folder of a run checkpoint holding the Adam moments (absent from demo checkpoints). */
export const OPTIMIZER_DIR = 'optimizer';


export async function trainTransformer(args: TrainTransformerArgs): Promise<TrainResult> {
  if (!args.dataset === !args.text) throw new RpcError('bad-request', 'train: give exactly one of a seq2seq dataset or a text for the language model');
  const totalSteps = args.steps ?? 2000;
  const batchSize = args.batchSize ?? 32;
  const seed = args.seed ?? 1;
  const smoothing = args.labelSmoothing ?? 0.1;
  const clipNorm = args.clipNorm ?? 1;
  const checkpointEvery = args.checkpointEvery ?? 500;
  const logEvery = args.logEvery ?? 10;
  const evalEvery = args.evalEvery ?? 500;
  const evalExamples = args.evalExamples ?? 100;
  const t0 = Date.now();

  // Model and data: fresh, or from the run's newest checkpoint.
  let writer: RunWriter | undefined;
  let bundle: TransformerBundle;
  let data: Data;
  let step = 0;
  let lastCheckpoint: string | undefined;
  const maxLength = args.model?.maxLength ?? 64;
  if (args.resume) {
    if (!args.outDir) throw new RpcError('bad-request', 'resume needs the run folder (outDir)');
    const r = await RunWriter.resume(args.outDir);
    writer = r.writer;
    if (!r.checkpoint) throw new RpcError('not-found', `${args.outDir}: no complete checkpoint to resume from`);
    bundle = await loadTransformer(r.checkpoint.dir);
    step = r.checkpoint.step;
    lastCheckpoint = r.checkpoint.dir;
    const ml = bundle.model.config.maxLength;
    data = args.dataset
      ? seq2seqData(args.dataset, ml, evalExamples, { source: bundle.sourceTokenizer, target: bundle.targetTokenizer })
      : lmData(args.text as NonNullable<typeof args.text>, ml, bundle.targetTokenizer);
  } else {
    data = args.dataset ? seq2seqData(args.dataset, maxLength, evalExamples) : lmData(args.text as NonNullable<typeof args.text>, maxLength);
    const model = new Transformer(
      { ...args.model, kind: data.kind, sourceVocabSize: data.sourceTokenizer?.size, targetVocabSize: data.targetTokenizer.size },
      seed,
    );
    bundle = { model, sourceTokenizer: data.sourceTokenizer, targetTokenizer: data.targetTokenizer, metadata: {} };
    if (args.outDir) {
      writer = await RunWriter.create(args.outDir, {
        model: 'transformer',
        task: data.name,
        seed,
        modelConfig: { ...bundle.model.config },
        training: { steps: totalSteps, batchSize, warmup: args.warmup ?? 400, learningRateFactor: args.learningRateFactor ?? 1, labelSmoothing: smoothing, clipNorm, optimizer: 'adam(0.9, 0.98, 1e-9)' },
      });
    }
  }
  const model = bundle.model;
  const optimizer = new Adam();
  const variables = model.params.variables();
  if (lastCheckpoint) {
    const saved = await readCheckpoint(path.join(lastCheckpoint, OPTIMIZER_DIR)).catch(() => undefined);
    if (saved) optimizer.importState((saved.modelTopology as { step: number }).step, saved.weightSpecs, saved.weightData, model.params.byName());
  }
  const lrAt = (s: number) => warmupLearningRate(s, { dModel: model.config.dModel, warmup: args.warmup, factor: args.learningRateFactor });

  const saveCheckpoint = async (s: number, extra: Record<string, unknown>) => {
    if (!writer) return;
    const dir = writer.checkpointDir(s);
    bundle.metadata = { task: data.name, step: s, ...extra };
    // Optimizer moments beside the model, so a resumed run continues Adam where it stopped.
    const opt = optimizer.exportState(model.params.nameMap());
    await writeCheckpoint(path.join(dir, OPTIMIZER_DIR), { format: 'adam-state', modelTopology: { step: opt.step }, weightSpecs: opt.specs, weightData: opt.data, metadata: {} });
    await saveTransformer(dir, bundle);
    await writer.checkpointWritten(s);
    lastCheckpoint = dir;
  };

  const evaluate = async (s: number): Promise<{ exactMatch?: number; attention?: MetricsRecord['attention'] }> => {
    if (data.kind !== 'seq2seq' || data.heldOut.length === 0) return {};
    const r = evaluateSeq2Seq(bundle, data.heldOut);
    const samples: SampleRecord[] = data.heldOut.slice(0, 5).map((p, i) => ({ step: s, source: p.source, target: p.target, output: r.outputs[i], correct: r.outputs[i] === p.target }));
    await writer?.appendSamples(samples);
    // Attention statistics on a fixed held-out batch.
    const sample = data.heldOut.slice(0, 32);
    const src = sample.map((p) => (data.sourceTokenizer as Tokenizer).encode(p.source, { unknown: 'unk' }).slice(0, model.config.maxLength));
    const tgt = sample.map((p) => data.targetTokenizer.encode(p.target, { unknown: 'unk' }).slice(0, model.config.maxLength - 1));
    const b = makeBatch(src, tgt, true);
    const fwd = model.forward(b.source, b.targetIn);
    const attention = attentionStats(fwd, b.source, b.targetIn);
    tf.dispose([fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross]);
    disposeBatch(b);
    return { exactMatch: r.exactMatch, attention };
  };

  let lastLoss = NaN;
  let lastEval: number | undefined;
  let windowStart = performance.now();
  let windowSteps = 0;
  let stepsPerSecond = 0;
  try {
    while (step < totalSteps) {
      if (args.signal?.aborted) {
        await saveCheckpoint(step, { loss: lastLoss });
        await writer?.close('stopped', { totalSteps, message: `stopped by the user at step ${step}` });
        return { status: 'stopped', step, message: `stopped at step ${step}`, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval };
      }
      const s = step + 1;
      const lr = lrAt(s);
      const batch = data.batch(new Rng(seed * 1_000_003 + s), batchSize);
      let loss = NaN;
      let accuracy = 0;
      let gradNorm = NaN;
      try {
        const stats: { correct?: tf.Scalar; count?: tf.Scalar } = {};
        const { value, grads } = tf.variableGrads(() => {
          const fwd = model.forward(batch.source, batch.targetIn, { training: true });
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
        disposeBatch(batch);
      }
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        const what = !Number.isFinite(loss) ? `the loss became ${loss}` : `the gradient norm became ${gradNorm}`;
        const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
        const message = `training stopped at step ${s}: ${what} (try a lower learning rate or more warm-up); ${kept}`;
        await writer?.close('failed', { totalSteps, message });
        return { status: 'failed', step, message, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval };
      }
      step = s;
      lastLoss = loss;
      windowSteps++;
      args.onStep?.(step, model);
      const isEval = evalEvery > 0 ? step % evalEvery === 0 || step === totalSteps : step === totalSteps;
      const isLog = step % logEvery === 0 || step === totalSteps || isEval;
      if (isLog) {
        const now = performance.now();
        stepsPerSecond = (windowSteps / (now - windowStart)) * 1000;
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
    return { status: 'finished', step, bundle, lastCheckpoint, wallSeconds: (Date.now() - t0) / 1000, finalLoss: lastLoss, evalExactMatch: lastEval };
  } catch (err) {
    await writer?.close('failed', { totalSteps, message: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    optimizer.dispose();
  }
}

