/**
 * The attention panel's page. The host sends a capture's description ('show'); this page pulls the
 * numbers it draws (one layer, or thumbnails for the model view), caches them per capture, and
 * draws on canvas. Control changes that need no new numbers (head toggles, hover) only redraw.
 */
import { z } from 'zod';
import { AttentionKind, HeadRef, type CaptureResult, type HeadSelector, type MapInfo } from '../../protocol/attention';
import { attentionSpec, type InputKind } from '../../protocol/models';
import { AttentionSubject, attentionPanelSide, hostAttentionSide } from '../../protocol/attentionPanel';
import { RpcEndpoint, RpcError } from '../../protocol/rpc';
import type { TensorPayload } from '../../protocol/tensor';
import { el } from '../common/dom';
import { registerToolkit } from '../common/toolkit';
import { hostTransport, panelState } from '../common/vscodeApi';
import { headMatrix, thumbnailAt } from '../common/attentionMath';
import { prepareCanvas } from '../common/canvas';
import { headColor, rgbCss, scaleMax, viridis } from '../common/colormap';
import { drawHeadView, linksPerHead, tokenAt } from './headView';
import { click, focused, hover, type HoverState } from './hoverState';
import { cellAt, drawMatrix, matrixGeometry } from '../common/matrixView';
import { queryKeyView } from './queryKeyView';
import { button, dropdown } from '../common/controls';

registerToolkit();

const View = z.enum(['head', 'matrix', 'model']);
type View = z.infer<typeof View>;
const Head = z.union([z.number().int().nonnegative(), z.literal('mean'), z.literal('max')]);
const State = z.object({
  subject: AttentionSubject.optional(),
  view: View,
  kind: AttentionKind.optional(),
  layer: z.number().int().nonnegative(),
  head: Head,
  /** Head view: heads drawn; absent = all. */
  enabledHeads: z.array(z.number().int().nonnegative()).optional(),
  /** Colour scale relative to the largest weight shown, instead of 0..1. */
  relative: z.boolean(),
  ablate: z.array(HeadRef),
});
type State = z.infer<typeof State>;
const state = panelState(State, { view: 'matrix', layer: 0, head: 'mean', relative: false, ablate: [] });

const rpc = new RpcEndpoint(hostTransport(), attentionPanelSide, hostAttentionSide);
const app = document.getElementById('app') as HTMLElement;
const THUMB_SIZE = 32;
const THUMB_PX = 72;

let capture: CaptureResult | undefined;
let ablated: CaptureResult | undefined;
let status: { state: 'loading' | 'error' | 'idle'; message: string } = { state: 'idle', message: 'Select text in an editor and run "Attention Debugger: Show Attention".' };
let hoverState: HoverState = {};
let focusQuery: number | undefined;
/** A focused text token on the key axis (an RNN seq2seq's source): its column is marked. */
let focusKey: number | undefined;
/** When the latest 'show' arrived; the first drawing after it records its delay (benchmarks read it). */
let shownAt: number | undefined;
const pages = new Map<string, Promise<TensorPayload>>();

function currentMap(): MapInfo | undefined {
  if (!capture) return undefined;
  const kind = state.get().kind;
  return capture.maps.find((m) => m.kind === kind) ?? capture.maps[0];
}

function fetchPage(key: string, load: () => Promise<TensorPayload>): Promise<TensorPayload> {
  let p = pages.get(key);
  if (!p) {
    p = load();
    pages.set(key, p);
    p.catch(() => pages.delete(key)); // a failed page is fetched again next time
  }
  return p;
}

function layerPage(map: MapInfo, layer: number): Promise<TensorPayload> {
  const captureId = capture!.captureId;
  return fetchPage(`${captureId}/${map.kind}/${layer}`, () => rpc.request('attention.layer', { captureId, kind: map.kind, layer }));
}

function thumbnailPage(map: MapInfo): Promise<TensorPayload> {
  const captureId = capture!.captureId;
  return fetchPage(`${captureId}/${map.kind}/thumbs`, () => rpc.request('attention.thumbnails', { captureId, kind: map.kind, size: THUMB_SIZE }));
}

