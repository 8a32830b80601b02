/**
 * The beam tree shaped for display (no DOM): which nodes show, where, and what is folded away.
 *
 * - Left to right: x follows the output position (depth), one column per step.
 * - Shown by default: every node on a path to a hypothesis (finished with EOS, or still in the beam
 *   when the search stopped). The rest of a node's children (pruned candidates, and kept beams that
 *   died later) fold into one stub "+n" per parent; a node in `expanded` shows all its children.
 * - Rows: children are ordered best first (cumulative score); each leaf or stub takes the next row;
 *   a parent sits level with its child on the best path, else with its first child. So the winning
 *   hypothesis reads as one straight line and the alternatives branch off below it.
 * A beam-16 search over 100 steps has ~25k nodes; folded, it shows a few hundred.
 */
import type { SearchNode, SearchTree } from '../../protocol/beam';

/** Layout constants (CSS pixels). */
export const TREE_LAYOUT = { column: 150, row: 40, nodeWidth: 124, nodeHeight: 32, margin: 16 } as const;

export interface LaidNode {
  id: number;
  x: number;
  y: number;
  node: SearchNode;
  /** On the best hypothesis's path (root included). */
  best: boolean;
  /** Has hidden children behind a stub, or is expanded. */
  expandable: boolean;
  expanded: boolean;
}

export interface LaidStub {
  /** The parent whose folded children this stands for. */
  parent: number;
  x: number;
  y: number;
  /** Hidden children, best first. */
  hidden: number[];
}

export interface LaidEdge {
  from: number;
  /** A node id, or -1 - parent for the edge to a parent's stub. */
  to: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  best: boolean;
  status: SearchNode['status'] | 'stub';
}

export interface TreeLayout {
  nodes: LaidNode[];
  stubs: LaidStub[];
  edges: LaidEdge[];
  width: number;
  height: number;
  /** id -> index in `nodes`, for hit tests and selection. */
  index: Map<number, number>;
}

/** Children of every node, best cumulative score first. */
export function childrenOf(tree: SearchTree): number[][] {
  const children: number[][] = tree.nodes.map(() => []);
  for (const n of tree.nodes) if (n.parent >= 0) children[n.parent].push(n.id);
  for (const c of children) c.sort((a, b) => tree.nodes[b].cumulative - tree.nodes[a].cumulative || a - b);
  return children;
}

/** The node ids from the root to `nodeId`, root first. */
export function pathTo(tree: SearchTree, nodeId: number): number[] {
  const out: number[] = [];
  for (let n: SearchNode | undefined = tree.nodes[nodeId]; n; n = n.parent >= 0 ? tree.nodes[n.parent] : undefined) out.push(n.id);
  return out.reverse();
}

/** Token ids along the path to `nodeId` (root excluded): the prefix that forces this node. */
export function prefixTo(tree: SearchTree, nodeId: number): number[] {
  return pathTo(tree, nodeId)
    .slice(1)
    .map((id) => tree.nodes[id].token);
}

/**
 * Nodes shown without expanding anything: the ancestors of every hypothesis end (finished nodes,
 * and `ends`: the hypotheses' last nodes, which include unfinished ones at the length limit).
 */
export function liveNodes(tree: SearchTree, ends: readonly number[]): Set<number> {
  const live = new Set<number>();
  const mark = (id: number) => {
    for (let n: SearchNode | undefined = tree.nodes[id]; n && !live.has(n.id); n = n.parent >= 0 ? tree.nodes[n.parent] : undefined) live.add(n.id);
  };
  if (tree.nodes.length) live.add(0);
  for (const n of tree.nodes) if (n.status === 'finished') mark(n.id);
  for (const id of ends) mark(id);
  return live;
}

export interface LayoutArgs {
  /** The hypotheses' last nodes, best first (the first one's path is highlighted). */
  ends: readonly number[];
  /** Nodes whose folded children are shown. */
  expanded: ReadonlySet<number>;
}

export function layoutTree(tree: SearchTree, args: LayoutArgs): TreeLayout {
  const L = TREE_LAYOUT;
  const nodes: LaidNode[] = [];
  const stubs: LaidStub[] = [];
  const edges: LaidEdge[] = [];
  const index = new Map<number, number>();
  if (tree.nodes.length === 0) return { nodes, stubs, edges, width: 0, height: 0, index };
  const children = childrenOf(tree);
  const live = liveNodes(tree, args.ends);
  const best = new Set(args.ends.length ? pathTo(tree, args.ends[0]) : []);
  let nextRow = 0;
  const rowY = (row: number) => L.margin + row * L.row + L.nodeHeight / 2;
  const colX = (depth: number) => L.margin + depth * L.column;

  // Iterative post-order (a 100-step path would be fine recursively, but expanded trees need not be).
  type Frame = { id: number; shown: number[]; hidden: number[]; next: number; ys: number[] };
  const frame = (id: number): Frame => {
    const all = children[id];
    const open = args.expanded.has(id);
    const shown = open ? all : all.filter((c) => live.has(c));
    const hidden = open ? [] : all.filter((c) => !live.has(c));
    return { id, shown, hidden, next: 0, ys: [] };
  };
  const stack: Frame[] = [frame(0)];
  const placed = new Map<number, number>(); // id -> y
  let maxDepth = 0;
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.next < f.shown.length) {
      stack.push(frame(f.shown[f.next++]));
      continue;
    }
    stack.pop();
    const n = tree.nodes[f.id];
    const ys = f.shown.map((c) => placed.get(c) as number);
    let stubY: number | undefined;
    if (f.hidden.length) {
      stubY = rowY(nextRow++);
      ys.push(stubY);
    }
    const onBest = f.shown.find((c) => best.has(c));
    const y = onBest !== undefined ? (placed.get(onBest) as number) : ys.length ? ys[0] : rowY(nextRow++);
    placed.set(f.id, y);
    const x = colX(n.depth);
    index.set(f.id, nodes.length);
    nodes.push({ id: f.id, x, y, node: n, best: best.has(f.id), expandable: f.hidden.length > 0 || (args.expanded.has(f.id) && children[f.id].some((c) => !live.has(c))), expanded: args.expanded.has(f.id) });
    for (const c of f.shown) {
      const cn = tree.nodes[c];
      edges.push({ from: f.id, to: c, x1: x + L.nodeWidth, y1: y, x2: colX(cn.depth), y2: placed.get(c) as number, best: best.has(f.id) && best.has(c), status: cn.status });
    }
    maxDepth = Math.max(maxDepth, n.depth + (stubY !== undefined ? 1 : 0));
    if (stubY !== undefined) {
      stubs.push({ parent: f.id, x: colX(n.depth + 1), y: stubY, hidden: f.hidden });
      edges.push({ from: f.id, to: -1 - f.id, x1: x + L.nodeWidth, y1: y, x2: colX(n.depth + 1), y2: stubY, best: false, status: 'stub' });
    }
  }
  return { nodes, stubs, edges, width: colX(maxDepth) + L.nodeWidth + L.margin, height: L.margin * 2 + Math.max(1, nextRow) * L.row, index };
}

