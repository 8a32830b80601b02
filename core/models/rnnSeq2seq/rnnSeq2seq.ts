/**
 * The RNN encoder-decoder with attention: a bidirectional encoder (birnnEncoder.ts), the attentional
 * decoder (attentionDecoder.ts), teacher-forced `forward` for training and incremental
 * `begin` / `decodeStep` / `reorder` for the shared decoders (greedy, beam; see stepModel.ts).
 *
 * The alignment is returned beside the logits, [B, T, S]: row t is the attention of the step that
 * predicts target token t.
 */
import * as tf from '@tensorflow/tfjs';
import { pickRows } from '../../nn/pickRows';
import { RpcError } from '../../../protocol/rpc';
import { Rng } from '../../util/rng';
import { ParamStore } from '../../nn/paramStore';
import { AttentionDecoder, type AttentionMemory } from './attentionDecoder';
import { BiRnnEncoder } from './birnnEncoder';
import { resolveRnnSeq2seqConfig, type RnnSeq2seqArgs, type RnnSeq2seqConfig } from './config';
import type { RecurrentState } from '../../nn/recurrentCell';

export interface RnnForwardResult {
  /** [B, T, V] */
  logits: tf.Tensor3D;
  /** [B, T, S] alignment weights; rows sum to 1 over the real source positions. */
  alignment: tf.Tensor3D;
}

/** Incremental decoding state: the encoder memory and the decoder's recurrent state, one row per beam. */
export interface RnnDecodingState {
  memory: AttentionMemory;
  rnn: RecurrentState;
}

export interface RnnStepResult {
  /** [B, V] log-probabilities of the next token. */
  logProbs: tf.Tensor2D;
  /** [B, S] the step's alignment. */
  weights: tf.Tensor2D;
}

export class RnnSeq2seq {
  readonly config: RnnSeq2seqConfig;
  readonly params: ParamStore;
  readonly encoder: BiRnnEncoder;
  readonly decoder: AttentionDecoder;

  constructor(args: RnnSeq2seqArgs, seed = 1) {
    this.config = resolveRnnSeq2seqConfig(args);
    this.params = new ParamStore(new Rng(seed));
    const c = this.config;
    this.encoder = new BiRnnEncoder(this.params, 'encoder', { vocabSize: c.sourceVocabSize, embedDim: c.embedDim, units: c.encoderUnits, cell: c.cell });
    this.decoder = new AttentionDecoder(this.params, 'decoder', c);
  }

  private checkIds(what: string, ids: tf.Tensor, vocab: number, maxLength: number): void {
    if (ids.rank !== 2) throw new RpcError('invalid-input', `rnn-seq2seq: ${what} must be [B, L] int32, got [${ids.shape}]`);
    if ((ids.shape[1] as number) > maxLength) throw new RpcError('invalid-input', `rnn-seq2seq: ${what} [${ids.shape}] is longer than the maximum length ${maxLength}`);
    if (ids.dtype !== 'int32') throw new RpcError('invalid-input', `rnn-seq2seq: ${what} must be int32, got ${ids.dtype}`);
    const m = ids.max();
    const max = m.dataSync()[0];
    m.dispose();
    if (max >= vocab) throw new RpcError('invalid-input', `rnn-seq2seq: ${what} holds id ${max}, outside the vocabulary of ${vocab}`);
  }

  private memory(source: tf.Tensor2D): { memory: AttentionMemory; rnn: RecurrentState } {
    const enc = this.encoder.encode(source);
    const projected = this.decoder.attention.projectKeys(enc.states);
    return { memory: { states: enc.states, projected, mask: enc.mask }, rnn: this.decoder.initialState(enc.backwardFirst) };
  }

  /** Teacher forcing: source [B, S], targetIn [B, T] (BOS + target) -> logits [B, T, V], alignment [B, T, S]. */
  forward(source: tf.Tensor2D, targetIn: tf.Tensor2D): RnnForwardResult {
    this.checkIds('source', source, this.config.sourceVocabSize, this.config.maxLength);
    this.checkIds('target', targetIn, this.config.targetVocabSize, this.config.maxLength);
    if (source.shape[0] !== targetIn.shape[0]) throw new RpcError('invalid-input', `rnn-seq2seq: source [${source.shape}] and target [${targetIn.shape}] differ in batch size`);
    return tf.tidy(() => {
      const start = this.memory(source);
      const memory = start.memory;
      let rnn = start.rnn;
      const logits: tf.Tensor2D[] = [];
      const weights: tf.Tensor2D[] = [];
      for (const tokens of tf.unstack(targetIn, 1) as tf.Tensor1D[]) {
        const r = this.decoder.step(memory, rnn, tokens);
        rnn = r.state;
        logits.push(r.logits); // [B, V]
        weights.push(r.weights); // [B, S]
      }
      return { logits: tf.stack(logits, 1) as tf.Tensor3D, alignment: tf.stack(weights, 1) as tf.Tensor3D };
    });
  }

  /** Encodes source [B, S] for incremental decoding. */
  begin(source: tf.Tensor2D): RnnDecodingState {
    this.checkIds('source', source, this.config.sourceVocabSize, this.config.maxLength);
    const r = tf.tidy(() => {
      const { memory, rnn } = this.memory(source);
      return { states: memory.states, projected: memory.projected, mask: memory.mask, h: rnn.h, ...(rnn.c ? { c: rnn.c } : {}) };
    });
    return { memory: { states: r.states, projected: r.projected, mask: r.mask }, rnn: { h: r.h, ...(r.c ? { c: r.c } : {}) } };
  }

  /** Feeds tokens [B] int32; returns log-probabilities and the step's alignment; advances the state. */
  decodeStep(state: RnnDecodingState, tokens: tf.Tensor1D): RnnStepResult {
    const r = tf.tidy(() => {
      const s = this.decoder.step(state.memory, state.rnn, tokens);
      return { logProbs: tf.logSoftmax(s.logits) as tf.Tensor2D, weights: s.weights, h: s.state.h, c: s.state.c };
    });
    tf.dispose([state.rnn.h, ...(state.rnn.c ? [state.rnn.c] : [])]);
    state.rnn = { h: r.h, ...(r.c ? { c: r.c } : {}) };
    return { logProbs: r.logProbs, weights: r.weights };
  }

  /** Keeps rows `indices` of the state, in that order. */
  reorder(state: RnnDecodingState, indices: number[]): void {
    pickRows(indices, (pick) => {
      const m = state.memory;
      const shared = m.projected === m.states; // the dot score uses the states as keys
      const states = pick(m.states);
      state.memory = { states, projected: shared ? states : pick(m.projected), mask: pick(m.mask) };
      state.rnn = { h: pick(state.rnn.h), ...(state.rnn.c ? { c: pick(state.rnn.c) } : {}) };
    });
  }

  disposeState(state: RnnDecodingState): void {
    const m = state.memory;
    tf.dispose([...new Set([m.states, m.projected, m.mask, state.rnn.h, ...(state.rnn.c ? [state.rnn.c] : [])])]);
  }

  dispose(): void {
    this.params.dispose();
  }
}