function toolbar(map: MapInfo): HTMLElement {
  const s = state.get();
  const [layers, heads] = map.shape;
  const kinds = capture!.maps.map((m): [string, string] => [m.kind, m.kind]);
  const views: [View, string][] = [
    ['head', 'Head view'],
    ['matrix', 'Matrix view'],
    ['model', 'Model view'],
  ];
  const viewButtons = views.map(([v, text]) => {
    const b = button(`view-${v}`, text, () => update({ view: v }), s.view === v ? 'primary' : 'secondary');
    b.setAttribute('aria-pressed', String(s.view === v));
    return b;
  });
  const controls: HTMLElement[] = [dropdown('kind-select', 'Attention', kinds, map.kind, (v) => update({ kind: v as AttentionKind, layer: 0 }))];
  if (s.view !== 'model') {
    controls.push(dropdown('layer-select', 'Layer', Array.from({ length: layers }, (_, l): [string, string] => [String(l), `layer ${l}`]), String(Math.min(s.layer, layers - 1)), (v) => update({ layer: Number(v) })));
  }
  if (s.view === 'matrix') {
    const headOptions: [string, string][] = [['mean', 'mean of heads'], ['max', 'max of heads'], ...Array.from({ length: heads }, (_, h): [string, string] => [String(h), `head ${h}`])];
    controls.push(dropdown('head-select', 'Head', headOptions, String(s.head), (v) => update({ head: v === 'mean' || v === 'max' ? v : Number(v) })));
  }
  const scale = el('vscode-checkbox', { 'data-testid': 'relative-scale', ...(s.relative ? { checked: '' } : {}) }, 'Scale to the largest weight');
  scale.addEventListener('change', (e) => update({ relative: (e.target as HTMLInputElement).checked }));
  return el(
    'div',
    { class: 'toolbar' },
    el('div', { class: 'row' }, ...viewButtons),
    el('div', { class: 'row' }, ...controls, scale),
    el('div', { class: 'row' }, button('export-png', 'Export PNG', () => void exportPng()), button('export-json', 'Export JSON', () => void exportJson())),
  );
}

function legend(scale: number): HTMLElement {
  const canvas = el('canvas', { 'data-testid': 'legend', 'aria-label': `colour scale from 0 to ${scale.toFixed(3)}` });
  const ctx = prepareCanvas(canvas, 160, 12);
  for (let x = 0; x < 160; x++) {
    ctx.fillStyle = rgbCss(viridis(x / 159));
    ctx.fillRect(x, 0, 1, 12);
  }
  return el('div', { class: 'row legend' }, el('span', {}, '0'), canvas, el('span', {}, scale.toFixed(scale < 1 ? 3 : 1)));
}

/** How the summary names what a model does with its input. */
const INPUT_WORDS: Record<InputKind, string> = { 'text-pair': 'seq2seq', text: 'lm', image: 'image' };

function summary(c: CaptureResult): HTMLElement {
  const t = c.text;
  const kind = c.model.architecture ? `${c.model.family} (${c.model.architecture})` : INPUT_WORDS[c.model.input];
  const shown = c.image ? `${c.image.file.split(/[\\/]/).pop()} (${c.image.width}x${c.image.height})` : t.text;
  const parts: (Node | string)[] = [el('strong', {}, c.model.label), ` · ${kind} · `, el('code', { 'data-testid': 'input-text' }, shown)];
  if (c.model.input === 'text-pair') parts.push(' → ', el('code', { 'data-testid': 'output-text' }, c.output));
  if (c.image) parts.push(' → ', el('code', { 'data-testid': 'output-text' }, c.output));
  const notes: HTMLElement[] = [];
  if (t.truncated) notes.push(el('p', { class: 'warning', 'data-testid': 'truncated' }, `The text has ${t.truncated.totalTokens} tokens; this model reads at most ${t.truncated.keptTokens}, so the rest was cut.`));
  if (t.unknown.length) {
    notes.push(el('p', { class: 'warning', 'data-testid': 'unknown' }, `The model does not know ${t.unknown.map((i) => JSON.stringify(t.labels[i])).join(', ')}: read as <unk>.`));
  }
  return el('div', {}, el('p', {}, ...parts), ...notes);
}

