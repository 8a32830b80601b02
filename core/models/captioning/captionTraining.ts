/**
 * What the captioner trains on: batches of (image, caption) from scenes and the soft or hard
 * objective (captionLoss.ts), for the shared training step and loop (core/training/trainLoop.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import type { Scene } from '../../data/scenes/scenes';
import type { Rng } from '../../util/rng';
import { BOS, EOS, type Tokenizer } from '../../text/tokenizer';
import type { StepLoss } from '../../training/trainLoop';
import { padIds } from '../../nn/padding';
import { hardCaptionLoss, MovingAverageBaseline, softCaptionLoss } from './captionLoss';
import type { Captioner } from './captioner';

export interface CaptionBatch {
  /** [B, S, S, 3] */
  images: tf.Tensor4D;
  /** [B, T] BOS + caption */
  targetIn: tf.Tensor2D;
  /** [B, T] caption + EOS */
  targetOut: tf.Tensor2D;
}

export function captionBatch(scenes: readonly Scene[], tokenizer: Tokenizer): CaptionBatch {
  if (scenes.length === 0) throw new RpcError('invalid-input', 'captionBatch needs at least one scene');
  const S = scenes[0].size;
  const x = new Float32Array(scenes.length * S * S * 3);
  scenes.forEach((s, i) => {
    if (s.size !== S) throw new RpcError('invalid-input', `scene ${i} is ${s.size} px, scene 0 is ${S} px`);
    x.set(s.pixels, i * S * S * 3);
  });
  const words = scenes.map((s) => tokenizer.encode(s.caption, { what: `caption of scene ${s.seed}` }));
  return {
    images: tf.tensor4d(x, [scenes.length, S, S, 3]),
    targetIn: padIds(words.map((w) => [BOS, ...w])),
    targetOut: padIds(words.map((w) => [...w, EOS])),
  };
}

export function disposeCaptionBatch(b: CaptionBatch): void {
  tf.dispose([b.images, b.targetIn, b.targetOut]);
}

/** The training defaults CaptionTrainerArgs documents. */
export const CAPTION_TRAINING_DEFAULTS = { learningRate: 0.002, clipNorm: 5 } as const;

export interface CaptionTrainerArgs {
  /** Adam learning rate (default 0.002). */
  learningRate?: number;
  /** 'constant' (default) or 'cosine': from learningRate down to a twentieth of it at the last step. */
  learningRateSchedule?: 'constant' | 'cosine';
  /** Clip to this global gradient norm (default 5; 0 = off). */
  clipNorm?: number;
  /** Soft: weight of the doubly stochastic penalty (default 1). */
  penaltyWeight?: number;
  /** Hard: lambda_r and lambda_e (defaults 1 and 0.01), baseline decay (default 0.9). */
  reinforceWeight?: number;
  entropyWeight?: number;
  baselineDecay?: number;
}

/** The learning rate of step `step` (1-based) of `totalSteps`. */
export function captionLearningRate(args: CaptionTrainerArgs, step: number, totalSteps: number): number {
  const base = args.learningRate ?? CAPTION_TRAINING_DEFAULTS.learningRate;
  if ((args.learningRateSchedule ?? 'constant') === 'constant') return base;
  const floor = base / 20;
  return floor + (base - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}

/**
 * The captioner's objective for the shared training step (core/training/trainLoop.ts): the word
 * NLL is what is reported, the objective adds soft attention's penalty or hard attention's
 * REINFORCE terms. Hard attention samples its locations with the step's `rng` and keeps its
 * moving-average baseline across the steps of one objective.
 */
export function captionObjective(model: Captioner, args: CaptionTrainerArgs = {}): (batch: CaptionBatch, rng: Rng) => StepLoss {
  const hard = model.config.attention === 'hard';
  const baseline = new MovingAverageBaseline(args.baselineDecay ?? 0.9);
  return (batch, rng): StepLoss => {
    const fwd = model.forward(batch.images, batch.targetIn, hard ? rng : undefined);
    if (hard) {
      const r = hardCaptionLoss(fwd.logits, fwd.maps, fwd.logChosen as tf.Tensor2D, batch.targetOut, { baseline, reinforceWeight: args.reinforceWeight, entropyWeight: args.entropyWeight });
      return { loss: r.loss, reported: r.nll, correct: r.correct, count: r.count, extra: { reward: r.reward, baseline: r.baseline } };
    }
    const r = softCaptionLoss(fwd.logits, fwd.maps, batch.targetOut, args.penaltyWeight ?? 1);
    return { loss: r.loss, reported: r.nll, correct: r.correct, count: r.count, extra: { penalty: r.penalty } };
  };
}

/** The captioner's Adam (beta2 0.999, epsilon 1e-8). */
export const CAPTION_ADAM = { beta2: 0.999, epsilon: 1e-8 } as const;
