/** Id rows as one padded batch tensor. */
import * as tf from '@tensorflow/tfjs';
import { PAD } from '../text/tokenizer';

/** Pads id rows to one length with `pad` (the char/word tokenizers' <pad> by default) -> [B, S] int32. */
export function padIds(rows: readonly (readonly number[])[], pad = PAD): tf.Tensor2D {
  const s = Math.max(1, ...rows.map((r) => r.length));
  const flat = new Int32Array(rows.length * s).fill(pad);
  rows.forEach((r, i) => flat.set(r, i * s));
  return tf.tensor2d(flat, [rows.length, s], 'int32');
}
