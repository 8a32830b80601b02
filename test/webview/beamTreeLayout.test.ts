/** The beam tree shaped for display: what is shown and folded, rows and columns, the best path,
 * prefixes for forcing, zoom and pan maths, and a beam-16 x 100-step tree laid out quickly. */
import * as assert from 'node:assert/strict';
import type { SearchNode, SearchTree } from '../../protocol/beam';
import { childrenOf, layoutTree, liveNodes, pathTo, prefixTo, TREE_LAYOUT } from '../../webview/beamPanel/treeLayout';
import { detailLevel, fitView, panBy, zoomAt, ZOOM } from '../../webview/beamPanel/viewport';

const EOS = 2;

function node(id: number, parent: number, token: number, logProb: number, status: SearchNode['status'], nodes: SearchNode[]): SearchNode {
  const p = nodes[parent];
  const depth = p ? p.depth + 1 : 0;
  const cumulative = (p?.cumulative ?? 0) + logProb;
  return { id, parent, depth, token, label: token === EOS ? '<eos>' : `t${token}`, logProb, cumulative, normalized: cumulative, status };
}

/** Beam 2: root -> a (kept), b (kept), c (pruned); a -> a1 (kept), EOS (finished), a3 (pruned);
 * b -> b1 (kept), b2 (pruned); a1 -> EOS (finished); b1 -> b11 (pruned) [b1 survives to the end? no: dies]. */
function smallTree(): SearchTree {
  const nodes: SearchNode[] = [];
  const add = (parent: number, token: number, lp: number, status: SearchNode['status']) => {
    const n = node(nodes.length, parent, token, lp, status, nodes);
    nodes.push(n);
    return n.id;
  };
  add(-1, 1, 0, 'kept'); // 0 root
  const a = add(0, 10, -0.1, 'kept'); // 1
  const b = add(0, 11, -0.5, 'kept'); // 2
  add(0, 12, -2, 'pruned'); // 3
  const a1 = add(a, 13, -0.2, 'kept'); // 4
  add(a, EOS, -0.3, 'finished'); // 5
  add(a, 14, -3, 'pruned'); // 6
  const b1 = add(b, 15, -0.4, 'kept'); // 7
  add(b, 16, -4, 'pruned'); // 8
  add(a1, EOS, -0.05, 'finished'); // 9
  add(b1, 17, -5, 'pruned'); // 10
  return { beamSize: 2, alpha: 0, maxTokens: 5, nodes };
}

