/**
 * What any model says about itself, whatever its family: what it reads, which panels it opens in, and
 * the attention tensors it produces. Panels read these instead of branching on the family, so a new
 * family shows up everywhere its kind of attention is drawn. Imports no vscode, no DOM, no tfjs.
 */
import { z } from 'zod';

const Index = z.number().int().nonnegative();

/** What a model reads: a source text it maps to an output text, one text, or an image. */
export const InputKind = z.enum(['text-pair', 'text', 'image']);
export type InputKind = z.infer<typeof InputKind>;

/**
 * What a model can be asked, each a surface of the editor: 'attention' (attention panel: every map
 * of one input; hovers on text models), 'decode' (token by token: beam-tree panel), 'explain' (image
 * panel: a class and the maps behind it), 'caption' (image panel: words and where each looked).
 */
export const MODEL_SURFACES = ['attention', 'decode', 'explain', 'caption'] as const;
export const ModelSurface = z.enum(MODEL_SURFACES);
export type ModelSurface = z.infer<typeof ModelSurface>;

/** Kinds of attention, one axis order for all: [layers, heads, queries, keys]. */
export const AttentionKind = z.enum(['encoder-self', 'decoder-self', 'cross']);
export type AttentionKind = z.infer<typeof AttentionKind>;

/** What an axis of a map runs over: the source text's tokens, the decoder's positions (the token fed
 * at each), or an image's tokens ([CLS] and patches). */
export const AxisContent = z.enum(['source', 'target', 'image']);
export type AxisContent = z.infer<typeof AxisContent>;

export const AttentionSpec = z.object({
  kind: AttentionKind,
  layers: Index,
  heads: Index,
  queries: AxisContent,
  keys: AxisContent,
  /** 'heads': layers of heads (head, matrix and model views); 'alignment': one alignment per output
   * step, as an RNN's additive attention (the matrix view). */
  structure: z.enum(['heads', 'alignment']),
  /** Each head's queries and keys can be captured (the query-key view). */
  queryKey: z.boolean(),
  /** Heads can be ablated (their outputs zeroed) in a re-run. */
  ablation: z.boolean(),
});
export type AttentionSpec = z.infer<typeof AttentionSpec>;

/** The attention spec of `kind` in a description's list, or undefined when the model has none. */
export function attentionSpec(specs: readonly AttentionSpec[], kind: AttentionKind): AttentionSpec | undefined {
  return specs.find((s) => s.kind === kind);
}
