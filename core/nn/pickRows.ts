/**
 * Beam search keeps, at every step, the rows of the decoding state whose beams go on (a beam
 * continues its parent's row; the batch may grow or shrink). Each model's `reorder` picks its
 * state's tensors through this one helper.
 */
import * as tf from '@tensorflow/tfjs';

/** Rows `indices` of `t`, in that order; `t` itself is disposed. */
export type RowPick = <T extends tf.Tensor>(t: T) => T;

/** Runs `reorder` with a RowPick for `indices`. */
export function pickRows(indices: number[], reorder: (pick: RowPick) => void): void {
  const idx = tf.tensor1d(indices, 'int32');
  const pick: RowPick = (t) => {
    const out = tf.gather(t, idx) as typeof t;
    t.dispose();
    return out;
  };
  try {
    reorder(pick);
  } finally {
    idx.dispose();
  }
}
