/**
 * The image attention panel's page. The host sends an explanation ('show'): the model input, the
 * class probabilities and the maps. ViT: [CLS] attention per layer and head (or mean/max over heads),
 * any clicked patch's attention (a page fetched from the engine), and rollout / gradient rollout
 * (fetched again when head fusion or the discard ratio change). VGG-attention: the two gate maps and
 * Grad-CAM side by side. With a captioner as the image model the host sends captions instead
 * ('captions'): each word with its map, the captioners side by side (captionView.ts). Opacity and the
 * patch grid only restyle what is already here.
 */
import type { HeadSelector } from '../../protocol/attention';
import type { HeadFusion, ImageCaptionResult, ImageExplainResult, ImageMapPayload } from '../../protocol/image';
import { hostImageSide, ImagePanelState, imagePanelSide, type ImageMapMode as Mode } from '../../protocol/imagePanel';
import { RpcEndpoint, RpcError } from '../../protocol/rpc';
import type { TensorPayload } from '../../protocol/tensor';
import { prepareCanvas, themeColor } from '../common/canvas';
import { rgbCss, viridis } from '../common/colormap';
import { el } from '../common/dom';
import { registerToolkit } from '../common/toolkit';
import { hostTransport, panelState } from '../common/vscodeApi';
import { captionView } from './captionView';
import { offscreenCanvas as offscreen } from './imageCanvas';
import { argMax, headSlice, inputRgba, mapMax, movePatch, overlayRgba, patchAt, patchToken, percent, tokenPatch } from './overlayMath';
import { button, dropdown } from '../common/controls';

registerToolkit();

/** CSS pixels of the ViT drawing and of each VGG-attention drawing. */
const VIT_PX = 384;
const VGG_PX = 224;
const LEGEND_PX = 160;
const ROLLOUT_DEBOUNCE_MS = 150;

type State = ImagePanelState;
const rpc = new RpcEndpoint(hostTransport(), imagePanelSide, hostImageSide);
const saved = panelState(ImagePanelState, { mode: 'attention', layer: 0, head: 'mean', query: 0, headFusion: 'mean', discardRatio: 0, opacity: 0.6, grid: true });
/** The controls: VS Code keeps them for this page, and the host keeps a copy for a page that
 * replaces this one in a new webview (see 'restore'). */
const state = {
  get: saved.get,
  update(patch: Partial<State>): State {
    const s = saved.update(patch);
    rpc.notify('state', s);
    return s;
  },
};
const app = document.getElementById('app') as HTMLElement;

type Status = { state: 'loading' | 'error' | 'idle'; message: string };
let explanation: ImageExplainResult | undefined;
/** With a captioner as the image model: its captions (the image model's first), shown instead. */
let captions: ImageCaptionResult[] | undefined;
let status: Status = { state: 'idle', message: 'Right-click a PNG or JPEG in the Explorer and choose "Visualize Attention".' };
/** Rollout maps for the current controls (the explanation's own, or fetched for other controls). */
let rollout: { key: string; maps: Promise<ImageMapPayload[]> } | undefined;
const queryPages = new Map<number, Promise<TensorPayload>>();
let drawCount = 0;
let renderGeneration = 0;
/** Set by a keyboard move, so the new drawing takes the focus back. */
let refocus = false;
let rolloutTimer: number | undefined;
/** When the latest 'show' arrived; the first drawing after it records its delay (benchmarks read it). */
let shownAt: number | undefined;

// ---------- data ----------

function queryPage(query: number): Promise<TensorPayload> {
  const e = explanation!;
  if (query === 0 && e.clsAttention) return Promise.resolve(e.clsAttention);
  let p = queryPages.get(query);
  if (!p) {
    p = rpc.request('image.queryAttention', { explanationId: e.explanationId, query }).then((r) => r.attention);
    queryPages.set(query, p);
    p.catch(() => queryPages.delete(query)); // a failed page is fetched again next time
  }
  return p;
}

