/**
 * The beam-tree panel's page. The host sends a decode ('show'); this page draws its search tree
 * (treeView.ts) beside the n-best list, fetches the attention behind a clicked node and draws it in
 * the attention panel's matrix style, and steers: beam size, alpha and length re-decode at once, a
 * node's alternatives can be forced as a prefix, and one decode can be pinned to compare.
 */
import type { HeadSelector } from '../../protocol/attention';
import { z } from 'zod';
import { BEAM_DEFAULTS, BEAM_LIMITS, BeamSettings, type BeamDecodeResult, type NodeAttention } from '../../protocol/beam';
import { BeamSubject, beamPanelSide, hostBeamSide } from '../../protocol/beamPanel';
import { RpcEndpoint, RpcError } from '../../protocol/rpc';
import { headMatrix } from '../common/attentionMath';
import { scaleMax } from '../common/colormap';
import { cellAt, drawMatrix, matrixGeometry } from '../common/matrixView';
import { el } from '../common/dom';
import { registerToolkit } from '../common/toolkit';
import { hostTransport, panelState } from '../common/vscodeApi';
import { childrenOf, prefixTo } from './treeLayout';
import { createTreeView, fmt, nodeSummary, type TreeView } from './treeView';
import type { View } from './viewport';
import { button } from '../common/controls';

registerToolkit();

const State = z.object({
  subject: BeamSubject.optional(),
  layer: z.number().int().nonnegative().optional(),
  head: z.union([z.number().int().nonnegative(), z.literal('mean'), z.literal('max')]),
});
const state = panelState(State, { head: 'mean' });

const rpc = new RpcEndpoint(hostTransport(), beamPanelSide, hostBeamSide);
const app = document.getElementById('app') as HTMLElement;

/** One decode on screen, with its own fold state, view and selection. */
interface Shown {
  result: BeamDecodeResult;
  expanded: Set<number>;
  view?: View;
  selected?: number;
  tree?: TreeView;
}

let current: Shown | undefined;
let pinned: Shown | undefined;
/** Which decode the details pane is about. */
let focus: 'current' | 'pinned' = 'current';
let attention: { decodeId: number; data: NodeAttention } | undefined;
let attentionRequest: AbortController | undefined;
let decodeRequest: AbortController | undefined;
let status: { state: 'loading' | 'error' | 'idle'; message: string } = { state: 'idle', message: 'Select text in an editor and run "Attention Debugger: Decode with Beam Search".' };
/** When the latest decode was asked for; the tree drawn after it records the delay (benchmarks read it). */
let requestedAt: number | undefined;

function shownOf(which: 'current' | 'pinned'): Shown | undefined {
  return which === 'current' ? current : pinned;
}

// ---------------------------------------------------------------------------------------------
// Steering

async function redecode(settings: BeamSettings, prefix?: number[]): Promise<void> {
  decodeRequest?.abort();
  const controller = (decodeRequest = new AbortController());
  requestedAt = performance.now();
  setStatus({ state: 'loading', message: prefix?.length ? `Decoding from a forced prefix of ${prefix.length} token(s)…` : `Decoding with beam ${settings.beamSize}, alpha ${settings.alpha}…` });
  try {
    const result = await rpc.request('beam.redecode', { ...settings, prefix }, { signal: controller.signal });
    if (controller !== decodeRequest) return; // a newer request won
    const subject = state.get().subject;
    if (subject) state.update({ subject: { ...subject, settings: { beamSize: settings.beamSize, alpha: settings.alpha, maxTokens: settings.maxTokens } } });
    showResult(result);
  } catch (err) {
    const e = RpcError.from(err);
    if (e.code === 'cancelled' || controller !== decodeRequest) return;
    setStatus({ state: 'error', message: e.message });
  }
}

function currentSettings(): BeamSettings | undefined {
  if (!current) return undefined;
  const s = current.result.settings;
  return { beamSize: s.beamSize, alpha: s.alpha, maxTokens: state.get().subject?.settings.maxTokens ?? s.maxTokens };
}

