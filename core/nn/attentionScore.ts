/**
 * The attention of the RNN decoder over the encoder states: a score per source position, a masked
 * softmax into the alignment weights, and their weighted sum, the context vector.
 *
 *   additive (Bahdanau): score(s, h) = v^T tanh(W s + U h)
 *   dot (Luong):         score(s, h) = s^T h           (needs |s| = |h|)
 *   general (Luong):     score(s, h) = s^T W h
 *
 * The key-side term (U h, W h) does not depend on the decoder step, so `projectKeys` computes it
 * once per source. Scores are element-wise products and sums, no batched matMul (slow on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import type { ParamStore } from './paramStore';

/** How a decoder state is scored against each encoder state (see above). */
export const ATTENTION_SCORES = ['additive', 'dot', 'general'] as const;
export type ScoreKind = (typeof ATTENTION_SCORES)[number];

export interface AttentionScoreArgs {
  kind: ScoreKind;
  /** Decoder state width |s|. */
  queryDim: number;
  /** Encoder state width |h|. */
  keyDim: number;
  /** Hidden width of the additive score (ignored by dot and general). */
  attentionDim: number;
}

export interface Attended {
  /** [B, K] sum over source positions of weight x encoder state. */
  context: tf.Tensor2D;
  /** [B, S] alignment weights; each row sums to 1 over the real (unmasked) positions. */
  weights: tf.Tensor2D;
}

export class AttentionScore {
  readonly kind: ScoreKind;
  /** additive: W [Q, A]. */
  readonly queryWeight?: tf.Variable;
  /** additive: U [K, A]; general: W [K, Q]. */
  readonly keyWeight?: tf.Variable;
  /** additive: v [A, 1]. */
  readonly v?: tf.Variable;

  constructor(p: ParamStore, name: string, readonly args: AttentionScoreArgs) {
    this.kind = args.kind;
    if (args.kind === 'additive') {
      this.queryWeight = p.glorot(`${name}/W`, args.queryDim, args.attentionDim);
      this.keyWeight = p.glorot(`${name}/U`, args.keyDim, args.attentionDim);
      this.v = p.glorot(`${name}/v`, args.attentionDim, 1);
    } else if (args.kind === 'general') {
      this.keyWeight = p.glorot(`${name}/W`, args.keyDim, args.queryDim);
    } else if (args.queryDim !== args.keyDim) {
      throw new RpcError('invalid-input', `dot attention: query width ${args.queryDim} must equal key width ${args.keyDim}`);
    }
  }

  /** keys [B, S, K] -> the step-independent key term: [B, S, A] (additive), [B, S, Q] (general), keys (dot). */
  projectKeys(keys: tf.Tensor3D): tf.Tensor3D {
    if (keys.shape[2] !== this.args.keyDim) throw new RpcError('invalid-input', `attention: keys must be [B, S, ${this.args.keyDim}], got [${keys.shape}]`);
    if (!this.keyWeight) return keys;
    const [B, S, K] = keys.shape;
    const out = this.keyWeight.shape[1] as number;
    return tf.matMul(keys.reshape([B * S, K]), this.keyWeight).reshape([B, S, out]) as tf.Tensor3D;
  }

  /** query [B, Q], projected keys [B, S, *] -> scores [B, S] (before masking). */
  scores(query: tf.Tensor2D, projected: tf.Tensor3D): tf.Tensor2D {
    if (query.shape[1] !== this.args.queryDim) throw new RpcError('invalid-input', `attention: query must be [B, ${this.args.queryDim}], got [${query.shape}]`);
    const [B, S, A] = projected.shape;
    if (this.kind === 'additive') {
      const q = tf.matMul(query, this.queryWeight as tf.Variable).reshape([B, 1, A]); // [B, 1, A]
      const hidden = tf.tanh(projected.add(q)).reshape([B * S, A]); // [B*S, A]
      return tf.matMul(hidden, this.v as tf.Variable).reshape([B, S]) as tf.Tensor2D; // [B, S]
    }
    return projected.mul(query.reshape([B, 1, A])).sum(2) as tf.Tensor2D; // [B, S]
  }

  /**
   * query [B, Q], projected keys, values [B, S, K] (the encoder states), mask [B, S] (1 real, 0 pad)
   * -> context [B, K] and weights [B, S]. Not tidied: callers tidy the whole step.
   */
  attend(query: tf.Tensor2D, projected: tf.Tensor3D, values: tf.Tensor3D, mask: tf.Tensor2D): Attended {
    const scores = this.scores(query, projected); // [B, S]
    const masked = scores.add(mask.sub(1).mul(1e9)); // padding -> -1e9
    const weights = tf.softmax(masked, -1) as tf.Tensor2D; // [B, S]
    const context = values.mul(weights.expandDims(2)).sum(1) as tf.Tensor2D; // [B, K]
    return { context, weights };
  }
}