function rolloutMaps(): Promise<ImageMapPayload[]> {
  const e = explanation!;
  const { headFusion, discardRatio } = state.get();
  const key = `${e.explanationId}/${headFusion}/${discardRatio}`;
  if (rollout?.key !== key) {
    // The explanation came with the maps for the controls it was asked with (mean, 0).
    const own = headFusion === 'mean' && discardRatio === 0;
    const maps = own ? Promise.resolve(e.maps) : rpc.request('image.rollout', { explanationId: e.explanationId, headFusion, discardRatio });
    rollout = { key, maps };
    maps.catch(() => (rollout = undefined));
  }
  return rollout.maps;
}

// ---------- drawing ----------

interface Layer {
  values: Float32Array;
  rows: number;
  cols: number;
  scale: number;
  smooth: boolean;
}

/** Image, then the map's colours at the chosen opacity, then the patch grid and the marked patch. */
function drawComposite(canvas: HTMLCanvasElement, px: number, overlay: Layer | undefined, grid: number | undefined, marked: number | undefined): void {
  const e = explanation!;
  const s = state.get();
  const ctx = prepareCanvas(canvas, px, px);
  const size = e.model.inputSize;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreen(inputRgba(e.input.data as Float32Array, size), size, size), 0, 0, px, px);
  if (overlay) {
    ctx.imageSmoothingEnabled = overlay.smooth;
    ctx.drawImage(offscreen(overlayRgba(overlay.values, overlay.scale, s.opacity, viridis), overlay.cols, overlay.rows), 0, 0, px, px);
  }
  if (grid && s.grid) {
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.35)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 1; i < grid; i++) {
      const p = Math.round((i * px) / grid) + 0.5;
      ctx.moveTo(p, 0);
      ctx.lineTo(p, px);
      ctx.moveTo(0, p);
      ctx.lineTo(px, p);
    }
    ctx.stroke();
  }
  if (grid && marked !== undefined) {
    const cell = px / grid;
    ctx.strokeStyle = themeColor('--vscode-focusBorder', '#0078d4');
    ctx.lineWidth = 3;
    ctx.strokeRect((marked % grid) * cell + 1.5, Math.floor(marked / grid) * cell + 1.5, cell - 3, cell - 3);
  }
  canvas.dataset.drawn = String(++drawCount);
  canvas.dataset.explanationId = String(e.explanationId);
}

function legend(scale: number, caption: string): HTMLElement {
  const canvas = el('canvas', { 'data-testid': 'legend', 'aria-label': `colour scale (viridis) from 0 to ${scale.toPrecision(3)}` });
  const ctx = prepareCanvas(canvas, LEGEND_PX, 12);
  for (let x = 0; x < LEGEND_PX; x++) {
    ctx.fillStyle = rgbCss(viridis(x / (LEGEND_PX - 1)));
    ctx.fillRect(x, 0, 1, 12);
  }
  return el('div', { class: 'row legend' }, el('span', {}, '0'), canvas, el('span', { 'data-testid': 'legend-max' }, scale.toPrecision(3)), el('span', { class: 'muted' }, caption));
}

// ---------- controls ----------

function slider(testId: string, label: string, min: number, max: number, step: number, value: number, format: (v: number) => string, onInput: (v: number) => void): HTMLElement {
  const input = el('input', { type: 'range', min: String(min), max: String(max), step: String(step), value: String(value), 'data-testid': testId, 'aria-label': label });
  const shown = el('span', { class: 'mono' }, format(value));
  input.addEventListener('input', () => {
    shown.textContent = format(Number(input.value));
    onInput(Number(input.value));
  });
  return el('label', { class: 'control' }, el('span', { class: 'muted' }, label), input, shown);
}

function opacityControl(redraw: () => void): HTMLElement {
  return slider('opacity', 'Opacity', 0, 1, 0.05, state.get().opacity, (v) => `${Math.round(v * 100)}%`, (v) => {
    state.update({ opacity: v });
    redraw(); // restyle only: no new numbers
  });
}

