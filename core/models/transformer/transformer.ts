/**
 * The Transformer of "Attention is all you need", from tfjs ops: an encoder-decoder (kind 'seq2seq')
 * or a decoder-only language model (kind 'lm', GPT-style: the same decoder blocks without
 * cross-attention, causal mask).
 *
 * Every forward pass returns its attention weights beside its logits (they are computed anyway, so
 * asking for them cannot change the logits). Heads can be ablated: their outputs are zeroed before
 * each attention block's output projection.
 *
 * Tensor axes: ids [B, L] int32; activations [B, L, D]; attention [B, H, query, key];
 * logits [B, T, V].
 */
import * as tf from '@tensorflow/tfjs';
import { pickRows } from '../../nn/pickRows';
import { RpcError } from '../../../protocol/rpc';
import { Rng } from '../../util/rng';
import { resolveConfig, type TransformerArgs, type TransformerConfig } from './config';
import { createDecoderLayer, decoderLayer, type DecoderLayerWeights } from './decoderLayer';
import { createEncoderLayer, encoderLayer, type EncoderLayerWeights } from './encoderLayer';
import { createLinear, linear, type LinearWeights } from '../../nn/linear';
import { causalBias, paddingBias } from './masks';
import { projectKeyValue, type KeyValue } from './multiHeadAttention';
import { ParamStore } from '../../nn/paramStore';
import { positionalEncoding } from './positionalEncoding';

export type AttentionKind = 'encoder-self' | 'decoder-self' | 'cross';

/** One head of one attention block. */
export interface HeadRef {
  kind: AttentionKind;
  layer: number;
  head: number;
}

export interface ForwardOptions {
  /** Dropout on (default false). */
  training?: boolean;
  /** Heads whose outputs are zeroed. */
  ablate?: readonly HeadRef[];
  /** Also return every layer's per-head queries and keys (the query-key view). Default false. */
  withQueryKey?: boolean;
}

/** One layer's queries [B, H, T, dk] and keys [B, H, S, dk] for one attention kind. (A type, not an
 * interface, so it is a tf.TensorContainer and can leave tf.tidy.) */
export type QueryKey = {
  kind: AttentionKind;
  layer: number;
  queries: tf.Tensor4D;
  keys: tf.Tensor4D;
};

export interface ForwardResult {
  /** [B, T, V] */
  logits: tf.Tensor3D;
  /** Per encoder layer [B, H, S, S] (empty for the LM). */
  encoderSelf: tf.Tensor4D[];
  /** Per decoder layer [B, H, T, T]. */
  decoderSelf: tf.Tensor4D[];
  /** Per decoder layer [B, H, T, S] (empty for the LM). */
  cross: tf.Tensor4D[];
  /** Only with `withQueryKey`: every layer's queries and keys, per kind. */
  queryKey: QueryKey[];
}

/** Incremental decoding state (mutated by decodeStep/reorder; free it with disposeState). */
export interface DecodingState {
  batch: number;
  /** Tokens consumed so far (the next position). */
  length: number;
  /** Per decoder layer: self-attention keys/values so far, [B, H, length, dk]. */
  past: KeyValue[] | undefined;
  /** Per decoder layer: cross-attention keys/values of the encoder output, [B, H, S, dk]. */
  memory: KeyValue[] | undefined;
  /** [B, 1, 1, S] */
  memoryBias: tf.Tensor4D | undefined;
  /** Source ids [B, S] (for labels and checks). */
  sourceLength: number;
}

export interface StepResult {
  /** [B, V] log-probabilities of the next token. */
  logProbs: tf.Tensor2D;
  /** Per decoder layer [B, H, 1, length]. */
  selfWeights: tf.Tensor4D[];
  /** Per decoder layer [B, H, 1, S] (empty for the LM). */
  crossWeights: tf.Tensor4D[];
}