describe('beam tree layout', () => {
  it('orders children best first and walks paths and prefixes', () => {
    const t = smallTree();
    assert.deepEqual(childrenOf(t)[0], [1, 2, 3]);
    assert.deepEqual(childrenOf(t)[1], [4, 5, 6]);
    assert.deepEqual(pathTo(t, 9), [0, 1, 4, 9]);
    assert.deepEqual(prefixTo(t, 6), [10, 14]);
    assert.deepEqual(prefixTo(t, 0), []);
  });

  it('shows the paths to hypotheses and folds the rest into one stub per parent', () => {
    const t = smallTree();
    assert.deepEqual([...liveNodes(t, [9, 5])].sort((x, y) => x - y), [0, 1, 4, 5, 9]);
    const l = layoutTree(t, { ends: [9, 5], expanded: new Set() });
    assert.deepEqual(l.nodes.map((n) => n.id).sort((x, y) => x - y), [0, 1, 4, 5, 9]);
    // root hides b and c (b died: its subtree has no hypothesis), a hides its pruned candidate.
    assert.deepEqual(
      l.stubs.map((s) => [s.parent, s.hidden]).sort((x, y) => Number(x[0]) - Number(y[0])),
      [
        [0, [2, 3]],
        [1, [6]],
      ],
    );
    assert.ok(l.nodes.find((n) => n.id === 0)?.expandable);
    assert.ok(!l.nodes.find((n) => n.id === 9)?.expandable);
  });

  it('places nodes left to right by depth, a row per leaf or stub; the best path is one straight row', () => {
    const l = layoutTree(smallTree(), { ends: [9, 5], expanded: new Set() });
    const at = (id: number) => l.nodes[l.index.get(id) as number];
    for (const n of l.nodes) assert.equal(n.x, TREE_LAYOUT.margin + n.node.depth * TREE_LAYOUT.column);
    const rows = [...l.nodes.filter((n) => !l.edges.some((e) => e.from === n.id)).map((n) => n.y), ...l.stubs.map((s) => s.y)].sort((a, b) => a - b);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i] - rows[i - 1], TREE_LAYOUT.row, 'one row per leaf or stub');
    // a's children: a1 (best) above EOS above a's stub.
    assert.ok(at(4).y < at(5).y);
    assert.ok(at(5).y < l.stubs.find((s) => s.parent === 1)!.y);
    // The best path root -> a -> a1 -> EOS is level; a node off it sits level with its first child.
    assert.deepEqual([0, 1, 4, 9].map((id) => at(id).y), [at(9).y, at(9).y, at(9).y, at(9).y]);
    const expanded = layoutTree(smallTree(), { ends: [9, 5], expanded: new Set([0]) });
    const b = expanded.nodes[expanded.index.get(2) as number];
    assert.equal(b.y, expanded.stubs.find((s) => s.parent === 2)!.y, 'b (off the best path, children folded) sits level with its stub');
    assert.equal(l.height, TREE_LAYOUT.margin * 2 + rows.length * TREE_LAYOUT.row);
  });

  it('highlights the best path only, edges included', () => {
    const l = layoutTree(smallTree(), { ends: [9, 5], expanded: new Set() });
    assert.deepEqual(l.nodes.filter((n) => n.best).map((n) => n.id).sort((x, y) => x - y), [0, 1, 4, 9]);
    assert.deepEqual(l.edges.filter((e) => e.best).map((e) => [e.from, e.to]), [[4, 9], [1, 4], [0, 1]]);
  });

  it('expanding a node shows all its children; a dead kept child folds its own', () => {
    const l = layoutTree(smallTree(), { ends: [9, 5], expanded: new Set([0]) });
    const ids = new Set(l.nodes.map((n) => n.id));
    for (const id of [2, 3]) assert.ok(ids.has(id));
    assert.ok(!ids.has(7), 'b1 stays folded under b');
    assert.deepEqual(l.stubs.find((s) => s.parent === 2)?.hidden, [7, 8]);
    assert.ok(l.nodes.find((n) => n.id === 0)?.expanded);
    const deeper = layoutTree(smallTree(), { ends: [9, 5], expanded: new Set([0, 2, 7]) });
    assert.ok(deeper.nodes.some((n) => n.id === 10));
    assert.equal(new Set(deeper.nodes.map((n) => `${n.x},${n.y}`)).size, deeper.nodes.length, 'no two nodes overlap');
  });

  it('handles an empty tree and a root-only tree', () => {
    assert.equal(layoutTree({ beamSize: 1, alpha: 0, maxTokens: 1, nodes: [] }, { ends: [], expanded: new Set() }).nodes.length, 0);
    const root = layoutTree({ beamSize: 1, alpha: 0, maxTokens: 1, nodes: [node(0, -1, 1, 0, 'kept', [])] }, { ends: [0], expanded: new Set() });
    assert.equal(root.nodes.length, 1);
    assert.equal(root.stubs.length, 0);
  });

  it('beam 16 over 100 steps: ~25k nodes fold to a drawable few and lay out fast', () => {
    const t = simulatedBeam(16, 100, 42);
    assert.ok(t.nodes.length > 20_000, `${t.nodes.length} nodes`);
    const ends = t.nodes.filter((n) => n.status === 'kept' && n.depth === 100).map((n) => n.id);
    const t0 = performance.now();
    const l = layoutTree(t, { ends, expanded: new Set() });
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `layout took ${ms.toFixed(0)} ms`);
    assert.ok(l.nodes.length + l.stubs.length < 5000, `${l.nodes.length} nodes + ${l.stubs.length} stubs shown`);
    assert.ok(l.nodes.every((n) => Number.isFinite(n.y)));
    // every hidden node is reachable through exactly one stub or is below a hidden node
    const shown = new Set(l.nodes.map((n) => n.id));
    const hiddenTop = new Set(l.stubs.flatMap((s) => s.hidden));
    for (const n of t.nodes) if (!shown.has(n.id) && n.parent >= 0 && shown.has(n.parent)) assert.ok(hiddenTop.has(n.id));
  });
});

describe('beam tree zoom and pan', () => {
  it('zooms about the pointer: the tree point under it stays put', () => {
    const v = { scale: 1, x: 10, y: 20 };
    const z = zoomAt(v, 2, 100, 50);
    const tx = (100 - v.x) / v.scale;
    assert.equal(tx * z.scale + z.x, 100);
    assert.equal(zoomAt(v, 1000, 0, 0).scale, ZOOM.max);
    assert.equal(zoomAt(v, 1e-6, 0, 0).scale, ZOOM.min);
  });

  it('pans, fits and centres', () => {
    assert.deepEqual(panBy({ scale: 2, x: 1, y: 1 }, 5, -3), { scale: 2, x: 6, y: -2 });
    const f = fitView(2000, 1000, 500, 500);
    assert.equal(f.scale, 0.25);
    assert.equal(fitView(100, 100, 500, 500).scale, 1, 'never enlarged');
    assert.deepEqual(fitView(0, 0, 10, 10), { scale: 1, x: 0, y: 0 });
    assert.equal(detailLevel(1), 'full');
    assert.equal(detailLevel(0.5), 'label');
    assert.equal(detailLevel(0.2), 'shape');
  });
});

/** A beam search over random log-probabilities (seeded), with the same bookkeeping as the engine's. */
function simulatedBeam(K: number, steps: number, seed: number): SearchTree {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nodes: SearchNode[] = [node(0, -1, 1, 0, 'kept', [])];
  let alive = [0];
  for (let step = 1; step <= steps && alive.length; step++) {
    const cands: SearchNode[] = [];
    for (const p of alive) for (let k = 0; k < K; k++) {
      const n = node(nodes.length, p, 3 + Math.floor(rand() * 40), Math.log(rand() * 0.9 + 0.05), 'pruned', nodes);
      nodes.push(n);
      cands.push(n);
    }
    cands.sort((a, b) => b.cumulative - a.cumulative);
    alive = [];
    cands.forEach((c, rank) => {
      if (rank < K) {
        c.status = 'kept';
        alive.push(c.id);
      }
    });
  }
  return { beamSize: K, alpha: 0, maxTokens: steps, nodes };
}
