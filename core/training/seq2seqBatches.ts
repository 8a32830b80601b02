/**
 * Teacher-forcing batches for the text models (Transformer, RNN seq2seq): seeded samples of a
 * seq2seq dataset that fit the model, and id rows turned into decoder input and output tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { padIds } from '../nn/padding';
import type { Rng } from '../util/rng';
import type { Seq2SeqDataset } from '../data/tasks/task';
import { BOS, EOS, type Tokenizer } from '../text/tokenizer';

export interface TeacherForcingBatch {
  /** [B, S] source ids; null for the decoder-only LM. */
  source: tf.Tensor2D | null;
  /** [B, T] BOS + target (the decoder input). */
  targetIn: tf.Tensor2D;
  /** [B, T] target + EOS (or the LM's sequence shifted by one). */
  targetOut: tf.Tensor2D;
}

/** Token rows (no BOS/EOS) -> decoder input (BOS + y) and output (y + EOS, or y shifted for the LM). */
export function teacherForcingBatch(source: number[][] | null, target: number[][], appendEos: boolean): TeacherForcingBatch {
  const tin = target.map((t) => [BOS, ...(appendEos ? t : t.slice(0, -1))]);
  const tout = target.map((t) => (appendEos ? [...t, EOS] : t));
  return { source: source ? padIds(source) : null, targetIn: padIds(tin), targetOut: padIds(tout) };
}

export function disposeBatch(b: TeacherForcingBatch): void {
  b.targetIn.dispose();
  b.targetOut.dispose();
  b.source?.dispose();
}

/** `size` training pairs whose source fits `maxLength` and whose target fits with BOS; over-long
 * pairs are skipped (and a dataset where almost none fits is refused with the reason). */
export function sampleSeq2seqBatch(ds: Seq2SeqDataset, src: Tokenizer, tgt: Tokenizer, rng: Rng, size: number, maxLength: number): TeacherForcingBatch {
  const s: number[][] = [];
  const t: number[][] = [];
  for (let tries = 0; s.length < size; tries++) {
    if (tries > size * 100) throw new RpcError('invalid-input', `${ds.name}: almost no example fits the maximum length of ${maxLength} tokens`);
    const p = ds.sampleTrain(rng);
    const a = src.encode(p.source, { unknown: 'unk' });
    const b = tgt.encode(p.target, { unknown: 'unk' });
    if (a.length === 0 || a.length > maxLength || b.length + 1 > maxLength) continue;
    s.push(a);
    t.push(b);
  }
  return teacherForcingBatch(s, t, true);
}