function force(from: Shown, node: number): void {
  const settings = currentSettings();
  if (!settings) return;
  // For the LM the prompt opens every path; the prefix is what follows it.
  const prefix = prefixTo(from.result.tree, node).slice(from.result.promptLength);
  void redecode(settings, prefix);
}

// ---------------------------------------------------------------------------------------------
// Drawing

const SETTINGS: { key: 'beamSize' | 'alpha' | 'maxTokens'; testId: string; label: string; step: number }[] = [
  { key: 'beamSize', testId: 'beam-size', label: 'Beam size', step: 1 },
  { key: 'alpha', testId: 'alpha', label: 'Length penalty α', step: 0.1 },
  { key: 'maxTokens', testId: 'max-tokens', label: 'Max tokens', step: 1 },
];

/**
 * The settings inputs live as long as the page. A redraw (a decode landing, pin or unpin) updates
 * them in place and never replaces one, so what the user is typing, the caret and the focus stay:
 * a replaced input lost its caret, and a key pressed just then landed before the old value ("3"
 * typed over "4" became "34"). An input whose value differs from the one last drawn (its
 * defaultValue) holds an edit that is not decoded yet, which a redraw keeps.
 */
const settingsForm = (() => {
  const inputs = SETTINGS.map(({ key, testId, label, step }) => {
    const limits = BEAM_LIMITS[key];
    const input = el('input', { type: 'number', class: 'num', 'data-testid': testId, 'aria-label': label, min: String(limits.min), max: String(limits.max), step: String(step), value: String(BEAM_DEFAULTS[key]) }) as HTMLInputElement;
    return { key, input, label: el('label', { class: 'control' }, el('span', { class: 'muted' }, label), input) };
  });
  const element = el('div', { class: 'row', 'data-testid': 'beam-controls' }, ...inputs.map((i) => i.label));
  const read = (): BeamSettings | string => {
    const parsed = BeamSettings.safeParse(Object.fromEntries(inputs.map(({ key, input }) => [key, Number(input.value)])));
    return parsed.success ? parsed.data : parsed.error.issues.map((i) => i.message).join('; ');
  };
  element.addEventListener('change', () => {
    const settings = read();
    if (typeof settings === 'string') {
      // The user is still editing: a decode under way with older settings is no longer wanted.
      decodeRequest?.abort();
      decodeRequest = undefined;
      setStatus({ state: 'error', message: settings });
    } else void redecode(settings, current?.result.prefix.length ? current.result.prefix : undefined);
  });
  return {
    element,
    /** Draws `settings`; `keepEdits: false` (a new decode from the host) replaces undecoded edits too. */
    show(settings: BeamSettings, keepEdits: boolean): void {
      for (const { key, input } of inputs) {
        const value = String(settings[key]);
        const edited = input.value !== input.defaultValue;
        if (input.defaultValue !== value) input.defaultValue = value;
        if ((!keepEdits || !edited) && input.value !== value) input.value = value;
      }
    },
  };
})();

function actions(): HTMLElement[] {
  const buttons: HTMLElement[] = [];
  if (current?.result.prefix.length) buttons.push(button('clear-prefix', 'Clear forced prefix', () => { const st = currentSettings(); if (st) void redecode(st); }));
  buttons.push(
    pinned
      ? button('unpin', 'Close comparison', () => {
          pinned = undefined;
          if (focus === 'pinned') focus = 'current';
          render();
        })
      : button('pin', 'Keep for comparison', () => {
          if (!current) return;
          pinned = { result: current.result, expanded: new Set(current.expanded), selected: current.selected };
          render();
        }, 'secondary', 'Keep this decode on the left, and compare it with the next one'),
  );
  return buttons;
}

