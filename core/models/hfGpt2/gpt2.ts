/**
 * GPT-2 (Radford et al. 2019) on tfjs, with Hugging Face's equations: pre-LN blocks, fused q|k|v
 * Conv1D, causal softmax attention scaled by 1/sqrt(head width) (and 1/(layer + 1) where the config
 * says scale_attn_by_inverse_layer_idx), gelu_new MLP, final ln_f, output through the (tied)
 * embedding. Every head's attention weights come back beside the outputs.
 *
 * Head ablation is HF's `head_mask`: the attention weights of a head are multiplied by its mask
 * value after the softmax (0 silences the head; its values are not renormalised).
 *
 * Axis orders: hidden [B, T, d]; per-head tensors [B, H, T, hd]; attention [B, H, queries, keys].
 */
import * as tf from '@tensorflow/tfjs';
import { hfActivation } from '../../nn/activation';
import { layerNorm } from '../../nn/layerNorm';
import type { Gpt2Config } from './config';
import { disposeGpt2Weights, type Gpt2Block, type Gpt2Weights } from './weights';

export interface Gpt2ForwardOptions {
  /** [layers][heads] multipliers of the attention weights after softmax (HF's head_mask); default all 1. */
  headMask?: readonly (readonly number[])[];
  /** Also return the residual stream before each block and after the last one (L + 1 tensors [B, T, d]). */
  residuals?: boolean;
  /** Also return each layer's per-head queries and keys [B, H, T, hd] (the query-key view). */
  queryKey?: boolean;
}

export interface Gpt2Output {
  /** [B, T, V] */
  logits: tf.Tensor3D;
  /** Per layer [B, H, T, T]. */
  attention: tf.Tensor4D[];
  /** With `residuals`: L + 1 tensors [B, T, d]. */
  residuals?: tf.Tensor3D[];
  /** With `queryKey`: per layer [B, H, T, hd]. */
  queries?: tf.Tensor4D[];
  keys?: tf.Tensor4D[];
}

/** Decoding state: each layer's keys and values so far [B, H, t, hd], and t. */
export interface Gpt2State {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  length: number;
}

export class Gpt2Model {
  readonly headDim: number;

  constructor(
    readonly config: Gpt2Config,
    readonly weights: Gpt2Weights,
  ) {
    this.headDim = config.dModel / config.heads;
  }

  /** Teacher-forced pass over id rows of one length ([B, T] int32); T <= n_positions. */
  forward(ids: tf.Tensor2D, options: Gpt2ForwardOptions = {}): Gpt2Output {
    const [B, T] = ids.shape;
    this.checkLength(T, 0);
    const attention: tf.Tensor4D[] = [];
    const residuals: tf.Tensor3D[] = [];
    const queries: tf.Tensor4D[] = [];
    const keys: tf.Tensor4D[] = [];
    const logits = tf.tidy(() => {
      let x = this.embed(ids, 0); // [B, T, d]
      for (let l = 0; l < this.config.layers; l++) {
        if (options.residuals) residuals.push(tf.keep(x));
        const r = this.block(l, x, undefined, 0, options.headMask?.[l]);
        attention.push(tf.keep(r.weights));
        if (options.queryKey) {
          queries.push(tf.keep(r.queries));
          keys.push(tf.keep(r.keys));
        }
        x = r.x;
      }
      if (options.residuals) residuals.push(tf.keep(x));
      return this.unembed(x, B, T);
    });
    return {
      logits,
      attention,
      residuals: options.residuals ? residuals : undefined,
      ...(options.queryKey ? { queries, keys } : {}),
    };
  }

  /** Residual [B, T, d] -> ln_f -> unembedding: logits [B, T, V] (the logit lens of a layer's residual). */
  readOut(residual: tf.Tensor3D): tf.Tensor3D {
    const [B, T] = residual.shape;
    return tf.tidy(() => this.unembed(residual, B, T));
  }

  beginDecoding(batch: number): Gpt2State {
    const empty = () => tf.zeros([batch, this.config.heads, 0, this.headDim]) as tf.Tensor4D;
    return { keys: Array.from({ length: this.config.layers }, empty), values: Array.from({ length: this.config.layers }, empty), length: 0 };
  }

  /** One token per row ([B] int32) after the state's tokens -> logits of the next token [B, V]; the state grows by one. */
  decodeStep(state: Gpt2State, tokens: tf.Tensor1D, options: Pick<Gpt2ForwardOptions, 'headMask'> = {}): tf.Tensor2D {
    const B = tokens.shape[0];
    this.checkLength(1, state.length);
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    const logits = tf.tidy(() => {
      let x = this.embed(tokens.reshape([B, 1]), state.length);
      for (let l = 0; l < this.config.layers; l++) {
        const r = this.block(l, x, { keys: state.keys[l], values: state.values[l] }, state.length, options.headMask?.[l]);
        keys.push(tf.keep(r.keys));
        values.push(tf.keep(r.values));
        x = r.x;
      }
      return this.unembed(x, B, 1).reshape([B, this.config.vocabSize]) as tf.Tensor2D;
    });
    tf.dispose([...state.keys, ...state.values]);
    state.keys = keys;
    state.values = values;
    state.length += 1;
    return logits;
  }

