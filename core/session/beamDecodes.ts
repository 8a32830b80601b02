/**
 * Beam decodes kept for the beam-tree panel: run a beam search with its whole tree (optionally from
 * a forced prefix of token ids, which is how the panel steers), remember it, and answer "what did
 * the model attend to when it chose this node's token" on demand by re-running the node's path
 * teacher-forced (one forward pass, every layer and head).
 *
 * Axis orders: cross [layers, heads, queries, source], decoder self [layers, heads, queries, queries]
 * (Transformers; an RNN seq2seq has only its alignment, as cross [1, 1, queries, source]);
 * queries are the decoder inputs <bos>, y1 ... y_{d-1} of a node at depth d.
 */
import type { BeamDecodeParams, BeamDecodeResult, NodeAttention } from '../../protocol/beam';
import { RpcError } from '../../protocol/rpc';
import type { TextModel } from '../models/modelFamily';
import type { Loaded } from './loadedModels';
import { beamSearch } from '../decoding/beamSearch';
import { BoundedStore } from '../util/boundedStore';
import type { SearchTree } from '../decoding/searchTree';

/** Decodes kept for node-attention requests: the panel's current and pinned ones, and a few more. */
const MAX_DECODES = 8;

export interface StoredDecode {
  spec: string;
  /** The loaded model it was decoded with (a reloaded checkpoint is another). */
  model: Loaded['model'];
  text: TextModel;
  /** The start token its decoder input begins with. */
  start: number;
  /** Source ids (seq2seq); null for the LM. */
  sourceIds: number[] | null;
  sourceLabels: string[];
  tree: SearchTree;
}

/** Decodes kept for node-attention requests. */
export class BeamDecodeStore extends BoundedStore<StoredDecode> {
  constructor() {
    super(MAX_DECODES, (id) => `beam decode ${id} has expired; decode again`);
  }
}

/** Beam search over `params.text` with the tree recorded; the result lacks only its decodeId. */
export function decodeWithTree(loaded: Loaded, params: BeamDecodeParams, signal?: AbortSignal): { result: Omit<BeamDecodeResult, 'decodeId'>; stored: Omit<StoredDecode, 'spec'> } {
  const t0 = performance.now();
  const { description } = loaded;
  const model = loaded.model.text;
  if (!model || !description.surfaces.includes('decode')) {
    throw new RpcError('unsupported', `beam search needs a model with a decoder; ${description.label} is a ${description.familyLabel} ('${description.family}'), which has none`);
  }
  const tgt = model.targetTokenizer;
  const isLm = model.kind === 'lm';
  const reader = model.sourceTokenizer ?? tgt;
  // Unknown source tokens are read as <unk> and reported, as the attention panel does.
  const sourceIds = isLm ? null : model.encodeSource(params.text);
  const promptIds = isLm ? tgt.encode(params.text, { unknown: 'unk', what: 'prompt' }) : [];
  if (isLm && promptIds.length === 0) throw new RpcError('invalid-input', 'the prompt is empty: select some text or put the cursor on a non-empty line');
  const shownIds = sourceIds ?? promptIds;
  const prefix = params.prefix ?? [];
  const steps = model.stepModel(sourceIds);
  const { start, end } = steps.tokens;
  if (prefix.includes(end)) throw new RpcError('invalid-input', `the forced prefix must not contain ${tgt.label(end)}: a finished hypothesis cannot be continued`);
  const vocab = tgt.size;
  const outside = prefix.find((t) => t >= vocab || (t === start && start !== end));
  if (outside !== undefined) throw new RpcError('invalid-input', `forced prefix token ${outside} is not an output token of this model (vocabulary size ${vocab})`);
  const nBest = params.nBest ?? params.beamSize;
  if (nBest > params.beamSize) throw new RpcError('invalid-input', `n-best is ${nBest} but the beam keeps only ${params.beamSize} hypotheses; ask for at most the beam size`);
  const maxTokens = Math.min(params.maxTokens, model.maxLength - 1);
  const search = beamSearch(steps, {
    beamSize: params.beamSize,
    alpha: params.alpha,
    nBest,
    maxTokens,
    prefix: [...promptIds, ...prefix],
    label: (t) => tgt.label(t),
    detokenize: (t) => tgt.decode(t),
    signal,
  });
  const labels = reader.tokens(params.text).slice(0, shownIds.length);
  return {
    result: {
      model: description,
      source: { text: params.text, labels, unknown: shownIds.flatMap((id, i) => (id === reader.unknownId ? [i] : [])) },
      settings: { beamSize: params.beamSize, alpha: params.alpha, maxTokens: search.tree.maxTokens, nBest },
      prefix,
      promptLength: promptIds.length,
      hypotheses: search.hypotheses,
      tree: search.tree,
      elapsedMs: performance.now() - t0,
    },
    stored: { model: loaded.model, text: model, start, sourceIds, sourceLabels: labels, tree: search.tree },
  };
}

/** Token ids from the root (exclusive) to `nodeId` (inclusive). */
export function pathTokens(tree: SearchTree, nodeId: number): number[] {
  const out: number[] = [];
  for (let n = tree.nodes[nodeId]; n && n.parent !== -1; n = tree.nodes[n.parent]) out.push(n.token);
  return out.reverse();
}

/** The attention of the step that chose `nodeId`'s token: its path, teacher-forced. */
export function nodeAttention(decode: StoredDecode, decodeId: number, nodeId: number): NodeAttention {
  const { tree, text: model, sourceIds } = decode;
  const node = tree.nodes[nodeId];
  if (!node) throw new RpcError('invalid-input', `node ${nodeId} is not in this tree (it has ${tree.nodes.length} nodes)`);
  if (node.parent === -1) throw new RpcError('invalid-input', 'the root (<bos>) was not chosen by a step, so it has no attention; pick a token node');
  const path = pathTokens(tree, nodeId);
  const input = [decode.start, ...path.slice(0, -1)]; // query d-1 predicted path[d-1]
  const tgt = model.targetTokenizer;
  return {
    decodeId,
    node: nodeId,
    queryLabels: input.map((t) => tgt.label(t)),
    predicted: node.label,
    sourceLabels: decode.sourceLabels,
    ...model.pathAttention(sourceIds, input),
  };
}
