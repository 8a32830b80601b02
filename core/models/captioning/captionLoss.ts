/**
 * The captioner's training objectives (Xu et al. 2015).
 *
 * Soft attention: cross-entropy of the words + lambda * the doubly stochastic penalty, which pushes
 * each location's total attention over the caption, sum_t alpha_t[l], toward 1 (so every part of
 * the image is looked at some time): mean over rows and locations of (1 - sum_t alpha_t[l])^2
 * (mean rather than the paper's sum over locations, so lambda does not scale with the grid).
 *
 * Hard attention (section 4.1): maximise the bound L_s = sum_s p(s | a) log p(y | s, a) by
 * REINFORCE: the gradient of log p(y | s, a) plus lambda_r * (log p(y | s, a) - b) * the gradient of
 * log p(s | a), with b a moving average of log p(y | s, a), plus lambda_e * the gradient of the
 * entropy of the attention (exploration). Written as one surrogate loss whose gradient is that.
 */
import * as tf from '@tensorflow/tfjs';
import { PAD } from '../../text/tokenizer';
import { labelSmoothedLoss } from '../../training/labelSmoothing';

/** b <- decay * b + (1 - decay) * x; the first value is taken as is. */
export class MovingAverageBaseline {
  value: number | undefined;

  constructor(readonly decay = 0.9) {}

  update(x: number): void {
    this.value = this.value === undefined ? x : this.decay * this.value + (1 - this.decay) * x;
  }
}

/** maps [B, T, L], targetOut [B, T] (PAD rows do not count) -> mean over B and L of (1 - sum_t alpha_t[l])^2. */
export function doublyStochasticPenalty(maps: tf.Tensor3D, targetOut: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const mask = tf.notEqual(targetOut, PAD).cast('float32').expandDims(2); // [B, T, 1]
    const total = maps.mul(mask).sum(1); // [B, L]
    return tf.scalar(1).sub(total).square().mean() as tf.Scalar;
  });
}

export interface SoftCaptionLoss {
  loss: tf.Scalar;
  /** Mean NLL per real word. */
  nll: tf.Scalar;
  penalty: tf.Scalar;
  correct: tf.Scalar;
  count: tf.Scalar;
}

/** logits [B, T, V], maps [B, T, L], targetOut [B, T]; lambda default 1. */
export function softCaptionLoss(logits: tf.Tensor3D, maps: tf.Tensor3D, targetOut: tf.Tensor2D, lambda = 1): SoftCaptionLoss {
  return tf.tidy(() => {
    const ce = labelSmoothedLoss(logits, targetOut, 0);
    const penalty = doublyStochasticPenalty(maps, targetOut);
    return { loss: ce.loss.add(penalty.mul(lambda)) as tf.Scalar, nll: ce.nll, penalty, correct: ce.correct, count: ce.count };
  });
}

export interface HardLossArgs {
  /** Updated with the batch's mean log p(y | s, a) after it is used. */
  baseline: MovingAverageBaseline;
  /** lambda_r (default 1). */
  reinforceWeight?: number;
  /** lambda_e (default 0.01). */
  entropyWeight?: number;
}

export interface HardCaptionLoss {
  /** The surrogate (its value is not a likelihood; report `nll`). */
  loss: tf.Scalar;
  nll: tf.Scalar;
  correct: tf.Scalar;
  count: tf.Scalar;
  /** Mean over rows of log p(y | s, a) (the reward). */
  reward: number;
  /** The baseline the advantage was taken against. */
  baseline: number;
}

/** logits [B, T, V], maps [B, T, L], logChosen [B, T] (log alpha of the sampled locations), targetOut [B, T]. */
export function hardCaptionLoss(logits: tf.Tensor3D, maps: tf.Tensor3D, logChosen: tf.Tensor2D, targetOut: tf.Tensor2D, args: HardLossArgs): HardCaptionLoss {
  const lambdaR = args.reinforceWeight ?? 1;
  const lambdaE = args.entropyWeight ?? 0.01;
  let reward = 0;
  let baseline = 0;
  const r = tf.tidy(() => {
    const [B, , V] = logits.shape;
    const mask = tf.notEqual(targetOut, PAD).cast('float32'); // [B, T]
    const count = mask.sum().maximum(1) as tf.Scalar;
    const logp = tf.logSoftmax(logits); // [B, T, V]
    const logpTrue = logp.mul(tf.oneHot(targetOut.cast('int32'), V).cast('float32')).sum(2).mul(mask); // [B, T]
    const seqLogLik = logpTrue.sum(1); // [B]  log p(y | s, a)
    const rewards = seqLogLik.dataSync() as Float32Array;
    reward = rewards.reduce((a, b) => a + b, 0) / B;
    baseline = args.baseline.value ?? reward;
    const advantage = tf.tensor1d(Array.from(rewards, (x) => x - baseline)); // [B], a constant
    const scoreTerm = logChosen.mul(mask).sum(1).mul(advantage).mul(lambdaR); // [B]
    const entropy = maps.mul(maps.add(1e-12).log()).sum(2).neg().mul(mask).sum(); // sum over real words
    const loss = seqLogLik.add(scoreTerm).sum().add(entropy.mul(lambdaE)).div(count).neg() as tf.Scalar;
    const nll = seqLogLik.sum().div(count).neg() as tf.Scalar;
    const correct = tf.equal(logits.argMax(-1).cast('int32'), targetOut.cast('int32')).cast('float32').mul(mask).sum() as tf.Scalar;
    return { loss, nll, correct, count };
  });
  args.baseline.update(reward);
  return { ...r, reward, baseline };
}