export class Transformer {
  readonly config: TransformerConfig;
  readonly params: ParamStore;
  private readonly sourceEmbedding?: tf.Variable;
  private readonly targetEmbedding: tf.Variable;
  private readonly encoder: EncoderLayerWeights[];
  private readonly decoder: DecoderLayerWeights[];
  private readonly output: LinearWeights;
  /** [maxLength, D], not trained */
  private readonly positions: tf.Tensor2D;
  private readonly dropoutRng: Rng;

  constructor(args: TransformerArgs, seed = 1) {
    const c = resolveConfig(args);
    this.config = c;
    const rng = new Rng(seed);
    this.dropoutRng = new Rng(seed ^ 0x5bd1e995);
    const p = new ParamStore(rng);
    this.params = p;
    const std = 1 / Math.sqrt(c.dModel); // scaled by sqrt(dModel) on lookup: unit variance
    if (c.kind === 'seq2seq') this.sourceEmbedding = p.normal('source_embedding', [c.sourceVocabSize, c.dModel], std);
    this.targetEmbedding = p.normal('target_embedding', [c.targetVocabSize, c.dModel], std);
    this.encoder = Array.from({ length: c.encoderLayers }, (_, i) => createEncoderLayer(p, `encoder/${i}`, c));
    this.decoder = Array.from({ length: c.decoderLayers }, (_, i) => createDecoderLayer(p, `decoder/${i}`, c, c.kind === 'seq2seq'));
    this.output = createLinear(p, 'output', c.dModel, c.targetVocabSize);
    this.positions = positionalEncoding(c.maxLength, c.dModel);
  }

  private checkIds(ids: tf.Tensor, what: string): void {
    if (ids.rank !== 2) throw new RpcError('invalid-input', `${what} ids must be [batch, length], got shape [${ids.shape}]`);
    const length = ids.shape[1] as number;
    if (length === 0) throw new RpcError('invalid-input', `${what} is empty`);
    if (length > this.config.maxLength) {
      throw new RpcError('invalid-input', `${what} has ${length} tokens; this model's maximum length is ${this.config.maxLength}`);
    }
  }

  private dropout(training: boolean | undefined): (t: tf.Tensor) => tf.Tensor {
    const rate = this.config.dropout;
    if (!training || rate === 0) return (t) => t;
    return (t) => tf.dropout(t, rate, undefined, this.dropoutRng.seed());
  }

  /** ids [B, L] -> [B, L, D]: embedding * sqrt(D) + positional encoding from `offset`. */
  private embed(table: tf.Variable, ids: tf.Tensor2D, offset: number): tf.Tensor3D {
    const [, l] = ids.shape;
    const e = tf.gather(table, ids).mul(Math.sqrt(this.config.dModel)); // [B, L, D]
    return e.add(this.positions.slice([offset, 0], [l, this.config.dModel])) as tf.Tensor3D;
  }

  /** [H] masks (1 keep, 0 ablate) per layer of one attention kind; undefined where nothing is ablated. */
  private headMasks(kind: AttentionKind, layers: number, ablate: readonly HeadRef[] | undefined): (tf.Tensor1D | undefined)[] {
    const H = this.config.heads;
    return Array.from({ length: layers }, (_, layer) => {
      const off = (ablate ?? []).filter((a) => a.kind === kind && a.layer === layer);
      if (off.length === 0) return undefined;
      const m = new Float32Array(H).fill(1);
      for (const a of off) m[a.head] = 0;
      return tf.tensor1d(m);
    });
  }

  private checkAblation(ablate: readonly HeadRef[] | undefined): void {
    const c = this.config;
    for (const a of ablate ?? []) {
      const layers = a.kind === 'encoder-self' ? c.encoderLayers : c.decoderLayers;
      if (c.kind === 'lm' && a.kind !== 'decoder-self') throw new RpcError('invalid-input', `a language model has no ${a.kind} attention to ablate`);
      if (!Number.isInteger(a.layer) || a.layer < 0 || a.layer >= layers) throw new RpcError('invalid-input', `ablate: ${a.kind} layer ${a.layer} is out of range 0..${layers - 1}`);
      if (!Number.isInteger(a.head) || a.head < 0 || a.head >= c.heads) throw new RpcError('invalid-input', `ablate: head ${a.head} is out of range 0..${c.heads - 1}`);
    }
  }

