/**
 * What the Transformer benchmarks and the PyTorch parity cases share, so both time the same work:
 * random token batches, one training step (label smoothing 0.1, global-norm clipping at 1, the
 * engine's Adam), and a decoder that never stops early.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepModel } from '../../core/decoding/stepModel';
import { padIds } from '../../core/nn/padding';
import type { DecodingState, Transformer } from '../../core/models/transformer/transformer';
import type { Rng } from '../../core/util/rng';
import { Adam, clipByGlobalNorm, globalNorm } from '../../core/training/adam';
import { labelSmoothedLoss } from '../../core/training/labelSmoothing';
import { BOS, EOS } from '../../core/text/tokenizer';

/** `rows` random sequences of ordinary tokens (no padding, BOS or EOS). */
export function randomIds(rng: Rng, rows: number, length: number, vocab: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length }, () => rng.int(EOS + 1, vocab - 1)));
}

export interface TrainStepState {
  model: Transformer;
  adam: Adam;
  src: tf.Tensor2D;
  tin: tf.Tensor2D;
  tout: tf.Tensor2D;
}

/** A batch of `rows` source sequences of `length` tokens and targets of `length` with BOS / EOS. */
export function trainStepState(model: Transformer, rng: Rng, rows: number, length: number, vocab: number): TrainStepState {
  const tgt = randomIds(rng, rows, length - 1, vocab);
  return {
    model,
    adam: new Adam(),
    src: padIds(randomIds(rng, rows, length, vocab)),
    tin: padIds(tgt.map((t) => [BOS, ...t])),
    tout: padIds(tgt.map((t) => [...t, EOS])),
  };
}

/** Forward, label-smoothed loss, gradients, clipping and the Adam update; returns the loss. */
export function trainStep({ model, adam, src, tin, tout }: TrainStepState): { loss: number } {
  const vars = model.params.variables();
  const { value, grads } = tf.variableGrads(() => labelSmoothedLoss(model.forward(src, tin, { training: true }).logits, tout, 0.1).loss, vars);
  const g = vars.map((v) => grads[v.name]);
  const norm = globalNorm(g);
  const clipped = clipByGlobalNorm(g, norm, 1);
  adam.apply(vars.map((variable, i) => ({ variable, grad: clipped[i] })), 1e-4);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...g, ...(clipped !== g ? clipped : [])]);
  return { loss: Math.round(loss * 1000) / 1000 };
}

export function disposeTrainStepState({ model, adam, src, tin, tout }: TrainStepState): void {
  adam.dispose();
  model.dispose();
  tf.dispose([src, tin, tout]);
}

/** A step model whose EOS never wins, so every decode produces exactly `maxTokens` tokens. */
export function noEos(m: StepModel<DecodingState>): StepModel<DecodingState> {
  return {
    ...m,
    step: (state, tokens) => {
      const r = m.step(state, tokens);
      const masked = tf.tidy(() => r.logProbs.add(tf.oneHot(tf.fill([r.logProbs.shape[0]], EOS, 'int32'), r.logProbs.shape[1]).mul(-1e9))) as tf.Tensor2D;
      r.logProbs.dispose();
      return { logProbs: masked };
    },
  };
}