async function drawMatrixView(container: HTMLElement, map: MapInfo): Promise<void> {
  const s = state.get();
  const layer = Math.min(s.layer, map.shape[0] - 1);
  const head: HeadSelector = typeof s.head === 'number' ? Math.min(s.head, map.shape[1] - 1) : s.head;
  const page = await layerPage(map, layer);
  const matrix = headMatrix(page.data as Float32Array, page.shape, head);
  const [, Q, K] = page.shape;
  const g = matrixGeometry(Q, K, Math.max(320, container.clientWidth || 600), map.queryLabels, map.keyLabels);
  const canvas = el('canvas', { 'data-testid': 'attention-canvas', role: 'img', 'aria-label': `${map.kind} attention, layer ${layer}, ${typeof head === 'number' ? `head ${head}` : `${head} of heads`}` });
  const scale = scaleMax(matrix, s.relative);
  // Query and key vectors exist for dot-product heads where the model captures them (its attention spec says).
  const hasQueryKey = attentionSpec(capture!.model.attention, map.kind)?.queryKey === true;
  const tipText = !hasQueryKey ? 'Hover a cell for its weight. Rows: the token fed at each output step; columns: the source.' : typeof head === 'number' ? 'Hover a cell for its weight; click it to see its query and key.' : 'Hover a cell for its weight; pick one head to see queries and keys.';
  const tip = el('div', { class: 'tip', 'data-testid': 'cell-value' }, tipText);
  const detail = el('div', {});
  drawMatrix(canvas, matrix, g, map.queryLabels, map.keyLabels, scale, { query: focusQuery, key: focusKey });
  canvas.addEventListener('mousemove', (e) => {
    const cell = cellAt(g, e.offsetX, e.offsetY);
    tip.textContent = cell ? `${map.queryLabels[cell.query]} → ${map.keyLabels[cell.key]}: ${matrix[cell.query * K + cell.key].toFixed(4)}` : '';
  });
  canvas.addEventListener('click', (e) => {
    const cell = cellAt(g, e.offsetX, e.offsetY);
    focusQuery = cell && cell.query !== focusQuery ? cell.query : undefined;
    drawMatrix(canvas, matrix, g, map.queryLabels, map.keyLabels, scale, { query: focusQuery, key: cell?.key });
    if (!cell || typeof head !== 'number' || !hasQueryKey) return;
    rpc
      .request('attention.queryKey', { captureId: capture!.captureId, kind: map.kind, layer, head, query: cell.query, key: cell.key })
      .then((d) => detail.replaceChildren(queryKeyView(d, map.queryLabels[cell.query], map.keyLabels[cell.key], head)))
      .catch((err) => detail.replaceChildren(el('p', { class: 'error', role: 'alert' }, RpcError.from(err).message)));
  });
  container.replaceChildren(legend(scale), el('div', { class: 'scroll' }, canvas), tip, detail);
}