function exportButton(): HTMLElement {
  return button('export-png', 'Export PNG', () => void exportPng());
}

function classList(e: ImageExplainResult): HTMLElement {
  const rows = e.top.map((c) => {
    const bar = el('span', { class: 'prob-bar' });
    bar.style.width = `${Math.max(1, Math.round(c.probability * 100))}%`;
    const explain = el('button', { class: 'link', title: 'Explain this class (the gradient-based maps follow it)', 'data-testid': `explain-class-${c.index}` }, c.name);
    explain.addEventListener('click', () => void rerun(c.index));
    return el(
      'li',
      { class: `${c.index === e.predicted ? 'predicted' : ''}${c.index === e.explainedClass ? ' explained' : ''}`.trim() || undefined, 'data-class': c.name },
      explain,
      el('span', { class: 'prob-track' }, bar),
      el('span', { class: 'mono' }, percent(c.probability)),
      c.index === e.explainedClass && c.index !== e.predicted ? el('span', { class: 'muted' }, ' (explained)') : '',
    );
  });
  return el(
    'section',
    { 'data-testid': 'class-list', 'aria-label': 'predicted classes' },
    el('p', {}, 'Predicted: ', el('strong', { 'data-testid': 'predicted-class' }, e.top.find((c) => c.index === e.predicted)?.name ?? String(e.predicted)), ` (${percent(e.top[0]?.probability ?? 0)})`),
    el('ol', { class: 'classes' }, ...rows),
  );
}

async function rerun(classIndex: number): Promise<void> {
  try {
    await rpc.request('image.rerun', { classIndex });
  } catch (err) {
    setStatus({ state: 'error', message: RpcError.from(err).message });
  }
}

function header(e: Pick<ImageExplainResult, 'image' | 'model' | 'milliseconds'>): HTMLElement {
  const name = e.image.file.split(/[\\/]/).pop() ?? e.image.file;
  const warnings = e.image.warnings.map((w) => el('p', { class: 'warning', 'data-testid': 'image-warning' }, w));
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'row' },
      el('strong', { 'data-testid': 'image-name' }, name),
      el('span', { class: 'muted' }, `${e.image.format?.toUpperCase() ?? 'image'} ${e.image.width}×${e.image.height} → ${e.model.inputSize}×${e.model.inputSize}, ${e.milliseconds.toFixed(0)} ms`),
      el('span', {}, 'Model: ', el('span', { 'data-testid': 'model-label' }, e.model.label), ` (${e.model.kind})`),
      button('choose-model', 'Change Model…', () => void rpc.request('image.chooseModel', {}).catch((err) => setStatus({ state: 'error', message: RpcError.from(err).message }))),
    ),
    ...warnings,
  );
}

// ---------- models with patch attention (ViT) ----------

