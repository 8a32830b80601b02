/**
 * The beam tree drawn as SVG built with DOM APIs (text only through textContent). Each node is an
 * element, so clicks, hovers, keyboard focus and tests address nodes directly. Zoom and pan change
 * one transform (no redraw); labels thin out when zoomed far out.
 *
 * Styles tell kept, pruned and finished apart by shape and line style as well as by colour, so
 * they read in high-contrast themes: kept = square box, finished = rounded box with a double
 * outline, pruned = dashed box, forced = dotted box; the best path = thick lines.
 */
import type { SearchNode, SearchTree } from '../../protocol/beam';
import { layoutTree, TREE_LAYOUT, type TreeLayout } from './treeLayout';
import { clampScale, detailLevel, fitView, panBy, zoomAt, ZOOM, type View } from './viewport';

const SVG = 'http://www.w3.org/2000/svg';
/** Pointer travel (px) under which a press counts as a click, not a pan. */
const CLICK_SLOP = 4;
/** The smallest scale a tree opens at: labels stay readable. */
const READABLE_SCALE = 0.8;
/** Quiet time (ms) after zooming or panning before the tree is redrawn sharp. */
const SETTLE_MS = 200;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : x < 0 ? '−∞' : 'NaN';
  return x.toFixed(2).replace('-', '−');
}

export function nodeSummary(n: SearchNode): string {
  return `${JSON.stringify(n.label)} (${n.status}${n.forced ? ', forced' : ''}) · log p ${fmt(n.logProb)} · cumulative ${fmt(n.cumulative)} · normalised ${fmt(n.normalized)}`;
}

export interface TreeViewOptions {
  tree: SearchTree;
  /** Hypotheses' last nodes, best first. */
  ends: number[];
  expanded: Set<number>;
  view?: View;
  selected?: number;
  onSelect(node: number): void;
  /** A stub was clicked: show the folded children of `parent`. */
  onExpand(parent: number): void;
  onView(view: View): void;
}

export interface TreeView {
  element: HTMLElement;
  layout: TreeLayout;
  setSelected(node: number | undefined): void;
  zoom(factor: number): void;
  fit(): void;
}

