/**
 * One training step of the captioner on scenes: batches of (image, caption), the soft or hard
 * objective (captionLoss.ts), Adam (beta2 0.999) with global-norm clipping. The run-format trainer
 * builds on this.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import type { Scene } from '../../data/scenes/scenes';
import type { Rng } from '../../tasks/rng';
import { BOS, EOS, type Tokenizer } from '../../text/tokenizer';
import { Adam, clipByGlobalNorm, globalNorm } from '../../training/adam';
import { padIds } from '../transformer/stepModel';
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
  const base = args.learningRate ?? 0.002;
  if ((args.learningRateSchedule ?? 'constant') === 'constant') return base;
  const floor = base / 20;
  return floor + (base - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}

export interface CaptionStepStats {
  /** The optimised objective. */
  loss: number;
  /** Mean NLL per word (comparable between soft and hard). */
  nll: number;
  accuracy: number;
  gradNorm: number;
  /** Soft only. */
  penalty?: number;
  /** Hard only: mean log p(y | s, a) and the baseline it was compared with. */
  reward?: number;
  baseline?: number;
}

export class CaptionTrainer {
  readonly optimizer = new Adam({ beta2: 0.999, epsilon: 1e-8 });
  readonly baseline: MovingAverageBaseline;
  private readonly variables: tf.Variable[];

  constructor(readonly model: Captioner, readonly args: CaptionTrainerArgs = {}) {
    this.variables = model.params.variables();
    this.baseline = new MovingAverageBaseline(args.baselineDecay ?? 0.9);
  }

  /**
   * One update; `rng` draws hard attention's locations; `learningRate` overrides the args' (a
   * schedule). Skips the update when the loss is not finite.
   */
  step(batch: CaptionBatch, rng: Rng, learningRate = this.args.learningRate ?? 0.002): CaptionStepStats {
    const hard = this.model.config.attention === 'hard';
    const out: Partial<CaptionStepStats> = {};
    const kept: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const fwd = this.model.forward(batch.images, batch.targetIn, hard ? rng : undefined);
      if (hard) {
        const r = hardCaptionLoss(fwd.logits, fwd.maps, fwd.logChosen as tf.Tensor2D, batch.targetOut, {
          baseline: this.baseline,
          reinforceWeight: this.args.reinforceWeight,
          entropyWeight: this.args.entropyWeight,
        });
        out.reward = r.reward;
        out.baseline = r.baseline;
        kept.push(tf.keep(r.nll), tf.keep(r.correct), tf.keep(r.count));
        return r.loss;
      }
      const r = softCaptionLoss(fwd.logits, fwd.maps, batch.targetOut, this.args.penaltyWeight ?? 1);
      kept.push(tf.keep(r.nll), tf.keep(r.correct), tf.keep(r.count), tf.keep(r.penalty));
      return r.loss;
    }, this.variables);
    const g = this.variables.map((v) => grads[v.name]);
    const loss = value.dataSync()[0];
    const gradNorm = globalNorm(g);
    const [nll, correct, count, penalty] = kept.map((t) => t.dataSync()[0]);
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
      const clipped = clipByGlobalNorm(g, gradNorm, this.args.clipNorm ?? 5);
      this.optimizer.apply(this.variables.map((variable, i) => ({ variable, grad: clipped[i] })), learningRate);
      if (clipped !== g) tf.dispose(clipped);
    }
    tf.dispose([value, ...g, ...kept]);
    return { loss, nll, accuracy: correct / count, gradNorm, ...(hard ? { reward: out.reward, baseline: out.baseline } : { penalty }) };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