function patchAttentionView(e: ImageExplainResult): HTMLElement {
  const patches = e.model.patchAttention!;
  const s = state.get();
  const layer = Math.min(s.layer, patches.layers - 1);
  const head: HeadSelector = typeof s.head === 'number' ? Math.min(s.head, patches.heads - 1) : s.head;
  const modes: [Mode, string][] = [
    ['attention', 'Attention (layer, head)'],
    ['rollout', 'Attention rollout'],
    ['gradient-rollout', 'Gradient-weighted rollout'],
  ];
  const controls: HTMLElement[] = [dropdown('map-select', 'Map', modes, s.mode, (v) => update({ mode: v as Mode }))];
  if (s.mode === 'attention') {
    controls.push(
      dropdown('layer-select', 'Layer', Array.from({ length: patches.layers }, (_, l): [string, string] => [String(l), `layer ${l}`]), String(layer), (v) => update({ layer: Number(v) })),
      dropdown('head-select', 'Head', [['mean', 'mean of heads'], ['max', 'max of heads'], ...Array.from({ length: patches.heads }, (_, h): [string, string] => [String(h), `head ${h}`])], String(head), (v) =>
        update({ head: v === 'mean' || v === 'max' ? v : Number(v) }),
      ),
    );
  } else {
    // Head fusion applies to plain rollout; gradient rollout fuses heads by its own rule (mean of A * dy/dA, positive part).
    if (s.mode === 'rollout') controls.push(dropdown('fusion-select', 'Head fusion', [['mean', 'mean'], ['max', 'max'], ['min', 'min']], s.headFusion, (v) => update({ headFusion: v as HeadFusion })));
    controls.push(
      slider('discard-ratio', 'Discard', 0, 0.95, 0.05, s.discardRatio, (v) => `${Math.round(v * 100)}%`, (v) => {
        window.clearTimeout(rolloutTimer);
        rolloutTimer = window.setTimeout(() => update({ discardRatio: v }), ROLLOUT_DEBOUNCE_MS);
      }),
    );
  }
  const openHeads = button('open-heads', 'Open Heads in Attention Panel', () => void rpc.request('image.openHeads', {}).catch((err) => setStatus({ state: 'error', message: RpcError.from(err).message })));
  const gridToggle = el('vscode-checkbox', { 'data-testid': 'grid-toggle', ...(s.grid ? { checked: '' } : {}) }, 'Patch grid');
  const canvas = el('canvas', { 'data-testid': 'overlay-canvas', role: 'img', class: 'overlay', tabindex: '0', 'aria-keyshortcuts': 'ArrowLeft ArrowRight ArrowUp ArrowDown Home End Escape' });
  const legendSlot = el('div', {});
  const tip = el('div', { class: 'tip', 'data-testid': 'overlay-caption' });
  const queryPatch = tokenPatch(s.query);
  const queryRow =
    s.mode === 'attention'
      ? el(
          'div',
          { class: 'row query-row' },
          el('span', { 'data-testid': 'query' }, queryPatch === undefined ? 'Showing where [CLS] attends. Click a patch (or focus the image and use the arrow keys) to see where it attends.' : `Showing where patch (row ${Math.floor(queryPatch / patches.grid)}, column ${queryPatch % patches.grid}) attends.`),
          queryPatch === undefined ? '' : button('query-cls', 'Back to [CLS]', () => update({ query: 0 })),
        )
      : el('div', { class: 'row muted query-row' }, 'Rollout: how much each patch flows into the final [CLS], through every layer (A + I, rows renormalised, multiplied). Click a patch to see its own attention.');

  let layerData: Layer | undefined;
  const redraw = () => {
    drawComposite(canvas, VIT_PX, layerData, patches.grid, s.mode === 'attention' ? queryPatch : undefined);
    if (layerData && shownAt !== undefined) {
      canvas.dataset.firstFrameMs = (performance.now() - shownAt).toFixed(1);
      shownAt = undefined;
    }
  };
  gridToggle.addEventListener('change', (ev) => {
    state.update({ grid: (ev.target as HTMLInputElement).checked });
    redraw();
  });
  canvas.addEventListener('click', (ev) => {
    const p = patchAt(VIT_PX, patches.grid, ev.offsetX, ev.offsetY);
    if (!p) return;
    const token = patchToken(p.index);
    update({ mode: 'attention', query: state.get().mode === 'attention' && state.get().query === token ? 0 : token });
  });
  // Keyboard: arrows (or Home/End) move the patch whose attention is shown; Escape goes back to [CLS].
  canvas.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') return update({ mode: 'attention', query: 0 });
    const from = s.mode === 'attention' && queryPatch !== undefined ? queryPatch : argMax(layerData?.values ?? []);
    const to = movePatch(Math.max(0, from), patches.grid, ev.key);
    if (to === undefined) return;
    ev.preventDefault();
    refocus = true;
    update({ mode: 'attention', query: patchToken(to) });
  });
  canvas.addEventListener('mousemove', (ev) => {
    const p = patchAt(VIT_PX, patches.grid, ev.offsetX, ev.offsetY);
    if (p && layerData) tip.textContent = `patch (row ${p.row}, column ${p.col}): ${layerData.values[p.index].toPrecision(3)}`;
  });

  const load = async (): Promise<{ values: Float32Array; caption: string }> => {
    if (s.mode === 'attention') {
      const page = await queryPage(s.query);
      const who = queryPatch === undefined ? '[CLS]' : `patch ${queryPatch}`;
      return { values: headSlice(page.data as Float32Array, page.shape, layer, head), caption: `${who} → patches, layer ${layer}, ${typeof head === 'number' ? `head ${head}` : `${head} of heads`}` };
    }
    const map = (await rolloutMaps()).find((m) => m.id === s.mode);
    if (!map) throw new RpcError('internal', `the engine sent no '${s.mode}' map`);
    return { values: map.values.data as Float32Array, caption: map.label };
  };
  const generation = renderGeneration;
  if (refocus) queueMicrotask(() => canvas.focus()); // keep keyboard focus on the drawing across re-renders
  refocus = false;
  canvas.setAttribute('aria-label', 'image with attention overlay');
  redraw(); // the image at once; the overlay when its numbers are here
  load().then(
    ({ values, caption }) => {
      if (generation !== renderGeneration) return; // controls changed while this page loaded
      layerData = { values, rows: patches.grid, cols: patches.grid, scale: mapMax(values), smooth: false };
      canvas.dataset.overlay = caption;
      canvas.setAttribute('aria-label', `image with ${caption} overlay`);
      const top = argMax(values);
      tip.textContent = `Strongest: patch (row ${Math.floor(top / patches.grid)}, column ${top % patches.grid}), ${values[top].toPrecision(3)}`;
      legendSlot.replaceChildren(legend(layerData.scale, `${caption}; scaled to the largest value`));
      redraw();
    },
    (err) => generation === renderGeneration && setStatus({ state: 'error', message: RpcError.from(err).message }),
  );
  return el(
    'div',
    {},
    el('div', { class: 'toolbar' }, el('div', { class: 'row' }, ...controls), el('div', { class: 'row' }, opacityControl(redraw), gridToggle, exportButton(), openHeads)),
    queryRow,
    el('div', { class: 'image-views' }, el('figure', {}, canvas, tip)),
    legendSlot,
  );
}