function legend(): HTMLElement {
  const item = (cls: string, text: string) => el('span', { class: `legend-item ${cls}` }, el('span', { class: 'swatch', 'aria-hidden': 'true' }), text);
  return el(
    'div',
    { class: 'row legend muted', 'aria-label': 'legend' },
    item('kept', 'kept (square)'),
    item('finished', 'finished with <eos> (rounded, double)'),
    item('pruned', 'pruned (dashed)'),
    item('forced', 'forced (dotted)'),
    item('best', 'best path (thick)'),
    el('span', {}, 'Numbers: log p, Σ cumulative, ‖ length-normalised. Wheel: zoom · drag: pan.'),
  );
}

function nBestList(which: 'current' | 'pinned', shown: Shown): HTMLElement {
  const { hypotheses } = shown.result;
  const items = hypotheses.map((h, i) => {
    const li = el(
      'li',
      { 'data-testid': `hypothesis-${i}`, class: `${i === 0 ? 'winner ' : ''}${h.nodeId === shown.selected ? 'selected' : ''}`, tabindex: '0', role: 'button', 'aria-label': `hypothesis ${i + 1}: ${h.text}` },
      el('code', { class: 'hyp-text' }, h.text === '' ? '(empty)' : h.text),
      el('span', { class: 'muted' }, ` ‖${fmt(h.normalized)} Σ${fmt(h.cumulative)}${h.finished ? '' : ' · unfinished (length limit)'}`),
    );
    const pick = () => select(which, h.nodeId);
    li.addEventListener('click', pick);
    li.addEventListener('keydown', (e) => e.key === 'Enter' && pick());
    return li;
  });
  return el('section', { class: 'nbest' }, el('h3', {}, `${hypotheses.length}-best`), el('ol', { 'data-testid': `nbest-${which}` }, ...items));
}

function decodeTitle(shown: Shown): HTMLElement {
  const r = shown.result;
  const s = r.settings;
  const prefixText = r.prefix.length ? ` · forced prefix ${JSON.stringify(r.prefix.map((t) => r.tree.nodes.find((n) => n.forced && n.token === t)?.label ?? String(t)).join(''))}` : '';
  return el('p', { class: 'muted', 'data-testid': 'decode-title' }, `beam ${s.beamSize} · α ${s.alpha} · max ${s.maxTokens} · ${r.tree.nodes.length} nodes · ${r.elapsedMs.toFixed(0)} ms${prefixText}`);
}

function decodeColumn(which: 'current' | 'pinned', shown: Shown): HTMLElement {
  const r = shown.result;
  const rebuild = () => {
    const old = shown.tree?.element;
    const tv = buildTree(which, shown);
    old?.replaceWith(tv.element);
  };
  const buildTree = (w: typeof which, s: Shown): TreeView => {
    const tv = createTreeView(
      {
        tree: s.result.tree,
        ends: s.result.hypotheses.map((h) => h.nodeId),
        expanded: s.expanded,
        view: s.view,
        selected: s.selected,
        onSelect: (node) => select(w, node),
        onExpand: (parent) => {
          s.expanded.add(parent);
          rebuild();
        },
        onView: (v) => (s.view = v),
      },
      `${w === 'pinned' ? 'pinned ' : ''}beam search tree, beam ${s.result.settings.beamSize}`,
    );
    s.tree = tv;
    return tv;
  };
  const tv = buildTree(which, shown);
  const zoomBar = el(
    'div',
    { class: 'row' },
    button(`zoom-in-${which}`, '+', () => shown.tree?.zoom(1.25), 'secondary', 'Zoom in'),
    button(`zoom-out-${which}`, '−', () => shown.tree?.zoom(0.8), 'secondary', 'Zoom out'),
    button(`fit-${which}`, 'Fit', () => shown.tree?.fit(), 'secondary', 'Fit the tree in view'),
    button(`fold-${which}`, 'Fold all', () => {
      shown.expanded.clear();
      rebuild();
    }, 'secondary', 'Fold every branch that reaches no hypothesis'),
  );
  const best = r.hypotheses[0];
  return el(
    'section',
    { class: `decode ${which}`, 'data-testid': `decode-${which}` },
    el('h2', {}, which === 'pinned' ? 'Kept for comparison' : 'Current', ': ', el('code', { 'data-testid': `best-${which}` }, best ? best.text : '(no hypothesis)')),
    decodeTitle(shown),
    zoomBar,
    el('div', { class: 'decode-body' }, tv.element, nBestList(which, shown)),
  );
}