  /** Keeps rows `indices` of the state, in that order. */
  reorder(state: Gpt2State, indices: number[]): void {
    const idx = tf.tensor1d(indices, 'int32');
    const pick = (ts: tf.Tensor4D[]) =>
      ts.map((t) => {
        const picked = tf.gather(t, idx, 0);
        t.dispose();
        return picked;
      });
    state.keys = pick(state.keys);
    state.values = pick(state.values);
    idx.dispose();
  }

  disposeState(state: Gpt2State): void {
    tf.dispose([...state.keys, ...state.values]);
  }

  dispose(): void {
    disposeGpt2Weights(this.weights);
  }

  private checkLength(added: number, past: number): void {
    if (past + added > this.config.maxPositions) {
      throw new RangeError(`GPT-2 reads at most n_positions = ${this.config.maxPositions} tokens; asked for ${past + added}`);
    }
  }

  /** Token + position embeddings of ids [B, T] at positions from `start`: [B, T, d]. */
  private embed(ids: tf.Tensor, start: number): tf.Tensor3D {
    const [B, T] = ids.shape;
    const tok = tf.gather(this.weights.wte, ids.reshape([B * T]).toInt()).reshape([B, T, this.config.dModel]);
    const pos = this.weights.wpe.slice([start, 0], [T, this.config.dModel]);
    return tok.add(pos) as tf.Tensor3D;
  }

  /** Final layer norm and the output projection: [B, T, d] -> [B, T, V]. */
  private unembed(x: tf.Tensor3D, B: number, T: number): tf.Tensor3D {
    const h = layerNorm(x, this.weights.lnF).reshape([B * T, this.config.dModel]) as tf.Tensor2D;
    return tf.matMul(h, this.weights.unembedT).reshape([B, T, this.config.vocabSize]);
  }

  /** [B, T, d] -> [B, H, T, hd] */
  private heads(x: tf.Tensor2D, B: number, T: number): tf.Tensor4D {
    return x.reshape([B, T, this.config.heads, this.headDim]).transpose([0, 2, 1, 3]);
  }

  private block(l: number, x: tf.Tensor3D, past: { keys: tf.Tensor4D; values: tf.Tensor4D } | undefined, start: number, headMask?: readonly number[]) {
    const { dModel: d } = this.config;
    const w: Gpt2Block = this.weights.blocks[l];
    const [B, T] = x.shape;
    const a = layerNorm(x, w.ln1).reshape([B * T, d]) as tf.Tensor2D;
    const qkv = tf.matMul(a, w.attnW).add(w.attnB) as tf.Tensor2D; // [B*T, 3d]: q | k | v
    const q = this.heads(qkv.slice([0, 0], [B * T, d]), B, T);
    let k = this.heads(qkv.slice([0, d], [B * T, d]), B, T);
    let v = this.heads(qkv.slice([0, 2 * d], [B * T, d]), B, T);
    if (past) {
      k = tf.concat([past.keys, k], 2);
      v = tf.concat([past.values, v], 2);
    }
    let scale = this.config.scaleAttnWeights ? 1 / Math.sqrt(this.headDim) : 1;
    if (this.config.scaleByInverseLayerIdx) scale /= l + 1;
    const scores = tf.matMul(q, k, false, true).mul(scale).add(causalMask(T, start)); // [B, H, T, K]
    let weights = tf.softmax(scores) as tf.Tensor4D;
    if (headMask) weights = weights.mul(tf.tensor4d(headMask as number[], [1, this.config.heads, 1, 1]));
    const ctx = tf.matMul(weights, v).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
    let h = x.add(tf.matMul(ctx, w.attnProjW).add(w.attnProjB).reshape([B, T, d])) as tf.Tensor3D;
    const m = layerNorm(h, w.ln2).reshape([B * T, d]) as tf.Tensor2D;
    const inner = hfActivation(this.config.activation, tf.matMul(m, w.fcW).add(w.fcB));
    h = h.add(tf.matMul(inner as tf.Tensor2D, w.mlpProjW).add(w.mlpProjB).reshape([B, T, d]));
    return { x: h, queries: q, keys: k, values: v, weights };
  }
}

/** Additive causal mask [T, start + T]: query i (at position start + i) sees keys 0..start + i. */
function causalMask(T: number, start: number): tf.Tensor2D {
  const K = start + T;
  const m = new Float32Array(T * K);
  for (let i = 0; i < T; i++) for (let j = start + i + 1; j < K; j++) m[i * K + j] = -1e9;
  return tf.tensor2d(m, [T, K]);
}