// ---------- models with maps only (VGG-attention's gates, Grad-CAM) ----------

function mapsView(e: ImageExplainResult): HTMLElement {
  const figures: HTMLElement[] = [];
  const redraws: (() => void)[] = [];
  // The gates first, then their product and Grad-CAM, then any map a newer engine adds.
  const order = ['gate-pool3', 'gate-pool4', 'gates-product', 'grad-cam'];
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  for (const map of [...e.maps].sort((a, b) => rank(a.id) - rank(b.id))) {
    const id = map.id;
    const [rows, cols] = map.values.shape;
    const values = map.values.data as Float32Array;
    const layerData: Layer = { values, rows, cols, scale: mapMax(values), smooth: true };
    const canvas = el('canvas', { 'data-testid': 'overlay-canvas', 'data-map': id, role: 'img', class: 'overlay', 'aria-label': `image with ${map.label} overlay` });
    canvas.dataset.overlay = map.label;
    const redraw = () => drawComposite(canvas, VGG_PX, layerData, undefined, undefined);
    redraws.push(redraw);
    redraw();
    figures.push(el('figure', {}, canvas, el('figcaption', {}, el('strong', {}, map.label), el('br', {}), el('span', { class: 'muted' }, `${rows}×${cols}, max ${layerData.scale.toPrecision(3)}`))));
  }
  if (shownAt !== undefined) {
    figures[0]?.querySelector('canvas')?.setAttribute('data-first-frame-ms', (performance.now() - shownAt).toFixed(1));
    shownAt = undefined;
  }
  const redrawAll = () => redraws.forEach((r) => r());
  return el(
    'div',
    {},
    el('div', { class: 'toolbar' }, el('div', { class: 'row' }, opacityControl(redrawAll), exportButton())),
    el('p', { class: 'muted' }, 'The trainable attention gates (softmax over space: each sums to 1), their product (where both agree), and Grad-CAM on the last conv block for the explained class.'),
    el('div', { class: 'image-views' }, ...figures),
    legend(1, 'each map scaled to its own largest value'),
  );
}

