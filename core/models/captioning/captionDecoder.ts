/**
 * The captioner's attentional LSTM step (Xu et al. 2015, section 3.1.2 and 4):
 *
 *   alpha_t  = softmax(v^T tanh(W h_{t-1} + U a_l))     over the L grid locations (additive score)
 *              (+ P f_l(alpha_{t-1}) inside the tanh with config.distancePrior: distancePrior.ts)
 *   soft:  z_t = beta_t * sum_l alpha_t[l] a_l          beta_t = sigmoid(w_beta h_{t-1} + b) (the gate)
 *   hard:  z_t = beta_t * a_{s_t},  s_t ~ Categorical(alpha_t) in training, argmax at inference
 *   h_t, c_t = LSTM([emb(y_{t-1}); z_t], h_{t-1}, c_{t-1})
 *   logits_t = W_o [h_t; z_t; emb(y_{t-1})] + b_o
 *
 * with h_0, c_0 = tanh(linear(mean_l a_l)), or zeros (config.initialState). The additive score and the LSTM cell are the RNN
 * seq2seq's (one implementation). alpha_t is the word's attention map, also for hard attention.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/rng';
import { AttentionScore } from '../../nn/attentionScore';
import { createLstmCell } from '../../nn/lstmCell';
import type { RecurrentCell, RecurrentState } from '../../nn/recurrentCell';
import { createLinear, linear, type LinearWeights } from '../../nn/linear';
import type { ParamStore } from '../../nn/paramStore';
import { gridSide, type CaptionerConfig } from './config';
import { DistancePrior } from './distancePrior';

/** The image side of attention, computed once per batch. */
export interface GridMemory {
  /** [B, L, C] */
  features: tf.Tensor3D;
  /** [B, L, A] the score's key term U a_l. */
  projected: tf.Tensor3D;
  /** [B, L] all ones (every location is real); the shared attention takes a mask. */
  mask: tf.Tensor2D;
  /** With a distance prior: its matrix (DistancePrior.matrix), the same for every row. */
  distanceMatrix?: tf.Tensor2D;
}

/** How hard attention picks its location: sample with `rng` (training) or argmax (inference). */
export type LocationChoice = { kind: 'argmax' } | { kind: 'sample'; rng: Rng };

export interface CaptionStepResult {
  /** [B, V] */
  logits: tf.Tensor2D;
  /** [B, L] alpha_t, the word's attention map. */
  map: tf.Tensor2D;
  state: RecurrentState;
  /** Hard attention: the chosen location per row. */
  chosen?: Int32Array;
  /** Hard attention: [B] log alpha_t[s_t] (REINFORCE's score-function term). */
  logChosen?: tf.Tensor1D;
}

/** Index of a draw from each row of probabilities [B, L] (or the argmax). */
export function chooseLocations(probs: Float32Array, B: number, L: number, choice: LocationChoice): Int32Array {
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const row = probs.subarray(b * L, (b + 1) * L);
    if (choice.kind === 'argmax') {
      let best = 0;
      for (let l = 1; l < L; l++) if (row[l] > row[best]) best = l;
      out[b] = best;
    } else {
      let u = choice.rng.next();
      let l = 0;
      for (; l < L - 1; l++) {
        u -= row[l];
        if (u < 0) break;
      }
      out[b] = l;
    }
  }
  return out;
}

export class CaptionDecoder {
  readonly embedding: tf.Variable; // [V, E]
  /** With initialState 'mean-features' only. */
  readonly initH?: LinearWeights; // [C, U]
  readonly initC?: LinearWeights; // [C, U]
  readonly attention: AttentionScore;
  readonly gate: LinearWeights; // [U, 1]
  readonly cell: RecurrentCell;
  readonly readout: LinearWeights; // [U + C + E, V]
  /** With config.distancePrior > 0 only. */
  readonly distancePrior?: DistancePrior;