/** Builds the tree drawing in a fixed-height viewport; `element` goes into the page. */
export function createTreeView(o: TreeViewOptions, label: string): TreeView {
  const layout = layoutTree(o.tree, { ends: o.ends, expanded: o.expanded });
  const L = TREE_LAYOUT;
  // The SVG is the tree's own size; zoom and pan are a CSS transform on it, which the compositor
  // applies without repainting the nodes.
  const root = svg('svg', { class: 'beam-tree', role: 'group', 'aria-label': label, 'data-testid': 'beam-tree', width: Math.max(1, layout.width), height: Math.max(1, layout.height) });
  const content = svg('g');
  root.append(content);

  const edges = svg('g', { class: 'edges' });
  for (const e of layout.edges) {
    const mid = (e.x1 + e.x2) / 2;
    edges.append(svg('path', { d: `M${e.x1},${e.y1} C${mid},${e.y1} ${mid},${e.y2} ${e.x2},${e.y2}`, class: `edge ${e.status}${e.best ? ' best' : ''}` }));
  }
  // Best-path edges last, so they are drawn on top.
  for (const p of Array.from(edges.querySelectorAll('path.best'))) edges.append(p);
  content.append(edges);

  const nodeEls = new Map<number, SVGGElement>();
  const nodes = svg('g', { class: 'nodes' });
  for (const p of layout.nodes) {
    const n = p.node;
    const cls = ['node', n.status, n.parent === -1 ? 'root' : '', n.forced ? 'forced' : '', p.best ? 'best' : ''].filter(Boolean).join(' ');
    const g = svg('g', {
      class: cls,
      transform: `translate(${p.x},${p.y - L.nodeHeight / 2})`,
      'data-testid': 'beam-node',
      'data-node': n.id,
      'data-status': n.status,
      'data-best': String(p.best),
      'data-depth': n.depth,
      tabindex: 0,
      role: 'button',
      'aria-label': `step ${n.depth}: ${nodeSummary(n)}${p.best ? ', on the best path' : ''}`,
    });
    const rx = n.status === 'finished' ? L.nodeHeight / 2 : 2;
    if (n.status === 'finished') g.append(svg('rect', { class: 'outer', x: -3, y: -3, width: L.nodeWidth + 6, height: L.nodeHeight + 6, rx: rx + 3 }));
    g.append(svg('rect', { class: 'box', width: L.nodeWidth, height: L.nodeHeight, rx }));
    g.append(svg('title', {}, `step ${n.depth}${n.rank !== undefined ? `, rank ${n.rank + 1}` : ''}: ${nodeSummary(n)}`));
    g.append(svg('text', { class: 'token', x: 8, y: 13 }, n.label.length > 14 ? `${n.label.slice(0, 13)}…` : n.label));
    if (n.parent !== -1) g.append(svg('text', { class: 'scores', x: 8, y: 26 }, `${fmt(n.logProb)}  Σ${fmt(n.cumulative)}  ‖${fmt(n.normalized)}`));
    if (p.expanded) g.append(svg('text', { class: 'marker', x: L.nodeWidth - 12, y: 13 }, '−'));
    nodes.append(g);
    nodeEls.set(n.id, g);
  }
  for (const s of layout.stubs) {
    const bestHidden = o.tree.nodes[s.hidden[0]];
    const g = svg('g', {
      class: 'stub',
      transform: `translate(${s.x},${s.y - L.nodeHeight / 2})`,
      'data-testid': 'beam-stub',
      'data-parent': s.parent,
      tabindex: 0,
      role: 'button',
      'aria-label': `${s.hidden.length} folded branches after step ${o.tree.nodes[s.parent].depth}; show them`,
    });
    g.append(svg('rect', { class: 'box', width: L.nodeWidth, height: L.nodeHeight, rx: 2 }));
    g.append(svg('title', {}, `${s.hidden.length} folded: pruned candidates and beams that reached no hypothesis. Best: ${nodeSummary(bestHidden)}. Click to show.`));
    g.append(svg('text', { class: 'token', x: 8, y: 13 }, `+${s.hidden.length} folded`));
    g.append(svg('text', { class: 'scores', x: 8, y: 26 }, `best ${JSON.stringify(bestHidden.label).slice(0, 10)} ${fmt(bestHidden.cumulative)}`));
    nodes.append(g);
  }
  content.append(nodes);

  const viewport = document.createElement('div');
  viewport.className = 'tree-viewport';
  viewport.append(root);
  let view: View = o.view ?? { scale: 1, x: 0, y: 0 };
  let fitted = o.view !== undefined;
  let settleTimer: number | undefined;
  const apply = () => {
    root.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    // A layer of its own while the view moves (no repaint per frame); dropped once it settles, so
    // the labels are drawn sharp again at the new scale.
    root.style.willChange = 'transform';
    window.clearTimeout(settleTimer);
    settleTimer = window.setTimeout(() => (root.style.willChange = 'auto'), SETTLE_MS);
    // Only a change of detail restyles the labels; plain zoom and pan move one transform.
    const detail = detailLevel(view.scale);
    if (root.dataset.detail !== detail) root.dataset.detail = detail;
  };
  const setView = (v: View) => {
    view = v;
    apply();
    o.onView(view);
  };
  const size = () => ({ w: viewport.clientWidth || 600, h: viewport.clientHeight || 400 });
  const fit = () => setView(fitView(layout.width, layout.height, size().w, size().h));
  /** Small trees fit; large ones start readable, at the root, with the best path in view. */
  const initial = () => {
    const { w, h } = size();
    const f = fitView(layout.width, layout.height, w, h);
    // The best path is one straight row (see treeLayout.ts): put it a third of the way down.
    const rootY = layout.nodes.length ? layout.nodes[layout.index.get(0) as number].y : 0;
    setView(f.scale >= READABLE_SCALE ? f : { scale: READABLE_SCALE, x: 0, y: h / 3 - rootY * READABLE_SCALE });
  };
  apply();
  // The first view needs the viewport's size, known once it is in the page.
  if (!fitted) {
    requestAnimationFrame(() => {
      if (!fitted) initial();
      fitted = true;
    });
  }

  viewport.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = viewport.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey || !e.shiftKey) setView(zoomAt(view, Math.pow(ZOOM.step, -Math.sign(e.deltaY)), e.clientX - r.left, e.clientY - r.top));
      else setView(panBy(view, -e.deltaY, 0));
    },
    { passive: false },
  );
  let drag: { x: number; y: number; moved: boolean; start: View } | undefined;
  viewport.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, moved: false, start: view };
  });
  viewport.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
    if (!drag.moved) viewport.setPointerCapture(e.pointerId);
    drag.moved = true;
    viewport.classList.add('panning');
    setView(panBy(drag.start, dx, dy));
  });
  const endDrag = (e: PointerEvent) => {
    const moved = drag?.moved ?? false;
    drag = undefined;
    viewport.classList.remove('panning');
    if (viewport.hasPointerCapture(e.pointerId)) viewport.releasePointerCapture(e.pointerId);
    return moved;
  };
  viewport.addEventListener('pointerup', (e) => {
    if (endDrag(e)) return;
    activate(e.target);
  });
  viewport.addEventListener('pointercancel', endDrag);
  viewport.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(e.target);
    } else if (e.key === '+' || e.key === '=') setView(zoomAt(view, ZOOM.step, viewport.clientWidth / 2, viewport.clientHeight / 2));
    else if (e.key === '-') setView(zoomAt(view, 1 / ZOOM.step, viewport.clientWidth / 2, viewport.clientHeight / 2));
  });
  function activate(target: EventTarget | null): void {
    const g = (target as Element | null)?.closest?.('g.node, g.stub');
    if (!g) return;
    if (g.classList.contains('stub')) o.onExpand(Number(g.getAttribute('data-parent')));
    else o.onSelect(Number(g.getAttribute('data-node')));
  }

  const setSelected = (id: number | undefined) => {
    for (const el of nodeEls.values()) el.classList.remove('selected');
    if (id !== undefined) nodeEls.get(id)?.classList.add('selected');
  };
  setSelected(o.selected);
  return {
    element: viewport,
    layout,
    setSelected,
    zoom: (factor) => setView(zoomAt(view, clampScale(view.scale * factor) / view.scale, viewport.clientWidth / 2, viewport.clientHeight / 2)),
    fit,
  };
}
