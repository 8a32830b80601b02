/**
 * The attentional decoder (Bahdanau et al. 2015, section 3.1 and appendix A): at output step t,
 *
 *   weights_t = softmax(score(s_{t-1}, h_j))        over the real source positions j
 *   c_t       = sum_j weights_t[j] h_j               the context vector
 *   s_t       = cell([emb(y_{t-1}); c_t], s_{t-1})   the context is fed to the decoder
 *   logits_t  = W_o [s_t; c_t; emb(y_{t-1})] + b_o   (a linear readout instead of the paper's maxout)
 *
 * with s_0 = tanh(W_init h_backward_0). Every score kind (additive, dot, general) uses this order:
 * the query is the previous decoder state, so the alignment of step t is known before its token.
 */
import * as tf from '@tensorflow/tfjs';
import { createLinear, linear, type LinearWeights } from '../../nn/linear';
import type { ParamStore } from '../../nn/paramStore';
import { AttentionScore } from '../../nn/attentionScore';
import type { RnnSeq2seqConfig } from './config';
import { createRecurrentCell, type RecurrentCell, type RecurrentState } from '../../nn/recurrentCell';

/** The encoder's side of attention, computed once per source batch. */
export interface AttentionMemory {
  /** [B, S, 2U_enc] encoder states (the values). */
  states: tf.Tensor3D;
  /** [B, S, *] step-independent key term of the score. */
  projected: tf.Tensor3D;
  /** [B, S] 1 real, 0 pad. */
  mask: tf.Tensor2D;
}

export interface DecoderStepResult {
  /** [B, V] */
  logits: tf.Tensor2D;
  /** [B, S] this step's alignment. */
  weights: tf.Tensor2D;
  state: RecurrentState;
}

export class AttentionDecoder {
  readonly embedding: tf.Variable; // [V, E]
  readonly init: LinearWeights; // [U_enc, U_dec]
  readonly cell: RecurrentCell;
  readonly attention: AttentionScore;
  readonly readout: LinearWeights; // [U_dec + 2U_enc + E, V]

  constructor(p: ParamStore, name: string, readonly config: RnnSeq2seqConfig) {
    const { targetVocabSize: V, embedDim: E, encoderUnits: U, decoderUnits: D } = config;
    this.embedding = p.normal(`${name}/embedding`, [V, E], 0.1);
    this.init = createLinear(p, `${name}/init`, U, D);
    this.attention = new AttentionScore(p, `${name}/attention`, { kind: config.score, queryDim: D, keyDim: 2 * U, attentionDim: config.attentionDim });
    this.cell = createRecurrentCell(p, `${name}/cell`, config.cell, E + 2 * U, D);
    this.readout = createLinear(p, `${name}/readout`, D + 2 * U + E, V);
  }

  /** backwardFirst [B, U_enc] -> s_0 (and a zero LSTM memory cell). */
  initialState(backwardFirst: tf.Tensor2D): RecurrentState {
    const h = tf.tanh(linear(backwardFirst, this.init)) as tf.Tensor2D; // [B, U_dec]
    return this.cell.kind === 'lstm' ? { h, c: tf.zerosLike(h) } : { h };
  }

  /** One output step for every row: tokens [B] int32 (y_{t-1}). Not tidied: callers tidy. */
  step(memory: AttentionMemory, state: RecurrentState, tokens: tf.Tensor1D): DecoderStepResult {
    const emb = tf.gather(this.embedding, tokens.cast('int32')) as tf.Tensor2D; // [B, E]
    const { context, weights } = this.attention.attend(state.h, memory.projected, memory.states, memory.mask); // [B, 2U], [B, S]
    const next = this.cell.step(tf.concat([emb, context], 1), state); // [B, U_dec]
    const logits = linear(tf.concat([next.h, context, emb], 1), this.readout) as tf.Tensor2D; // [B, V]
    return { logits, weights, state: next };
  }
}
