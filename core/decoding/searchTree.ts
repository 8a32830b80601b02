/**
 * The beam-search tree, the same for every model that decodes (Transformer, RNN seq2seq): every
 * expanded node with its token, log-probability, cumulative and length-normalised scores, parent,
 * and fate. Plain JSON, so the engine can send it to the beam-tree panel as is.
 */

/**
 * - kept: selected into the beam (and expanded at the next step, unless the search ended first)
 * - pruned: a candidate that did not make the beam; never expanded
 * - finished: ended with EOS inside the beam; a hypothesis
 */
export type NodeStatus = 'kept' | 'pruned' | 'finished';

export interface SearchNode {
  /** Index in `nodes`. */
  id: number;
  /** Parent node id; -1 for the root (the BOS token). */
  parent: number;
  /** Output position: 0 for the root, 1 for the first generated token. */
  depth: number;
  token: number;
  /** The token as text (vocabulary entry; special tokens as <eos> etc.). */
  label: string;
  /** log p(token | source, path to the parent); 0 for the root. */
  logProb: number;
  /** Sum of logProb along the path from the root. */
  cumulative: number;
  /** cumulative / lengthPenalty(depth). */
  normalized: number;
  status: NodeStatus;
  /** Part of a forced prefix (not chosen by the search). */
  forced?: boolean;
  /** Rank among all candidates of its step (0 = best cumulative score). */
  rank?: number;
}

export interface Hypothesis {
  /** Generated tokens, forced prefix included, EOS included when finished. */
  tokens: number[];
  text: string;
  /** Per token. */
  logProbs: number[];
  cumulative: number;
  normalized: number;
  /** Ended with EOS (false: stopped at the maximum length). */
  finished: boolean;
  /** Its last node in the tree. */
  nodeId: number;
}

export interface SearchTree {
  beamSize: number;
  /** GNMT length-penalty alpha. */
  alpha: number;
  maxTokens: number;
  nodes: SearchNode[];
}

export interface BeamSearchResult {
  /** Best first by normalised score; at most n-best. */
  hypotheses: Hypothesis[];
  tree: SearchTree;
}

/** GNMT length penalty (Wu et al. 2016): ((5 + length) / 6) ^ alpha. */
export function lengthPenalty(length: number, alpha: number): number {
  return Math.pow((5 + length) / 6, alpha);
}

/** Problems with a tree (empty when valid): the invariants the beam panel relies on. */
export function checkTree(tree: SearchTree, eos: number, tolerance = 1e-4): string[] {
  const problems: string[] = [];
  const { nodes } = tree;
  const expanded = new Set<number>();
  nodes.forEach((n, i) => {
    if (n.id !== i) problems.push(`node ${i} has id ${n.id}`);
    if (i === 0) {
      if (n.parent !== -1) problems.push('the root has a parent');
      return;
    }
    if (!(n.parent >= 0 && n.parent < i)) {
      problems.push(`node ${i}: parent ${n.parent} is not an earlier node`);
      return;
    }
    const p = nodes[n.parent];
    expanded.add(p.id);
    if (n.depth !== p.depth + 1) problems.push(`node ${i}: depth ${n.depth} is not its parent's + 1`);
    if (Math.abs(p.cumulative + n.logProb - n.cumulative) > tolerance) problems.push(`node ${i}: cumulative ${n.cumulative} != parent ${p.cumulative} + logProb ${n.logProb}`);
    if (Math.abs(n.cumulative / lengthPenalty(n.depth, tree.alpha) - n.normalized) > tolerance) problems.push(`node ${i}: normalized score is not cumulative / lengthPenalty`);
    if (n.status === 'finished' && n.token !== eos) problems.push(`node ${i}: finished but its token is not EOS`);
    if (n.token === eos && n.status === 'kept') problems.push(`node ${i}: EOS kept in the beam`);
  });
  for (const id of expanded) {
    const s = nodes[id].status;
    if (s === 'pruned') problems.push(`node ${id}: pruned but expanded`);
    if (s === 'finished') problems.push(`node ${id}: finished but expanded`);
  }
  return problems;
}
