/**
 * Beam search with its whole search tree, between the host and the engine. The tree is plain data
 * (core/decoding/searchTree.ts, validated here); the attention behind one node is fetched on demand
 * ('beam.nodeAttention'), because a beam-16 tree over 100 steps has ~25k nodes and attention for each
 * would be megabytes nobody looks at. Imports no vscode, no DOM, no tfjs.
 */
import { z } from 'zod';
import { MAX_TEXT_CHARS, ModelDescription, ModelSpec } from './attention';
import type { RequestSchemas } from './rpc';
import { TensorPayload } from './tensor';

/** Limits that every caller (palette, panel controls, engine) checks the same way. */
export const BEAM_LIMITS = { beamSize: { min: 1, max: 32 }, alpha: { min: 0, max: 2 }, maxTokens: { min: 1, max: 256 } } as const;
export const BEAM_DEFAULTS = { beamSize: 4, alpha: 0.6, maxTokens: 64 } as const;

const Index = z.number().int().nonnegative();
const TokenId = z.number().int().nonnegative();

export const BeamSize = z
  .number({ error: 'beam size must be a number' })
  .int({ error: 'beam size must be a whole number' })
  .min(BEAM_LIMITS.beamSize.min, { error: `beam size must be at least ${BEAM_LIMITS.beamSize.min}` })
  .max(BEAM_LIMITS.beamSize.max, { error: `beam size must be at most ${BEAM_LIMITS.beamSize.max}` });
export const Alpha = z
  .number({ error: 'length penalty alpha must be a number' })
  .min(BEAM_LIMITS.alpha.min, { error: `length penalty alpha must be between ${BEAM_LIMITS.alpha.min} and ${BEAM_LIMITS.alpha.max}` })
  .max(BEAM_LIMITS.alpha.max, { error: `length penalty alpha must be between ${BEAM_LIMITS.alpha.min} and ${BEAM_LIMITS.alpha.max}` });
export const MaxTokens = z
  .number({ error: 'maximum output length must be a number' })
  .int({ error: 'maximum output length must be a whole number of tokens' })
  .min(BEAM_LIMITS.maxTokens.min, { error: `maximum output length must be at least ${BEAM_LIMITS.maxTokens.min} token` })
  .max(BEAM_LIMITS.maxTokens.max, { error: `maximum output length must be at most ${BEAM_LIMITS.maxTokens.max} tokens` });

export const BeamSettings = z.object({
  beamSize: BeamSize,
  /** GNMT length-penalty alpha: 0 ranks by raw log-probability, larger favours longer outputs. */
  alpha: Alpha,
  /** Most output tokens, EOS included (the engine also caps it at the model's maximum length). */
  maxTokens: MaxTokens,
  /** Hypotheses returned, best first (default: the beam size). */
  nBest: z.number().int().min(1).max(BEAM_LIMITS.beamSize.max).optional(),
});
export type BeamSettings = z.infer<typeof BeamSettings>;

export const NodeStatus = z.enum(['kept', 'pruned', 'finished']);
export type NodeStatus = z.infer<typeof NodeStatus>;

/** One expanded token of the search (see core/decoding/searchTree.ts for the exact meanings). */
export const SearchNode = z.object({
  id: Index,
  /** -1 for the root (<bos>). */
  parent: z.number().int().min(-1),
  depth: Index,
  token: TokenId,
  label: z.string(),
  logProb: z.number(),
  cumulative: z.number(),
  normalized: z.number(),
  status: NodeStatus,
  forced: z.boolean().optional(),
  rank: Index.optional(),
});
export type SearchNode = z.infer<typeof SearchNode>;

export const SearchTree = z.object({ beamSize: Index, alpha: z.number(), maxTokens: Index, nodes: z.array(SearchNode) });
export type SearchTree = z.infer<typeof SearchTree>;

export const BeamHypothesis = z.object({
  tokens: z.array(TokenId),
  text: z.string(),
  logProbs: z.array(z.number()),
  cumulative: z.number(),
  normalized: z.number(),
  /** Ended with EOS (false: stopped at the length limit). */
  finished: z.boolean(),
  /** Its last node in the tree. */
  nodeId: Index,
});
export type BeamHypothesis = z.infer<typeof BeamHypothesis>;

export const BeamDecodeParams = BeamSettings.extend({
  spec: ModelSpec,
  /** The source text (seq2seq) or the prompt (LM). */
  text: z.string().max(MAX_TEXT_CHARS),
  /** Output tokens the search must start with (e.g. a node's path, to steer the search); no EOS. */
  prefix: z.array(TokenId).max(BEAM_LIMITS.maxTokens.max).optional(),
});
export type BeamDecodeParams = z.infer<typeof BeamDecodeParams>;

export const BeamDecodeResult = z.object({
  /** Names this decode in 'beam.nodeAttention'; the engine keeps the last few. */
  decodeId: Index,
  model: ModelDescription,
  /** The source tokens as the model read them (seq2seq; for the LM, the prompt's tokens). */
  source: z.object({ text: z.string(), labels: z.array(z.string()), unknown: z.array(Index) }),
  /** The settings used (maxTokens after the model's own cap). */
  settings: BeamSettings.extend({ nBest: z.number().int().min(1) }),
  /** The forced prefix used, as token ids (empty when none). */
  prefix: z.array(TokenId),
  /** LM: the prompt's tokens open every path of the tree (forced); they are not part of `prefix`. */
  promptLength: Index,
  hypotheses: z.array(BeamHypothesis),
  tree: SearchTree,
  /** Engine time for the search, milliseconds. */
  elapsedMs: z.number(),
});
export type BeamDecodeResult = z.infer<typeof BeamDecodeResult>;

export const NodeAttention = z.object({
  decodeId: Index,
  node: Index,
  /** Decoder inputs (<bos>, y1 ... y_{d-1}): the query axis of both maps. Row d-1 predicted the node's token. */
  queryLabels: z.array(z.string()),
  /** The node's token, which the last query predicted. */
  predicted: z.string(),
  sourceLabels: z.array(z.string()),
  /** [layers, heads, queries, source] (absent for the LM, which has no source). */
  cross: TensorPayload.optional(),
  /** [layers, heads, queries, queries] (absent for an RNN seq2seq, whose decoder has no self-attention). */
  decoderSelf: TensorPayload.optional(),
});
export type NodeAttention = z.infer<typeof NodeAttention>;

export const beamRequests = {
  /** Beam search over one text with the whole tree recorded. */
  'beam.decode': { params: BeamDecodeParams, result: BeamDecodeResult },
  /** The cross- and decoder self-attention of the step that produced `node` (teacher-forced on its path). */
  'beam.nodeAttention': { params: z.object({ decodeId: Index, node: Index }), result: NodeAttention },
} satisfies RequestSchemas;