  constructor(p: ParamStore, name: string, readonly config: CaptionerConfig, readonly featureDim: number) {
    const { vocabSize: V, embedDim: E, units: U, attentionDim: A } = config;
    const C = featureDim;
    this.embedding = p.normal(`${name}/embedding`, [V, E], 0.1);
    if (config.initialState === 'mean-features') {
      this.initH = createLinear(p, `${name}/initH`, C, U);
      this.initC = createLinear(p, `${name}/initC`, C, U);
    }
    this.attention = new AttentionScore(p, `${name}/attention`, { kind: 'additive', queryDim: U, keyDim: C, attentionDim: A });
    this.gate = createLinear(p, `${name}/gate`, U, 1);
    this.cell = createLstmCell(p, `${name}/cell`, E + C, U);
    this.readout = createLinear(p, `${name}/readout`, U + C + E, V);
    if (config.distancePrior > 0) this.distancePrior = new DistancePrior(p, `${name}/distancePrior`, gridSide(config), config.distancePrior, A);
  }

  /** features [B, L, C] -> the attention memory and h_0, c_0. Not tidied: callers tidy. */
  begin(features: tf.Tensor3D): { memory: GridMemory; state: RecurrentState } {
    const [B, L] = features.shape;
    let state: RecurrentState;
    if (this.initH && this.initC) {
      const mean = features.mean(1) as tf.Tensor2D; // [B, C]
      state = { h: tf.tanh(linear(mean, this.initH)) as tf.Tensor2D, c: tf.tanh(linear(mean, this.initC)) as tf.Tensor2D };
    } else {
      state = { h: tf.zeros([B, this.config.units]), c: tf.zeros([B, this.config.units]) };
    }
    const distanceMatrix = this.distancePrior?.matrix();
    return { memory: { features, projected: this.attention.projectKeys(features), mask: tf.ones([B, L]), ...(distanceMatrix ? { distanceMatrix } : {}) }, state };
  }

  /**
   * One word for every row: tokens [B] int32 (y_{t-1}); previousMap [B, L] is alpha_{t-1} (absent at
   * the first word; used with a distance prior only). `choice` is used by hard attention only. Not tidied.
   */
  step(memory: GridMemory, state: RecurrentState, tokens: tf.Tensor1D, choice: LocationChoice, previousMap?: tf.Tensor2D): CaptionStepResult {
    const emb = tf.gather(this.embedding, tokens.cast('int32')) as tf.Tensor2D; // [B, E]
    const projected = this.distancePrior && memory.distanceMatrix && previousMap ? (memory.projected.add(this.distancePrior.term(previousMap, memory.distanceMatrix)) as tf.Tensor3D) : memory.projected;
    const soft = this.attention.attend(state.h, projected, memory.features, memory.mask); // context [B, C], weights [B, L]
    const map = soft.weights;
    let context = soft.context;
    let chosen: Int32Array | undefined;
    let logChosen: tf.Tensor1D | undefined;
    if (this.config.attention === 'hard') {
      const [B, L] = map.shape;
      chosen = chooseLocations(map.dataSync() as Float32Array, B, L, choice);
      const pick = tf.oneHot(tf.tensor1d(chosen, 'int32'), L).cast('float32'); // [B, L]
      context = memory.features.mul(pick.expandDims(2)).sum(1) as tf.Tensor2D; // [B, C] = a_{s_t}
      logChosen = map.add(1e-12).log().mul(pick).sum(1) as tf.Tensor1D; // [B]
    }
    const beta = tf.sigmoid(linear(state.h, this.gate)); // [B, 1]
    const z = context.mul(beta) as tf.Tensor2D; // [B, C]
    const next = this.cell.step(tf.concat([emb, z], 1), state); // [B, U]
    const logits = linear(tf.concat([next.h, z, emb], 1), this.readout) as tf.Tensor2D; // [B, V]
    return { logits, map, state: next, chosen, logChosen };
  }

  dispose(): void {
    this.distancePrior?.dispose();
  }
}