async function drawHeadViewInto(container: HTMLElement, map: MapInfo): Promise<void> {
  const s = state.get();
  const layer = Math.min(s.layer, map.shape[0] - 1);
  const page = await layerPage(map, layer);
  const [H, Q, K] = page.shape;
  const enabled = () => new Set(state.get().enabledHeads ?? Array.from({ length: H }, (_, h) => h));
  const canvas = el('canvas', { 'data-testid': 'attention-canvas', role: 'img', 'aria-label': `${map.kind} attention lines, layer ${layer}` });
  // The cheap path: head toggles and hovering redraw lines from the page already here.
  const links = linksPerHead(page.data as Float32Array, page.shape);
  const redraw = () => {
    const t0 = performance.now();
    drawHeadView(canvas, links, map.queryLabels, map.keyLabels, enabled(), focused(hoverState));
    canvas.dataset.redrawMs = (performance.now() - t0).toFixed(1); // read by the benchmark
  };
  const chips = Array.from({ length: H }, (_, h) => {
    const chip = el('button', { class: 'chip', 'data-testid': `head-chip-${h}`, title: 'Click: toggle this head. Double-click: only this head.' }, `head ${h}`);
    chip.style.setProperty('--chip-color', headColor(h, H));
    const sync = () => chip.setAttribute('aria-pressed', String(enabled().has(h)));
    sync();
    let clickTimer: number | undefined;
    chip.addEventListener('click', () => {
      window.clearTimeout(clickTimer);
      clickTimer = window.setTimeout(() => {
        const on = enabled();
        if (on.has(h)) on.delete(h);
        else on.add(h);
        state.update({ enabledHeads: [...on].sort((a, b) => a - b) });
        chips.forEach((c) => c.dispatchEvent(new Event('sync')));
        redraw();
      }, 220);
    });
    chip.addEventListener('dblclick', () => {
      window.clearTimeout(clickTimer);
      state.update({ enabledHeads: [h] });
      chips.forEach((c) => c.dispatchEvent(new Event('sync')));
      redraw();
    });
    chip.addEventListener('sync', sync);
    return chip;
  });
  redraw();
  canvas.addEventListener('mousemove', (e) => {
    const next = hover(hoverState, tokenAt(Q, K, e.offsetX, e.offsetY));
    const changed = JSON.stringify(focused(next)) !== JSON.stringify(focused(hoverState));
    hoverState = next;
    if (changed) redraw();
  });
  canvas.addEventListener('mouseleave', () => {
    hoverState = hover(hoverState, undefined);
    redraw();
  });
  canvas.addEventListener('click', (e) => {
    const t = tokenAt(Q, K, e.offsetX, e.offsetY);
    if (!t) return;
    hoverState = click(hoverState, t);
    redraw();
  });
  container.replaceChildren(el('div', { class: 'row', 'data-testid': 'head-chips' }, ...chips), el('div', { class: 'scroll' }, canvas));
}

async function drawModelView(container: HTMLElement, map: MapInfo): Promise<void> {
  const thumbs = await thumbnailPage(map);
  const [L, H, q, k] = thumbs.shape;
  const s = state.get();
  const isAblated = (layer: number, head: number) => s.ablate.some((a) => a.kind === map.kind && a.layer === layer && a.head === head);
  // Ablation only where the model can re-run with heads zeroed (its spec says so), e.g. not a ViT.
  const canAblate = attentionSpec(capture!.model.attention, map.kind)?.ablation === true;
  const grid = el('div', { class: 'thumb-grid', 'data-testid': 'model-grid' });
  grid.style.gridTemplateColumns = `max-content repeat(${H}, ${THUMB_PX}px)`;
  grid.append(el('span', {}), ...Array.from({ length: H }, (_, h) => el('span', { class: 'muted' }, `head ${h}`)));
  for (let layer = 0; layer < L; layer++) {
    grid.append(el('span', { class: 'muted' }, `layer ${layer}`));
    for (let head = 0; head < H; head++) {
      const data = thumbnailAt(thumbs.data as Float32Array, thumbs.shape, layer, head);
      const canvas = el('canvas', { 'data-testid': 'thumbnail', role: 'button', tabindex: '0', 'aria-label': `open layer ${layer} head ${head} in the matrix view` });
      const ctx = prepareCanvas(canvas, THUMB_PX, THUMB_PX);
      const image = new ImageData(k, q);
      const scale = scaleMax(data, s.relative);
      for (let i = 0; i < q * k; i++) image.data.set([...viridis(data[i] / scale), 255], i * 4);
      const off = document.createElement('canvas');
      off.width = k;
      off.height = q;
      off.getContext('2d')?.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, 0, 0, THUMB_PX, THUMB_PX);
      const open = () => update({ view: 'matrix', layer, head });
      canvas.addEventListener('click', open);
      canvas.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      if (!canAblate) {
        grid.append(el('div', { class: 'thumb' }, canvas));
        continue;
      }
      const mark = el('vscode-checkbox', { 'data-testid': `ablate-${map.kind}-${layer}-${head}`, ...(isAblated(layer, head) ? { checked: '' } : {}) }, 'ablate');
      mark.addEventListener('change', (e) => {
        const on = (e.target as HTMLInputElement).checked;
        const rest = state.get().ablate.filter((a) => !(a.kind === map.kind && a.layer === layer && a.head === head));
        state.update({ ablate: on ? [...rest, { kind: map.kind, layer, head }] : rest });
        rerunButton.textContent = rerunLabel();
      });
      grid.append(el('div', { class: `thumb${isAblated(layer, head) ? ' ablated' : ''}` }, canvas, mark));
    }
  }
  const rerunLabel = () => `Re-run with ${state.get().ablate.length} head(s) ablated`;
  const rerunButton = button('rerun-ablation', rerunLabel(), () => void runAblation(), 'primary');
  if (!canAblate) return container.replaceChildren(el('p', { class: 'muted' }, 'Click a map to open it in the matrix view.'), grid);
  container.replaceChildren(el('p', { class: 'muted' }, 'Click a map to open it in the matrix view. Mark heads to ablate (their outputs zeroed) and re-run to see how the output changes.'), grid, el('div', { class: 'row' }, rerunButton), ablationResult());
}

