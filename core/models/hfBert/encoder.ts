/**
 * BERT (Devlin et al. 2019), RoBERTa and DistilBERT on tfjs, with Hugging Face's equations: one
 * post-LN encoder for the three.
 *   x = LN(word[ids] + position[positions] + type[typeIds])        (DistilBERT: no type term)
 *   per layer: a = LN(x + softmax(q k^T / sqrt(hd) + mask) v Wo);  x = LN(a + W2 act(W1 a))
 *   pooler: tanh(dense(x[:, 0]));  MLM: LN(act(dense(x))) @ word^T + bias
 * The padding mask adds float32's lowest value to masked keys' scores, as HF does (DistilBERT's
 * masked_fill gives the same weights). Head ablation is HF's `head_mask`: a head's attention
 * weights are multiplied by its mask value after the softmax (not renormalised).
 *
 * Axis orders: hidden [B, T, d]; per-head tensors [B, H, T, hd]; attention [B, H, queries, keys].
 */
import * as tf from '@tensorflow/tfjs';
import { hfActivation } from '../../nn/activation';
import { layerNorm } from '../../nn/layerNorm';
import type { EncoderConfig } from './config';
import { type Dense, encoderTensors, type EncoderWeights } from './weights';

/** torch.finfo(torch.float32).min: what HF adds to the scores of masked keys. */
const MASKED = -3.4028234663852886e38;

export interface EncoderInput {
  /** [B][T] token ids, every row of one length. */
  ids: number[][];
  /** [B][T] token types (default 0); DistilBERT has none and refuses any but 0. */
  typeIds?: number[][];
  /** [B][T] 1 for tokens, 0 for padding (default all 1). */
  mask?: number[][];
}

export interface EncoderForwardOptions {
  /** [layers][heads] multipliers of the attention weights after softmax (HF's head_mask); default all 1. */
  headMask?: readonly (readonly number[])[];
  /** Also return each layer's per-head queries and keys [B, H, T, hd] (the query-key view). */
  queryKey?: boolean;
  /** Also return HF's hidden_states: the embeddings' output and each layer's (L + 1 tensors [B, T, d]). */
  hidden?: boolean;
}

export interface EncoderOutput {
  /** Per layer [B, H, T, T]. */
  attention: tf.Tensor4D[];
  /** [B, T, d]: the last layer's output. */
  last: tf.Tensor3D;
  /** [B, d], where the model has a pooler. */
  pooled?: tf.Tensor2D;
  /** [B, T, V], where the model has a masked-LM head. */
  logits?: tf.Tensor3D;
  hidden?: tf.Tensor3D[];
  queries?: tf.Tensor4D[];
  keys?: tf.Tensor4D[];
}

export class EncoderModel {
  readonly headDim: number;

  constructor(
    readonly config: EncoderConfig,
    readonly weights: EncoderWeights,
  ) {
    this.headDim = config.dModel / config.heads;
  }

  /** Tokens a row can hold: the position rows from the first position on. */
  get maxTokens(): number {
    return this.config.positionRows - this.config.firstPosition;
  }

