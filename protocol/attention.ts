/**
 * Attention for text, between the host and the engine. One axis order everywhere:
 * [layers, heads, queries, keys]. A capture's numbers stay in the engine and are fetched in pages
 * (one layer, or pooled thumbnails), because a 512-token, 12-layer, 12-head capture is ~150 MB per
 * attention kind and the host-to-webview hop carries ~25 MB/s.
 */
import { z } from 'zod';
import type { RequestSchemas } from './rpc';
import { AttentionKind, AttentionSpec, InputKind, ModelSurface } from './models';
import { TensorPayload } from './tensor';

export { AttentionKind } from './models';

const Index = z.number().int().nonnegative();

export const HeadRef = z.object({ kind: AttentionKind, layer: Index.max(255), head: Index.max(255) });
export type HeadRef = z.infer<typeof HeadRef>;

/** A model.json path, a checkpoint or run folder, or `demo:<name>`. */
export const ModelSpec = z.string().min(1).max(4096);

export const ModelDescription = z.object({
  spec: ModelSpec,
  /** Short name for the status bar: the demo or folder name. */
  label: z.string(),
  /** The checkpoint's format, which names its family ('transformer', 'rnn-seq2seq', 'vit', ...). */
  family: z.string(),
  /** The family for people ('Transformer'). */
  familyLabel: z.string(),
  input: InputKind,
  surfaces: z.array(ModelSurface),
  /** Every kind of attention it produces, with its layers and heads (what the panels draw). */
  attention: z.array(AttentionSpec),
  dModel: Index,
  /** Longest input in tokens (an image model: its tokens per image). */
  maxLength: Index,
  /** How it reads its input: 'char', 'word', or 'patches' for an image model. */
  tokenizer: z.string(),
  /** One line on the network (cell, widths, score, patch size), where the family alone does not say it. */
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
  /** The text tokens as read: for seq2seq the source, for the LM the sequence; for an image model,
   * its tokens ([CLS], then the patches row by row) with an empty text and no spans. */
  text: z.object({
    text: z.string(),
    labels: z.array(z.string()),
    spans: z.array(TokenSpan),
    /** Indices of tokens the model does not know (read as <unk>). */
    unknown: z.array(Index),
    /** Set when the text was longer than the model's maximum length and was cut. */
    truncated: z.object({ keptTokens: Index, totalTokens: Index }).optional(),
  }),
  /** Set when the input was an image: the file the capture read. */
  image: z.object({ file: z.string(), width: Index, height: Index }).optional(),
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

export const DemoCheckpoint = z.object({
  spec: ModelSpec,
  label: z.string(),
  format: z.string(),
  description: z.string(),
  /** What its family reads and can be asked (empty for a format no family reads). */
  inputs: z.array(InputKind),
  surfaces: z.array(ModelSurface),
});
export type DemoCheckpoint = z.infer<typeof DemoCheckpoint>;

export const attentionRequests = {
  /** The demo checkpoints shipped with the extension (every model family; filter by `format`). */
  'model.demos': { params: z.object({}), result: z.array(DemoCheckpoint) },
  'model.describe': { params: z.object({ spec: ModelSpec }), result: ModelDescription },
  /** One forward pass with every head captured. `ablate` zeroes those heads' outputs. The input is
   * `text` for a text model, or `image` (an absolute path to a PNG or JPEG file) for an image model. */
  'attention.capture': {
    params: z.object({
      spec: ModelSpec,
      text: z.string().max(MAX_TEXT_CHARS).optional(),
      image: z.string().min(1).max(4096).optional(),
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
