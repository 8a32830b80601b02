/**
 * The recurrent cells shared by the encoder directions and the decoder, as plain tfjs ops (2-D
 * products only, the fast path on wasm; every op has a gradient there).
 *
 * Axis order: x [B, dIn], h and c [B, units].
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParamStore } from './paramStore';
import { createGruCell } from './gruCell';
import { createLstmCell } from './lstmCell';

export interface RecurrentState {
  /** [B, units] the output (hidden) state. */
  h: tf.Tensor2D;
  /** [B, units] the LSTM memory cell; absent for the GRU. */
  c?: tf.Tensor2D;
}

/** The recurrent cells the RNN models use. */
export const RECURRENT_KINDS = ['gru', 'lstm'] as const;
export type RecurrentKind = (typeof RECURRENT_KINDS)[number];

export interface RecurrentCell {
  readonly kind: RecurrentKind;
  readonly units: number;
  /** All-zero state for `batch` rows. */
  zeroState(batch: number): RecurrentState;
  /** One step: x [B, dIn], state -> new state. Not tidied (callers tidy the whole computation). */
  step(x: tf.Tensor2D, state: RecurrentState): RecurrentState;
}

export function createRecurrentCell(p: ParamStore, name: string, kind: RecurrentKind, dIn: number, units: number): RecurrentCell {
  return kind === 'gru' ? createGruCell(p, name, dIn, units) : createLstmCell(p, name, dIn, units);
}

/** Row-wise keep: mask [B, 1] is 1 where the new state applies, 0 where the old one stays (padding). */
export function maskedState(mask: tf.Tensor2D, next: RecurrentState, prev: RecurrentState): RecurrentState {
  const keep = mask.sub(1).neg(); // [B, 1]
  const mix = (n: tf.Tensor2D, o: tf.Tensor2D) => n.mul(mask).add(o.mul(keep)) as tf.Tensor2D;
  return { h: mix(next.h, prev.h), ...(next.c && prev.c ? { c: mix(next.c, prev.c) } : {}) };
}