// ---------- export, status, render ----------

async function exportPng(): Promise<void> {
  const canvases = [...app.querySelectorAll<HTMLCanvasElement>('canvas[data-testid="overlay-canvas"]')];
  if (!canvases.length || !explanation) return;
  let out = canvases[0];
  if (canvases.length > 1) {
    out = document.createElement('canvas');
    out.width = canvases.reduce((w, c) => w + c.width, 0);
    out.height = Math.max(...canvases.map((c) => c.height));
    const ctx = out.getContext('2d')!;
    let x = 0;
    for (const c of canvases) {
      ctx.drawImage(c, x, 0);
      x += c.width;
    }
  }
  const base = (explanation.image.file.split(/[\\/]/).pop() ?? 'image').replace(/\.[^.]+$/, '');
  const what = explanation.model.patchAttention ? state.get().mode : 'gates-gradcam';
  try {
    await rpc.request('export.png', { dataUrl: out.toDataURL('image/png'), suggestedName: `${base}-${what}.png` });
  } catch (err) {
    setStatus({ state: 'error', message: RpcError.from(err).message });
  }
}

function statusNode(): HTMLElement {
  if (status.state === 'idle') return el('div', { 'data-testid': 'status', class: 'muted' }, status.message);
  if (status.state === 'loading') return el('div', { 'data-testid': 'status', class: 'row' }, el('vscode-progress-ring', {}), status.message);
  return el('div', { 'data-testid': 'status', class: 'error', role: 'alert' }, status.message);
}

function setStatus(s: Status): void {
  status = s;
  const node = app.querySelector('[data-testid="status"]');
  if (node) node.replaceWith(statusNode());
}

function update(patch: Partial<State>): void {
  state.update(patch);
  render();
}

function render(): void {
  renderGeneration++;
  if (captions) {
    let view = captionView(captions, state.get().opacity);
    const redraw = () => view.replaceWith((view = captionView(captions!, state.get().opacity)));
    app.replaceChildren(header(captions[0]), statusNode(), el('div', { class: 'toolbar' }, el('div', { class: 'row' }, opacityControl(redraw))), view);
    return;
  }
  const e = explanation;
  if (!e) {
    app.replaceChildren(statusNode());
    return;
  }
  const view = e.model.patchAttention ? patchAttentionView(e) : mapsView(e);
  app.replaceChildren(header(e), statusNode(), el('div', { class: 'image-layout' }, el('div', { class: 'view' }, view), classList(e)));
}

rpc.on('restore', (controls) => update(controls));
rpc.on('show', ({ explanation: e, subject }) => {
  shownAt = performance.now();
  explanation = e;
  captions = undefined;
  rollout = undefined;
  queryPages.clear();
  const s = state.get();
  const patches = e.model.patchAttention;
  // A new image keeps the controls; a query patch is kept only when the grid is the same.
  const query = patches && s.query < patches.tokens && s.subject?.spec === subject.spec ? s.query : 0;
  state.update({ subject, query });
  status = { state: 'idle', message: '' };
  render();
});
rpc.on('captions', ({ captions: c, subject }) => {
  captions = c;
  explanation = undefined;
  state.update({ subject });
  status = { state: 'idle', message: '' };
  render();
});
rpc.on('status', (s) => {
  if (s.subject) state.update({ subject: s.subject });
  if (s.state === 'error') explanation = captions = undefined; // a bad image: the message replaces the drawing
  status = { state: s.state, message: s.message };
  if (s.state === 'error' || !(explanation || captions)) render();
  else setStatus(status);
});

render();
rpc.notify('ready', {});
