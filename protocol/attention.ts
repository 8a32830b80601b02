/**
 * Attention for text, between the host and the engine. One axis order everywhere:
 * [layers, heads, queries, keys]. A capture's numbers stay in the engine and are fetched in pages
 * (one layer, or pooled thumbnails), because a 512-token, 12-layer, 12-head capture is ~150 MB per
 * attention kind and the host-to-webview hop carries ~25 MB/s.
 */
import { z } from 'zod';
import type { RequestSchemas } from './rpc';
import { TensorPayload } from './tensor';

export const AttentionKind = z.enum(['encoder-self', 'decoder-self', 'cross']);
export type AttentionKind = z.infer<typeof AttentionKind>;

const Index = z.number().int().nonnegative();

export const HeadRef = z.object({ kind: AttentionKind, layer: Index.max(255), head: Index.max(255) });
export type HeadRef = z.infer<typeof HeadRef>;

/** A model.json path, a checkpoint or run folder, or `demo:<name>`. */
export const ModelSpec = z.string().min(1).max(4096);

/** Checkpoint formats the text panels (attention, hovers, beam tree) show; core/attention/textModel.ts
 * holds a loader for each. */
export const TEXT_MODEL_FORMATS = ['transformer', 'rnn-seq2seq'] as const;

export const ModelDescription = z.object({
  spec: ModelSpec,
  /** Short name for the status bar: the demo or folder name. */
  label: z.string(),
  /** The checkpoint's format: a Transformer (layers of heads) or an RNN seq2seq (one alignment,
   * shown as a 'cross' map of one layer and one head). */
  family: z.enum(TEXT_MODEL_FORMATS),
  /** 'seq2seq': the text is the source; 'lm': the text is the sequence itself. */
  kind: z.enum(['seq2seq', 'lm']),
  encoderLayers: Index,
  decoderLayers: Index,
  heads: Index,
  dModel: Index,
  maxLength: Index,
  tokenizer: z.enum(['char', 'word']),
  attentionKinds: z.array(AttentionKind),
  /** One line on the network, where `family` alone does not say it (cell, widths, score). */
  architecture: z.string().optional(),
  /** What the checkpoint says about itself (task, step, accuracy...). */
  metadata: z.record(z.string(), z.unknown()),
});
export type ModelDescription = z.infer<typeof ModelDescription>;

/** [start, end) UTF-16 offsets of a token in the text it came from (editor offsets). */
export const TokenSpan = z.tuple([Index, Index]);
export type TokenSpan = z.infer<typeof TokenSpan>;

export const MapInfo = z.object({
  kind: AttentionKind,
  shape: z.tuple([Index, Index, Index, Index]),
  queryLabels: z.array(z.string()),
  keyLabels: z.array(z.string()),
});
export type MapInfo = z.infer<typeof MapInfo>;

export const CaptureResult = z.object({
  /** Names this capture in later page requests; the engine keeps the last few. */
  captureId: Index,
  model: ModelDescription,
  /** The text tokens as read: for seq2seq the source, for the LM the sequence. */
  text: z.object({
    text: z.string(),
    labels: z.array(z.string()),
    spans: z.array(TokenSpan),
    /** Indices of tokens the model does not know (read as <unk>). */
    unknown: z.array(Index),
    /** Set when the text was longer than the model's maximum length and was cut. */
    truncated: z.object({ keptTokens: Index, totalTokens: Index }).optional(),
  }),
  /** Decoder positions: the token fed (<bos>, y1...) and the token predicted with its probability. */
  decoder: z.object({ inputLabels: z.array(z.string()), predictedLabels: z.array(z.string()), probs: z.array(z.number()) }),
  /** The output text (seq2seq: greedy decode; LM: the text's own continuation per position). */
  output: z.string(),
  /** Text token i is query (or, with axis 'key', key) `offset + i` of `kind`. Transformer seq2seq:
   * encoder-self, 0, query; LM: decoder-self, 1 after <bos>, query; RNN seq2seq: cross, 0, key (its
   * text is only attended to: hovers list the output tokens that attend to it). */
  textQueries: z.object({ kind: AttentionKind, offset: Index, axis: z.enum(['query', 'key']) }),
  maps: z.array(MapInfo),
  ablated: z.array(HeadRef),
});
export type CaptureResult = z.infer<typeof CaptureResult>;

export const HeadSelector = z.union([Index.max(255), z.literal('mean'), z.literal('max')]);
export type HeadSelector = z.infer<typeof HeadSelector>;

const CaptureRef = z.object({ captureId: Index, kind: AttentionKind });
/** Texts longer than this are refused before tokenizing (an editor line, not a book). */
export const MAX_TEXT_CHARS = 20_000;

export const DemoCheckpoint = z.object({ spec: ModelSpec, label: z.string(), format: z.string(), description: z.string() });
export type DemoCheckpoint = z.infer<typeof DemoCheckpoint>;

export const attentionRequests = {
  /** The demo checkpoints shipped with the extension (every model family; filter by `format`). */
  'model.demos': { params: z.object({}), result: z.array(DemoCheckpoint) },
  'model.describe': { params: z.object({ spec: ModelSpec }), result: ModelDescription },
  /** One forward pass with every head captured. `ablate` zeroes those heads' outputs. */
  'attention.capture': {
    params: z.object({
      spec: ModelSpec,
      text: z.string().max(MAX_TEXT_CHARS),
      ablate: z.array(HeadRef).max(4096).default([]),
      /** Transformer seq2seq only: false skips decoding an output (hovers need only the encoder's
       * attention). An RNN seq2seq always decodes: its alignment exists only against an output. */
      decode: z.boolean().default(true),
      /** Also keep every head's queries and keys, for attention.queryKey. */
      queryKey: z.boolean().default(false),
    }),
    result: CaptureResult,
  },
  /** One layer of one kind: [heads, queries, keys]. */
  'attention.layer': { params: CaptureRef.extend({ layer: Index }), result: TensorPayload },
  /** Every layer and head, block-averaged to at most size x size: [layers, heads, q', k']. */
  'attention.thumbnails': { params: CaptureRef.extend({ size: z.number().int().min(4).max(128) }), result: TensorPayload },
  /** Why one head weights one key for one query: its query and key vectors and their product. */
  'attention.queryKey': {
    params: CaptureRef.extend({ layer: Index, head: Index, query: Index, key: Index }),
    result: z.object({
      /** [3, dk]: the query, the key, and their element-wise product. */
      vectors: TensorPayload,
      /** q·k / sqrt(dk), before masking and softmax. */
      score: z.number(),
      /** The attention weight after softmax (and masks). */
      weight: z.number(),
    }),
  },
  /** The keys one query attends to most, for hovers: weights of one layer and head (or mean/max over heads). */
  'attention.topKeys': {
    params: CaptureRef.extend({ layer: Index, head: HeadSelector, query: Index, k: z.number().int().min(1).max(50) }),
    result: z.array(z.object({ key: Index, label: z.string(), weight: z.number() })),
  },
  /** The queries that weight one key most (its column), for hovers where the text is the key axis. */
  'attention.topQueries': {
    params: CaptureRef.extend({ layer: Index, head: HeadSelector, key: Index, k: z.number().int().min(1).max(50) }),
    result: z.array(z.object({ query: Index, label: z.string(), weight: z.number() })),
  },
} satisfies RequestSchemas;