  forward(input: EncoderInput, options: EncoderForwardOptions = {}): EncoderOutput {
    const { ids } = input;
    const B = ids.length;
    const T = ids[0]?.length ?? 0;
    if (B === 0 || T === 0) throw new RangeError('the encoder needs at least one row of at least one token');
    if (ids.some((r) => r.length !== T)) throw new RangeError(`every row needs ${T} tokens, as the first`);
    if (T > this.maxTokens) throw new RangeError(`this ${this.config.modelType} reads at most ${this.maxTokens} tokens (max_position_embeddings ${this.config.positionRows}); asked for ${T}`);
    const c = this.config;
    const bad = ids.flat().find((i) => !Number.isInteger(i) || i < 0 || i >= c.vocabSize);
    if (bad !== undefined) throw new RangeError(`token id ${bad} is outside the vocabulary (vocab_size ${c.vocabSize})`);
    const types = input.typeIds ?? ids.map((r) => r.map(() => 0));
    const badType = types.flat().find((t) => !Number.isInteger(t) || t < 0 || t >= Math.max(c.typeVocabSize, 1));
    if (badType !== undefined) throw new RangeError(`token type ${badType} is outside type_vocab_size ${c.typeVocabSize}`);
    const mask = input.mask ?? ids.map((r) => r.map(() => 1));

    const attention: tf.Tensor4D[] = [];
    const hidden: tf.Tensor3D[] = [];
    const queries: tf.Tensor4D[] = [];
    const keys: tf.Tensor4D[] = [];
    const [last, pooled, logits] = tf.tidy(() => {
      let x = this.embed(ids, types); // [B, T, d]
      if (options.hidden) hidden.push(tf.keep(x));
      // [B, 1, 1, T]: added to every head's and query's scores
      const additive = tf.tensor4d(mask.flat().map((m) => (m ? 0 : MASKED)), [B, 1, 1, T]);
      for (let l = 0; l < c.layers; l++) {
        const r = this.layer(l, x, additive, options.headMask?.[l]);
        attention.push(tf.keep(r.weights));
        if (options.queryKey) {
          queries.push(tf.keep(r.queries));
          keys.push(tf.keep(r.keys));
        }
        x = r.x;
        if (options.hidden) hidden.push(tf.keep(x));
      }
      const w = this.weights;
      const first = x.slice([0, 0, 0], [B, 1, c.dModel]).reshape([B, c.dModel]) as tf.Tensor2D;
      const p = w.pooler ? (tf.tanh(dense(first, w.pooler)) as tf.Tensor2D) : undefined;
      let lg: tf.Tensor3D | undefined;
      if (w.mlm) {
        const h = layerNorm(hfActivation(c.activation, dense(x.reshape([B * T, c.dModel]) as tf.Tensor2D, w.mlm.transform)), w.mlm.ln) as tf.Tensor2D;
        lg = tf.matMul(h, w.mlm.decoderT).add(w.mlm.bias).reshape([B, T, c.vocabSize]) as tf.Tensor3D;
      }
      return [x, p, lg] as const;
    });
    return {
      attention,
      last,
      pooled,
      logits,
      ...(options.hidden ? { hidden } : {}),
      ...(options.queryKey ? { queries, keys } : {}),
    };
  }

  dispose(): void {
    tf.dispose(encoderTensors(this.weights));
  }

  /** Positions of each row: 0, 1, ... (BERT, DistilBERT); RoBERTa counts non-padding tokens from
   * padding_idx + 1 and gives padding padding_idx (create_position_ids_from_input_ids). */
  positions(ids: number[][]): number[][] {
    const c = this.config;
    if (c.modelType !== 'roberta') return ids.map((r) => r.map((_, i) => i));
    return ids.map((r) => {
      let count = 0;
      return r.map((id) => (id === c.padId ? c.padId : c.padId + ++count));
    });
  }

  /** [B, T, d] */
  private embed(ids: number[][], types: number[][]): tf.Tensor3D {
    const w = this.weights;
    const [B, T, d] = [ids.length, ids[0].length, this.config.dModel];
    const rows = (table: tf.Tensor2D, idx: number[][]) => tf.gather(table, tf.tensor1d(idx.flat(), 'int32'));
    let e = rows(w.word, ids).add(rows(w.position, this.positions(ids)));
    if (w.tokenType) e = e.add(rows(w.tokenType, types));
    return layerNorm(e.reshape([B, T, d]) as tf.Tensor3D, w.embLn);
  }

  /** [B, T, d] -> [B, H, T, hd] */
  private heads(x: tf.Tensor2D, B: number, T: number): tf.Tensor4D {
    return x.reshape([B, T, this.config.heads, this.headDim]).transpose([0, 2, 1, 3]);
  }

  private layer(l: number, x: tf.Tensor3D, additive: tf.Tensor4D, headMask?: readonly number[]) {
    const { dModel: d, heads: H } = this.config;
    const w = this.weights.layers[l];
    const [B, T] = x.shape;
    const flat = x.reshape([B * T, d]) as tf.Tensor2D;
    const q = this.heads(dense(flat, w.q), B, T);
    const k = this.heads(dense(flat, w.k), B, T);
    const v = this.heads(dense(flat, w.v), B, T);
    const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(this.headDim)).add(additive); // [B, H, T, T]
    let weights = tf.softmax(scores) as tf.Tensor4D;
    if (headMask) weights = weights.mul(tf.tensor4d([...headMask], [1, H, 1, 1]));
    const ctx = tf.matMul(weights, v).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
    const a = layerNorm(dense(ctx, w.o).add(flat) as tf.Tensor2D, w.ln1);
    const m = dense(hfActivation(this.config.activation, dense(a, w.fc1)) as tf.Tensor2D, w.fc2);
    const out = layerNorm(m.add(a) as tf.Tensor2D, w.ln2).reshape([B, T, d]) as tf.Tensor3D;
    return { x: out, queries: q, keys: k, weights };
  }
}

/** [N, in] -> [N, out] */
function dense(x: tf.Tensor2D, layer: Dense): tf.Tensor2D {
  return tf.matMul(x, layer.w).add(layer.b);
}
