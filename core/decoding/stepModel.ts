/**
 * What the decoders need from a model: start a batch, feed one token per row, reorder rows, and the
 * model's own special ids. The Transformer implements it with a key/value cache, the RNNs with their
 * hidden state. Decoders never look inside the state, and never assume which ids are special: a
 * GPT-2 starts and ends with one id (50256), our char/word tokenizers with <bos> 1 and <eos> 2.
 */
import type * as tf from '@tensorflow/tfjs';

/** The ids that frame a decode: the first token fed, the token that ends a row, and ids that are
 * never generated (padding, the start token where it is not also the end). */
export interface DecodingTokens {
  start: number;
  end: number;
  never: readonly number[];
}

export interface StepModel<State> {
  /** Starts decoding `batch` rows (for a source batch, the number of sources). */
  begin(): State;
  /** One token per row ([B] int32) -> log-probabilities of the next token [B, V]; mutates state. */
  step(state: State, tokens: tf.Tensor1D): { logProbs: tf.Tensor2D; cross?: tf.Tensor4D[] };
  /** Keeps rows `indices` of the state, in that order (may change the batch size). */
  reorder(state: State, indices: number[]): void;
  dispose(state: State): void;
  /** Longest output in tokens (the start token included). */
  maxLength: number;
  tokens: DecodingTokens;
}

/** A [V] mask of the ids a decoder may choose (1) or not (0). */
export function generableMask(tokens: DecodingTokens, vocab: number): Uint8Array {
  const mask = new Uint8Array(vocab).fill(1);
  for (const t of tokens.never) if (t >= 0 && t < vocab) mask[t] = 0;
  return mask;
}