function select(which: 'current' | 'pinned', node: number): void {
  const shown = shownOf(which);
  if (!shown) return;
  focus = which;
  shown.selected = node;
  current?.tree?.setSelected(which === 'current' ? node : undefined);
  pinned?.tree?.setSelected(which === 'pinned' ? node : undefined);
  renderDetails();
  void loadAttention(shown, node);
}

async function loadAttention(shown: Shown, node: number): Promise<void> {
  attentionRequest?.abort();
  const controller = (attentionRequest = new AbortController());
  attention = undefined;
  if (shown.result.tree.nodes[node]?.parent === -1) {
    renderDetails();
    return;
  }
  try {
    const data = await rpc.request('beam.nodeAttention', { decodeId: shown.result.decodeId, node }, { signal: controller.signal });
    if (controller !== attentionRequest) return;
    attention = { decodeId: shown.result.decodeId, data };
    renderDetails();
  } catch (err) {
    const e = RpcError.from(err);
    if (e.code === 'cancelled' || controller !== attentionRequest) return;
    setStatus({ state: 'error', message: e.message });
  }
}

function alternatives(shown: Shown, nodeId: number): HTMLElement {
  const tree = shown.result.tree;
  const n = tree.nodes[nodeId];
  if (n.parent === -1) return el('p', { class: 'muted' }, 'The root (<bos>): pick a token node to see its alternatives.');
  const siblings = childrenOf(tree)[n.parent];
  const rows = siblings.map((id) => {
    const s = tree.nodes[id];
    const eos = s.label === '<eos>';
    const b = el('button', { class: `link alt ${s.status}`, 'data-testid': `force-${id}`, 'data-token': s.label, title: eos ? 'An <eos> ends the output; it cannot be forced' : `Force this token here and decode on from it` }, s.label);
    if (eos) b.setAttribute('disabled', '');
    else b.addEventListener('click', () => force(shown, id));
    return el('li', { class: id === nodeId ? 'selected' : '' }, b, el('span', { class: 'muted' }, ` ${s.status} · log p ${fmt(s.logProb)} · Σ ${fmt(s.cumulative)}`));
  });
  return el('div', {}, el('h3', {}, `Alternatives at step ${n.depth} (click one to force it and decode on)`), el('ol', { class: 'alternatives', 'data-testid': 'alternatives' }, ...rows));
}

function matrixBlock(title: string, testId: string, data: { shape: number[]; data: Float32Array | Int32Array }, queryLabels: string[], keyLabels: string[], width: number): HTMLElement {
  const [L, H, Q, K] = data.shape;
  const s = state.get();
  const layer = Math.min(s.layer ?? L - 1, L - 1);
  const head: HeadSelector = typeof s.head === 'number' ? Math.min(s.head, H - 1) : s.head;
  const page = (data.data as Float32Array).subarray(layer * H * Q * K, (layer + 1) * H * Q * K);
  const matrix = headMatrix(page, [H, Q, K], head);
  const g = matrixGeometry(Q, K, width, queryLabels, keyLabels);
  const canvas = el('canvas', { 'data-testid': testId, role: 'img', 'aria-label': `${title}, layer ${layer}, ${typeof head === 'number' ? `head ${head}` : `${head} of heads`}` });
  const tip = el('div', { class: 'tip muted' }, 'The last row is the step that chose this node.');
  drawMatrix(canvas, matrix, g, queryLabels, keyLabels, scaleMax(matrix, false), { query: Q - 1 });
  canvas.addEventListener('mousemove', (e) => {
    const c = cellAt(g, e.offsetX, e.offsetY);
    tip.textContent = c ? `${queryLabels[c.query]} → ${keyLabels[c.key]}: ${matrix[c.query * K + c.key].toFixed(4)}` : '';
  });
  return el('figure', { class: 'matrix' }, el('figcaption', {}, title), el('div', { class: 'scroll' }, canvas), tip);
}

