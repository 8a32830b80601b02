/**
 * Bidirectional recurrent encoder: source embeddings, a forward and a backward cell, states
 * concatenated to [B, S, 2U]. Padding (id 0, at the end of a row) never updates a state, so the
 * backward direction starts fresh at each row's last real token and its state at position 0 is a
 * summary of the whole row (Bahdanau's decoder initialisation reads it).
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { PAD } from '../../text/tokenizer';
import type { ParamStore } from '../../nn/paramStore';
import type { RecurrentKind } from '../../nn/recurrentCell';
import { createRecurrentCell, maskedState, type RecurrentCell, type RecurrentState } from '../../nn/recurrentCell';

export interface BiRnnEncoderArgs {
  vocabSize: number;
  embedDim: number;
  /** Units per direction. */
  units: number;
  cell: RecurrentKind;
}

export interface EncoderOutput {
  /** [B, S, 2U] forward | backward states. */
  states: tf.Tensor3D;
  /** [B, S] 1 at real tokens, 0 at padding. */
  mask: tf.Tensor2D;
  /** [B, U] the backward direction's state at position 0. */
  backwardFirst: tf.Tensor2D;
}

export class BiRnnEncoder {
  readonly embedding: tf.Variable; // [V, E]
  readonly forwardCell: RecurrentCell;
  readonly backwardCell: RecurrentCell;

  constructor(
    p: ParamStore,
    name: string,
    readonly args: BiRnnEncoderArgs,
  ) {
    this.embedding = p.normal(`${name}/embedding`, [args.vocabSize, args.embedDim], 0.1);
    this.forwardCell = createRecurrentCell(p, `${name}/forward`, args.cell, args.embedDim, args.units);
    this.backwardCell = createRecurrentCell(p, `${name}/backward`, args.cell, args.embedDim, args.units);
  }

  /** ids [B, S] int32 (PAD-padded at the end) -> states, mask. Not tidied: callers tidy. */
  encode(ids: tf.Tensor2D): EncoderOutput {
    if (ids.rank !== 2 || ids.shape[1] < 1) throw new RpcError('invalid-input', `encoder: source ids must be [B, S] with S >= 1, got [${ids.shape}]`);
    const [B, S] = ids.shape;
    const mask = tf.notEqual(ids, PAD).cast('float32') as tf.Tensor2D; // [B, S]
    const x = tf.gather(this.embedding, ids.cast('int32')) as tf.Tensor3D; // [B, S, E]
    const xs = tf.unstack(x, 1) as tf.Tensor2D[]; // S x [B, E]
    const ms = tf.unstack(mask, 1).map((m) => m.reshape([B, 1]) as tf.Tensor2D); // S x [B, 1]
    const run = (cell: RecurrentCell, order: number[]): tf.Tensor2D[] => {
      const out = new Array<tf.Tensor2D>(S);
      let s: RecurrentState = cell.zeroState(B);
      for (const t of order) {
        s = maskedState(ms[t], cell.step(xs[t], s), s);
        out[t] = s.h;
      }
      return out;
    };
    const steps = Array.from({ length: S }, (_, t) => t);
    const fwd = run(this.forwardCell, steps); // S x [B, U]
    const bwd = run(this.backwardCell, [...steps].reverse());
    const states = tf.concat([tf.stack(fwd, 1), tf.stack(bwd, 1)], 2) as tf.Tensor3D; // [B, S, 2U]
    return { states, mask, backwardFirst: bwd[0] };
  }
}
