/**
 * What the decoders need from a model: start a batch, feed one token per row, reorder rows. The
 * Transformer implements it with a key/value cache; the RNN seq2seq implements it with its hidden
 * state. Decoders never look inside the state.
 */
import type * as tf from '@tensorflow/tfjs';

export interface StepModel<State> {
  /** Starts decoding `batch` rows (for a source batch, the number of sources). */
  begin(): State;
  /** One token per row ([B] int32) -> log-probabilities of the next token [B, V]; mutates state. */
  step(state: State, tokens: tf.Tensor1D): { logProbs: tf.Tensor2D; cross?: tf.Tensor4D[] };
  /** Keeps rows `indices` of the state, in that order (may change the batch size). */
  reorder(state: State, indices: number[]): void;
  dispose(state: State): void;
  /** Longest output in tokens (BOS included). */
  maxLength: number;
}