function attentionControls(a: NodeAttention): HTMLElement {
  // Every map of a node has the same layers and heads (an RNN seq2seq: its alignment alone, 1 x 1).
  const [L, H] = (a.decoderSelf ?? a.cross)?.shape ?? [1, 1];
  const s = state.get();
  const layer = el('vscode-dropdown', { 'data-testid': 'attn-layer', 'aria-label': 'Layer' }, ...Array.from({ length: L }, (_, l) => el('vscode-option', { value: String(l), ...((s.layer ?? L - 1) === l ? { selected: '' } : {}) }, `layer ${l}`)));
  layer.addEventListener('change', (e) => {
    state.update({ layer: Number((e.target as HTMLSelectElement).value) });
    renderDetails();
  });
  const heads: [string, string][] = [['mean', 'mean of heads'], ['max', 'max of heads'], ...Array.from({ length: H }, (_, h): [string, string] => [String(h), `head ${h}`])];
  const head = el('vscode-dropdown', { 'data-testid': 'attn-head', 'aria-label': 'Head' }, ...heads.map(([v, t]) => el('vscode-option', { value: v, ...(String(s.head) === v ? { selected: '' } : {}) }, t)));
  head.addEventListener('change', (e) => {
    const v = (e.target as HTMLSelectElement).value;
    state.update({ head: v === 'mean' || v === 'max' ? v : Number(v) });
    renderDetails();
  });
  return el('div', { class: 'row' }, el('label', { class: 'control' }, el('span', { class: 'muted' }, 'Layer'), layer), el('label', { class: 'control' }, el('span', { class: 'muted' }, 'Head'), head));
}

function renderDetails(): void {
  const box = app.querySelector('[data-testid="node-details"]');
  if (box) box.replaceWith(details());
}

function details(): HTMLElement {
  const shown = shownOf(focus);
  const id = shown?.selected;
  if (!shown || id === undefined || !shown.result.tree.nodes[id]) {
    return el('section', { 'data-testid': 'node-details', class: 'details muted' }, 'Click a node to see its scores, the attention of the step that chose it, and its alternatives.');
  }
  const n = shown.result.tree.nodes[id];
  const path = prefixTo(shown.result.tree, id).length;
  const parts: HTMLElement[] = [
    el('h3', {}, `Step ${n.depth}: `, el('code', { 'data-testid': 'selected-token' }, n.label), focus === 'pinned' ? ' (kept decode)' : ''),
    el('p', { 'data-testid': 'selected-summary' }, nodeSummary(n), n.rank !== undefined ? ` · rank ${n.rank + 1} of its step` : '', ` · path of ${path} token(s)`),
    alternatives(shown, id),
  ];
  const a = attention?.decodeId === shown.result.decodeId && attention.data.node === id ? attention.data : undefined;
  if (a) {
    const width = Math.max(240, Math.min(520, (app.clientWidth || 900) / 2 - 40));
    const queryLabels = a.queryLabels.map((q, i) => (i === a.queryLabels.length - 1 ? `${q} → ${a.predicted}` : q));
    const maps: HTMLElement[] = [];
    if (a.cross) maps.push(matrixBlock(a.decoderSelf ? 'Cross-attention over the source' : 'Alignment over the source', 'cross-canvas', a.cross, queryLabels, a.sourceLabels, width));
    if (a.decoderSelf) maps.push(matrixBlock('Decoder self-attention', 'self-canvas', a.decoderSelf, queryLabels, a.queryLabels, width));
    else maps.push(el('p', { class: 'muted', 'data-testid': 'no-decoder-self' }, 'This decoder is recurrent: it has no self-attention, only its alignment over the source.'));
    parts.push(el('div', { 'data-testid': 'node-attention', 'data-node': String(id) }, attentionControls(a), el('div', { class: 'matrices' }, ...maps)));
  } else if (n.parent !== -1) {
    parts.push(el('div', { class: 'row muted' }, el('vscode-progress-ring', {}), 'Loading attention…'));
  }
  return el('section', { 'data-testid': 'node-details', class: 'details' }, ...parts);
}