  /** Encodes source ids [B, S] -> memory [B, S, D], its padding bias and each layer's self-attention. */
  encode(source: tf.Tensor2D, options: ForwardOptions = {}): { memory: tf.Tensor3D; bias: tf.Tensor4D; weights: tf.Tensor4D[]; queryKey: QueryKey[] } {
    if (this.config.kind !== 'seq2seq' || !this.sourceEmbedding) throw new RpcError('unsupported', 'a language model has no encoder');
    this.checkIds(source, 'source');
    this.checkAblation(options.ablate);
    const table = this.sourceEmbedding;
    return tf.tidy(() => {
      const bias = paddingBias(source); // [B, 1, 1, S]
      const dropout = this.dropout(options.training);
      const masks = this.headMasks('encoder-self', this.encoder.length, options.ablate);
      let x: tf.Tensor = dropout(this.embed(table, source, 0));
      const weights: tf.Tensor4D[] = [];
      const queryKey: QueryKey[] = [];
      this.encoder.forEach((layer, i) => {
        const r = encoderLayer(layer, x, bias, { dropout, selfHeadMask: masks[i] });
        x = r.output;
        weights.push(r.weights);
        if (options.withQueryKey) queryKey.push({ kind: 'encoder-self', layer: i, queries: r.queries, keys: r.keys });
      });
      return { memory: x as tf.Tensor3D, bias, weights, queryKey };
    });
  }

  /**
   * Teacher-forced forward pass: source [B, S] (null for the LM) and decoder input [B, T]
   * (BOS + target without its last token) -> logits [B, T, V] and every attention map.
   */
  forward(source: tf.Tensor2D | null, targetIn: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    this.checkIds(targetIn, 'target');
    this.checkAblation(options.ablate);
    return tf.tidy(() => {
      let enc: { memory: tf.Tensor3D; bias: tf.Tensor4D; weights: tf.Tensor4D[]; queryKey: QueryKey[] } | undefined;
      if (this.config.kind === 'seq2seq') {
        if (!source) throw new RpcError('invalid-input', 'an encoder-decoder model needs a source');
        enc = this.encode(source, options);
      }
      const dropout = this.dropout(options.training);
      const selfMasks = this.headMasks('decoder-self', this.decoder.length, options.ablate);
      const crossMasks = this.headMasks('cross', this.decoder.length, options.ablate);
      const t = targetIn.shape[1];
      const selfBias = causalBias(t).add(paddingBias(targetIn)); // [B, 1, T, T]
      let x: tf.Tensor = dropout(this.embed(this.targetEmbedding, targetIn, 0));
      const decoderSelf: tf.Tensor4D[] = [];
      const cross: tf.Tensor4D[] = [];
      const queryKey: QueryKey[] = [...(enc?.queryKey ?? [])];
      this.decoder.forEach((layer, i) => {
        const memory = enc && layer.cross ? projectKeyValue(layer.cross, enc.memory) : undefined;
        const r = decoderLayer(layer, { x, selfBias, memory, memoryBias: enc?.bias }, { dropout, selfHeadMask: selfMasks[i], crossHeadMask: crossMasks[i] });
        x = r.output;
        decoderSelf.push(r.selfWeights);
        if (r.crossWeights) cross.push(r.crossWeights);
        if (options.withQueryKey) {
          queryKey.push({ kind: 'decoder-self', layer: i, queries: r.selfQueries, keys: r.selfKV.k });
          if (r.crossQueries && memory) queryKey.push({ kind: 'cross', layer: i, queries: r.crossQueries, keys: memory.k });
        }
      });
      const logits = linear(x, this.output) as tf.Tensor3D;
      return { logits, encoderSelf: enc?.weights ?? [], decoderSelf, cross, queryKey };
    });
  }

