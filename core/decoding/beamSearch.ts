/**
 * Batched beam search with incremental decoding: the live beams are one batch, each step feeds
 * their last tokens and the model's cache is reordered to follow the survivors. Scores use the
 * GNMT length penalty; the whole search tree is recorded (see searchTree.ts).
 *
 * At each step every live beam proposes its `beamSize` best tokens (no other token can enter the
 * beam); the candidates are ranked by cumulative log-probability; end-token candidates ranked inside
 * the beam finish a hypothesis, the best other candidates fill the beam, the rest are pruned.
 * The search stops when no live beam can beat the n-best finished ones, or at the length limit.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { lengthPenalty, type BeamSearchResult, type Hypothesis, type SearchNode } from './searchTree';
import { generableMask, type StepModel } from './stepModel';

export interface BeamSearchArgs {
  /** Beams kept per step (default 4). */
  beamSize?: number;
  /** GNMT length-penalty alpha (default 0.6; 0 = raw log-probability). */
  alpha?: number;
  /** Hypotheses returned (default beamSize). */
  nBest?: number;
  /** Most output tokens, the end token included (default: the model's maximum). */
  maxTokens?: number;
  /** Tokens the output must start with; decoding continues after them. */
  prefix?: readonly number[];
  /** Token labels for the tree (default: the id as text). */
  label?: (token: number) => string;
  /** Hypothesis text from its tokens (default: ids joined by spaces). */
  detokenize?: (tokens: number[]) => string;
  signal?: AbortSignal;
}

interface Beam {
  node: number;
  tokens: number[];
  logProbs: number[];
}

/** Indices of the k largest values of row `r` in a [rows, V] array among the `allowed` ids, best first. */
function topK(values: Float32Array, r: number, V: number, k: number, allowed: Uint8Array): number[] {
  const idx: number[] = [];
  for (let v = 0; v < V; v++) {
    if (!allowed[v]) continue; // padding and the start token are never generated
    const x = values[r * V + v];
    if (idx.length < k || x > values[r * V + idx[idx.length - 1]]) {
      let pos = idx.length < k ? idx.length : k - 1;
      if (idx.length < k) idx.push(v);
      while (pos > 0 && values[r * V + idx[pos - 1]] < x) {
        idx[pos] = idx[pos - 1];
        pos--;
      }
      idx[pos] = v;
    }
  }
  return idx;
}