function setStatus(s: typeof status): void {
  status = s;
  const node = app.querySelector('[data-testid="status"]');
  if (node) node.replaceWith(statusNode());
  else render();
}

function statusNode(): HTMLElement {
  if (status.state === 'idle') return el('div', { 'data-testid': 'status', class: 'muted' }, status.message);
  if (status.state === 'loading') return el('div', { 'data-testid': 'status', class: 'row' }, el('vscode-progress-ring', {}), status.message);
  return el('div', { 'data-testid': 'status', class: 'error', role: 'alert' }, status.message);
}

function summary(r: BeamDecodeResult): HTMLElement {
  const notes: HTMLElement[] = [];
  if (r.source.unknown.length) notes.push(el('p', { class: 'warning' }, `The model does not know ${r.source.unknown.map((i) => JSON.stringify(r.source.labels[i])).join(', ')}: read as <unk>.`));
  return el('div', {}, el('p', {}, el('strong', {}, r.model.label), ` · ${r.model.input === 'text' ? 'lm' : 'seq2seq'} · `, el('code', { 'data-testid': 'input-text' }, r.source.text)), ...notes);
}

/** The parts a redraw refills; mounted with the settings form when the first decode is shown. */
const parts = { summary: el('div'), actions: el('div', { class: 'row' }), decodes: el('div', { class: 'decodes' }) };

/**
 * Draws the page again. A decode can land while the user is changing a setting (the previous
 * change's decode): the settings form is updated in place, keeping what they typed (see
 * settingsForm). `keepEdits: false` when the host shows a new decode, whose settings replace the
 * inputs'.
 */
function render(keepEdits = true): void {
  if (!current) {
    app.replaceChildren(statusNode());
    return;
  }
  if (!app.contains(settingsForm.element)) {
    app.replaceChildren(parts.summary, el('div', { class: 'toolbar' }, settingsForm.element, parts.actions), statusNode(), legend(), parts.decodes, details());
  }
  const settings = currentSettings();
  if (settings) settingsForm.show(settings, keepEdits);
  parts.summary.replaceChildren(summary(current.result));
  parts.actions.replaceChildren(...actions());
  parts.decodes.className = `decodes${pinned ? ' two' : ''}`;
  parts.decodes.replaceChildren(...[pinned ? decodeColumn('pinned', pinned) : undefined, decodeColumn('current', current)].filter((c): c is HTMLElement => c !== undefined));
  app.querySelector('[data-testid="status"]')?.replaceWith(statusNode());
  renderDetails();
  if (requestedAt !== undefined) {
    // Measured once the browser has laid the tree out (the next frame).
    const at = requestedAt;
    requestedAt = undefined;
    requestAnimationFrame(() => {
      const tree = current?.tree?.element;
      if (tree) tree.dataset.requestToDrawnMs = (performance.now() - at).toFixed(1);
      app.dataset.drawnAt = String(Date.now());
    });
  }
}

function showResult(result: BeamDecodeResult, keepEdits = true): void {
  current = { result, expanded: new Set(), selected: result.hypotheses[0]?.nodeId };
  if (focus === 'current') attention = undefined;
  status = { state: 'idle', message: '' };
  render(keepEdits);
  if (focus === 'current' && current.selected !== undefined) void loadAttention(current, current.selected);
}

rpc.on('show', ({ subject, result }) => {
  decodeRequest?.abort();
  state.update({ subject });
  focus = 'current';
  showResult(result, false);
});
rpc.on('status', (s) => setStatus(s));

render();
rpc.notify('ready', {});
