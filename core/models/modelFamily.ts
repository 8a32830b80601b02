/**
 * What every model family gives the engine (see ModelFamily below), and the plain data its
 * attention capture answers in.
 */
import type { AttentionKind } from '../../protocol/attention';
import type { Predictions } from '../decoding/predictions';

/** `{ shape, dtype, data }` is a protocol TensorPayload as is (binary across processes). */
export interface AttentionMap {
  kind: AttentionKind;
  /** [layers, heads, queries, keys] */
  shape: [number, number, number, number];
  dtype: 'float32';
  data: Float32Array<ArrayBuffer>;
  queryLabels: string[];
  keyLabels: string[];
  /** With `withQueryKey`: per-head queries [layers, heads, queries, dk] and keys [layers, heads, keys, dk]. */
  queryKey?: { dk: number; queries: Float32Array; keys: Float32Array };
}

export interface AttentionCapture {
  /** Source tokens (seq2seq). */
  source?: { text: string; ids: number[]; labels: string[] };
  /** Decoder input: <bos> + target tokens. */
  decoderInput: { ids: number[]; labels: string[] };
  /** The token each decoder position predicts (argmax), its probability, and the text they spell. */
  predicted: Predictions;
  /** The target text used (given, or decoded greedily when none was given). */
  target: string;
  maps: AttentionMap[];
}