  /** Starts incremental decoding for sources [B, S] (null for the LM, with `batch` rows). */
  beginDecoding(source: tf.Tensor2D | null, batch = 1, options: ForwardOptions = {}): DecodingState {
    if (this.config.kind === 'lm') return { batch, length: 0, past: undefined, memory: undefined, memoryBias: undefined, sourceLength: 0 };
    if (!source) throw new RpcError('invalid-input', 'an encoder-decoder model needs a source');
    const { memory, memoryBias } = tf.tidy(() => {
      const enc = this.encode(source, options);
      return { memory: this.decoder.map((l) => projectKeyValue(l.cross as NonNullable<typeof l.cross>, enc.memory)), memoryBias: enc.bias };
    });
    return { batch: source.shape[0], length: 0, past: undefined, memory, memoryBias, sourceLength: source.shape[1] };
  }

  /** Feeds one token per row ([B] int32) and returns the next token's log-probabilities; updates `state`. */
  decodeStep(state: DecodingState, tokens: tf.Tensor1D, options: ForwardOptions = {}): StepResult {
    if (tokens.shape[0] !== state.batch) throw new RpcError('internal', `decodeStep: ${tokens.shape[0]} tokens for a batch of ${state.batch}`);
    if (state.length >= this.config.maxLength) {
      throw new RpcError('invalid-input', `output reached this model's maximum length of ${this.config.maxLength} tokens`);
    }
    const result = tf.tidy(() => {
      const selfMasks = this.headMasks('decoder-self', this.decoder.length, options.ablate);
      const crossMasks = this.headMasks('cross', this.decoder.length, options.ablate);
      const dropout = this.dropout(false);
      let x: tf.Tensor = this.embed(this.targetEmbedding, tokens.reshape([state.batch, 1]) as tf.Tensor2D, state.length); // [B, 1, D]
      const past: KeyValue[] = [];
      const selfWeights: tf.Tensor4D[] = [];
      const crossWeights: tf.Tensor4D[] = [];
      this.decoder.forEach((layer, i) => {
        const r = decoderLayer(
          layer,
          { x, past: state.past?.[i], memory: state.memory?.[i], memoryBias: state.memoryBias },
          { dropout, selfHeadMask: selfMasks[i], crossHeadMask: crossMasks[i] },
        );
        x = r.output;
        past.push(r.selfKV);
        selfWeights.push(r.selfWeights);
        if (r.crossWeights) crossWeights.push(r.crossWeights);
      });
      const logits = linear(x, this.output).reshape([state.batch, this.config.targetVocabSize]);
      return { logProbs: tf.logSoftmax(logits) as tf.Tensor2D, past, selfWeights, crossWeights };
    });
    if (state.past) tf.dispose(state.past.flatMap((kv) => [kv.k, kv.v]));
    state.past = result.past;
    state.length += 1;
    return { logProbs: result.logProbs, selfWeights: result.selfWeights, crossWeights: result.crossWeights };
  }

  /** Rows of the state picked by `indices` (beam search: a beam continues its parent; may change the batch size). */
  reorder(state: DecodingState, indices: number[]): void {
    pickRows(indices, (pick) => {
      state.past = state.past?.map((kv) => ({ k: pick(kv.k), v: pick(kv.v) }));
      state.memory = state.memory?.map((kv) => ({ k: pick(kv.k), v: pick(kv.v) }));
      state.memoryBias = state.memoryBias ? pick(state.memoryBias) : undefined;
    });
    state.batch = indices.length;
  }

  disposeState(state: DecodingState): void {
    tf.dispose([...(state.past ?? []).flatMap((kv) => [kv.k, kv.v]), ...(state.memory ?? []).flatMap((kv) => [kv.k, kv.v]), ...(state.memoryBias ? [state.memoryBias] : [])]);
    state.past = undefined;
    state.memory = undefined;
    state.memoryBias = undefined;
  }

  dispose(): void {
    this.params.dispose();
    this.positions.dispose();
  }
}