/** The head and model views compare heads and layers; a map that is one alignment has neither. */
async function drawAlignmentOnly(container: HTMLElement, map: MapInfo): Promise<void> {
  container.replaceChildren(
    el('p', { class: 'muted', 'data-testid': 'alignment-only' }, `The head and model views show layers of attention heads. This ${capture!.model.familyLabel}'s ${map.kind} attention is one alignment: see the matrix view.`),
  );
}

function ablationResult(): HTMLElement {
  if (!ablated || !capture) return el('div', { 'data-testid': 'ablation-result' });
  const base = capture.decoder;
  const abl = ablated.decoder;
  const rows = base.predictedLabels.map((label, i) => {
    const other = abl.predictedLabels[i] ?? '';
    const changed = other !== label;
    return el(
      'tr',
      changed ? { class: 'changed' } : {},
      el('td', {}, String(i)),
      el('td', {}, el('code', {}, label), ` ${base.probs[i].toFixed(3)}`),
      el('td', {}, el('code', {}, other), ` ${(abl.probs[i] ?? 0).toFixed(3)}`),
      el('td', {}, `${(((abl.probs[i] ?? 0) - base.probs[i]) * 100).toFixed(1)} pts`),
    );
  });
  return el(
    'section',
    { 'data-testid': 'ablation-result' },
    el('h2', {}, 'Ablation'),
    el('p', {}, 'Output: ', el('code', {}, capture.output), ' → ', el('code', { 'data-testid': 'ablated-output' }, ablated.output)),
    el('table', {}, el('thead', {}, el('tr', {}, ...['position', 'predicted', 'with heads ablated', 'change'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows)),
  );
}

async function runAblation(): Promise<void> {
  const heads = state.get().ablate;
  if (heads.length === 0) {
    setStatus({ state: 'error', message: 'Mark at least one head to ablate.' });
    return;
  }
  setStatus({ state: 'loading', message: `Re-running with ${heads.length} head(s) ablated…` });
  try {
    ablated = await rpc.request('attention.ablate', { heads });
    status = { state: 'idle', message: '' };
    render();
  } catch (err) {
    setStatus({ state: 'error', message: RpcError.from(err).message });
  }
}

function shownMatrixJson(map: MapInfo, page: TensorPayload, layer: number, head: HeadSelector) {
  const [, Q, K] = page.shape;
  const m = headMatrix(page.data as Float32Array, page.shape, head);
  return {
    model: capture!.model.label,
    text: capture!.text.text,
    kind: map.kind,
    layer,
    head,
    axes: ['query', 'key'],
    queryLabels: map.queryLabels,
    keyLabels: map.keyLabels,
    weights: Array.from({ length: Q }, (_, q) => Array.from(m.subarray(q * K, (q + 1) * K))),
  };
}

async function exportJson(): Promise<void> {
  const map = currentMap();
  if (!map) return;
  const s = state.get();
  const layer = Math.min(s.layer, map.shape[0] - 1);
  const page = await layerPage(map, layer);
  const heads: HeadSelector[] = s.view === 'matrix' ? [s.head] : [...(s.enabledHeads ?? Array.from({ length: map.shape[1] }, (_, h) => h))];
  const json = JSON.stringify(heads.map((h) => shownMatrixJson(map, page, layer, h)), null, 1);
  await rpc.request('export.json', { json, suggestedName: `attention-${map.kind}-layer${layer}.json` });
}

async function exportPng(): Promise<void> {
  const canvas = app.querySelector<HTMLCanvasElement>('[data-testid="attention-canvas"]');
  if (!canvas) {
    setStatus({ state: 'error', message: 'Switch to the head or matrix view to export a drawing.' });
    return;
  }
  await rpc.request('export.png', { dataUrl: canvas.toDataURL('image/png'), suggestedName: `attention-${state.get().kind ?? 'map'}.png` });
}

function setStatus(s: typeof status): void {
  status = s;
  const node = app.querySelector('[data-testid="status"]');
  if (node) node.replaceWith(statusNode());
}

function statusNode(): HTMLElement {
  if (status.state === 'idle') return el('div', { 'data-testid': 'status', class: 'muted' }, status.message);
  if (status.state === 'loading') return el('div', { 'data-testid': 'status', class: 'row' }, el('vscode-progress-ring', {}), status.message);
  return el('div', { 'data-testid': 'status', class: 'error', role: 'alert' }, status.message);
}

function update(patch: Partial<State>): void {
  if (patch.view && patch.view !== state.get().view) hoverState = {};
  state.update(patch);
  render();
}

function render(): void {
  const map = currentMap();
  if (!capture || !map) {
    app.replaceChildren(statusNode());
    return;
  }
  const view = el('div', { class: 'view', 'data-testid': `view-${state.get().view}-content` });
  app.replaceChildren(summary(capture), toolbar(map), statusNode(), view);
  const heads = attentionSpec(capture.model.attention, map.kind)?.structure !== 'alignment';
  const draw = heads || state.get().view === 'matrix' ? { head: drawHeadViewInto, matrix: drawMatrixView, model: drawModelView }[state.get().view] : drawAlignmentOnly;
  draw(view, map).then(
    () => {
      if (shownAt === undefined) return;
      view.dataset.firstFrameMs = (performance.now() - shownAt).toFixed(1);
      shownAt = undefined;
    },
    (err) => setStatus({ state: 'error', message: RpcError.from(err).message }),
  );
}

rpc.on('show', ({ capture: c, subject, focusToken }) => {
  shownAt = performance.now();
  capture = c;
  ablated = undefined;
  pages.clear();
  hoverState = {};
  const s = state.get();
  const kind = c.maps.some((m) => m.kind === s.kind) ? s.kind : c.textQueries.kind;
  const focusAt = focusToken !== undefined ? c.textQueries.offset + focusToken : undefined;
  focusQuery = c.textQueries.axis === 'query' ? focusAt : undefined;
  focusKey = c.textQueries.axis === 'key' ? focusAt : undefined;
  // A hover's "open in panel" focuses its token in the map where the text attends.
  if (focusToken !== undefined) state.update({ subject, kind: c.textQueries.kind, view: 'matrix' });
  else state.update({ subject, kind });
  status = { state: 'idle', message: '' };
  render();
});
rpc.on('status', (s) => {
  if (s.state === 'error' || !capture) {
    status = s;
    render();
  } else setStatus(s);
});

render();
rpc.notify('ready', {});