export function beamSearch<S>(model: StepModel<S>, args: BeamSearchArgs = {}): BeamSearchResult {
  const K = args.beamSize ?? 4;
  const alpha = args.alpha ?? 0.6;
  const nBest = args.nBest ?? K;
  const maxTokens = Math.min(args.maxTokens ?? model.maxLength - 1, model.maxLength - 1);
  const prefix = args.prefix ?? [];
  const label = args.label ?? ((t: number) => String(t));
  const detokenize = args.detokenize ?? ((t: number[]) => t.join(' '));
  if (!Number.isInteger(K) || K < 1) throw new RpcError('invalid-input', `beam size must be a positive integer, got ${K}`);
  if (!Number.isInteger(nBest) || nBest < 1 || nBest > K) throw new RpcError('invalid-input', `n-best must be in 1..${K} (the beam size), got ${nBest}`);
  if (!(alpha >= 0)) throw new RpcError('invalid-input', `length-penalty alpha must be >= 0, got ${alpha}`);
  const { start, end } = model.tokens;
  if (prefix.includes(end)) throw new RpcError('invalid-input', 'the forced prefix must not contain the end token');
  if (prefix.length >= maxTokens) throw new RpcError('invalid-input', `the forced prefix has ${prefix.length} tokens; at most ${maxTokens - 1} fit before the length limit`);

  const nodes: SearchNode[] = [{ id: 0, parent: -1, depth: 0, token: start, label: label(start), logProb: 0, cumulative: 0, normalized: 0, status: 'kept' }];
  const addNode = (n: Omit<SearchNode, 'id' | 'normalized' | 'label'>): SearchNode => {
    const node: SearchNode = { id: nodes.length, label: label(n.token), normalized: n.cumulative / lengthPenalty(n.depth, alpha), ...n };
    nodes.push(node);
    return node;
  };
  const finished: Hypothesis[] = [];
  let alive: Beam[] = [{ node: 0, tokens: [], logProbs: [] }];
  let allowed: Uint8Array | undefined;
  const state = model.begin();
  const run = (beams: Beam[]): { values: Float32Array; V: number } => {
    const ids = tf.tensor1d(beams.map((b) => (b.tokens.length ? b.tokens[b.tokens.length - 1] : start)), 'int32');
    const r = model.step(state, ids);
    const values = r.logProbs.dataSync() as Float32Array;
    const V = r.logProbs.shape[1];
    tf.dispose([ids, r.logProbs, ...(r.cross ?? [])]);
    return { values, V };
  };
  try {
    // Forced prefix: one beam walks it; its nodes record the model's log-probabilities.
    for (const token of prefix) {
      args.signal?.throwIfAborted();
      const { values, V } = run(alive);
      if (token < 0 || token >= V) throw new RpcError('invalid-input', `forced prefix token ${token} is outside the vocabulary (size ${V})`);
      const parent = nodes[alive[0].node];
      const lp = values[token];
      const n = addNode({ parent: parent.id, depth: parent.depth + 1, token, logProb: lp, cumulative: parent.cumulative + lp, status: 'kept', forced: true });
      alive = [{ node: n.id, tokens: [...alive[0].tokens, token], logProbs: [...alive[0].logProbs, lp] }];
    }
    while (alive.length > 0) {
      args.signal?.throwIfAborted();
      const depth = alive[0].tokens.length + 1;
      if (depth > maxTokens) break;
      const { values, V } = run(alive);
      allowed ??= generableMask(model.tokens, V);
      const generable = allowed.reduce((n, a) => n + a, 0);
      const candidates: { beam: number; node: SearchNode }[] = [];
      alive.forEach((b, i) => {
        const parent = nodes[b.node];
        for (const token of topK(values, i, V, Math.min(K, generable), allowed as Uint8Array)) {
          const lp = values[i * V + token];
          candidates.push({ beam: i, node: addNode({ parent: parent.id, depth, token, logProb: lp, cumulative: parent.cumulative + lp, status: 'pruned' }) });
        }
      });
      candidates.sort((a, b) => b.node.cumulative - a.node.cumulative);
      const next: Beam[] = [];
      const parents: number[] = [];
      candidates.forEach((c, rank) => {
        c.node.rank = rank;
        const b = alive[c.beam];
        const tokens = [...b.tokens, c.node.token];
        const logProbs = [...b.logProbs, c.node.logProb];
        if (c.node.token === end) {
          if (rank < K) {
            c.node.status = 'finished';
            finished.push({ tokens, text: detokenize(tokens), logProbs, cumulative: c.node.cumulative, normalized: c.node.normalized, finished: true, nodeId: c.node.id });
          }
        } else if (next.length < K) {
          c.node.status = 'kept';
          next.push({ node: c.node.id, tokens, logProbs });
          parents.push(c.beam);
        }
      });
      alive = next;
      if (alive.length === 0) break;
      // Stop when no live beam can still beat the n-th best finished hypothesis: its cumulative
      // score only falls, and its length penalty is at most that of the maximum length.
      if (finished.length >= nBest) {
        const worstKept = [...finished].sort((a, b) => b.normalized - a.normalized)[nBest - 1].normalized;
        const bestAlive = Math.max(...alive.map((b) => nodes[b.node].cumulative));
        const bound = bestAlive / lengthPenalty(bestAlive < 0 ? maxTokens : depth, alpha);
        if (bound <= worstKept) break;
      }
      if (depth >= maxTokens) break;
      model.reorder(state, parents);
    }
  } finally {
    model.dispose(state);
  }
  const unfinished: Hypothesis[] = alive.map((b) => {
    const n = nodes[b.node];
    return { tokens: b.tokens, text: detokenize(b.tokens), logProbs: b.logProbs, cumulative: n.cumulative, normalized: n.normalized, finished: false, nodeId: n.id };
  });
  const ranked = [...finished].sort((a, b) => b.normalized - a.normalized);
  if (ranked.length < nBest) ranked.push(...unfinished.sort((a, b) => b.normalized - a.normalized));
  return { hypotheses: ranked.slice(0, nBest), tree: { beamSize: K, alpha, maxTokens, nodes } };
}
