/**
 * The training charts page: runs to overlay (checkboxes), loss / accuracy / learning rate against
 * step with a smoothing slider and a log-scale toggle, and attention statistics per layer and head
 * over training. All numbers come from the host (the runs' metrics files); this page only draws.
 * Redraw (data or size changed) is separate from restyle (theme changed): both are cheap here.
 */
import { z } from 'zod';
import { RpcEndpoint } from '../../protocol/rpc';
import { hostRunsPanelSide, runsPanelSide, type ChartRecord, type PanelRun } from '../../protocol/runsPanel';
import { el } from '../common/dom';
import { registerToolkit } from '../common/toolkit';
import { hostTransport, panelState } from '../common/vscodeApi';
import { attentionGrid, mergeRecords, metricPoints, smooth, type AttentionMeasure, type MetricName } from './chartMath';
import { drawAttentionGrid, drawLineChart, readTheme, type LineSeries, type Theme } from './draw';

registerToolkit();

// `selected` is saved for the host, which reads it back after a window reload (the runs shown stay shown).
const State = z.object({ smoothing: z.number().min(0).max(0.99), log: z.boolean(), measure: z.enum(['entropy', 'firstShare']), selected: z.array(z.string()).optional() });
const state = panelState(State, { smoothing: 0.6, log: false, measure: 'entropy' });

const rpc = new RpcEndpoint(hostTransport(), runsPanelSide, hostRunsPanelSide);
const app = document.getElementById('app') as HTMLElement;

let runs: PanelRun[] = [];
let selected: string[] = [];
const records = new Map<string, ChartRecord[]>();
const warnings: string[] = [];
let theme: Theme = readTheme();

const CHARTS: { metric: MetricName; title: string; testId: string }[] = [
  { metric: 'loss', title: 'Loss', testId: 'loss-chart' },
  { metric: 'accuracy', title: 'Accuracy (last batch)', testId: 'accuracy-chart' },
  { metric: 'learningRate', title: 'Learning rate', testId: 'lr-chart' },
];
const MAX_WARNINGS = 5;

// Static skeleton; only the run list, the canvases and the warnings change.
const runList = el('div', { class: 'run-list', 'data-testid': 'run-list' });
const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', 'data-testid': 'smoothing', 'aria-label': 'Smoothing' }) as HTMLInputElement;
const smoothingValue = el('span', { class: 'muted' });
const logToggle = el('vscode-checkbox', { 'data-testid': 'log-scale' }, 'Log scale');
const measure = el('vscode-dropdown', { 'data-testid': 'attention-measure' }, el('vscode-option', { value: 'entropy' }, 'Entropy (nats)'), el('vscode-option', { value: 'firstShare' }, 'Share on first token / [CLS]'));
const canvases = CHARTS.map((c) => el('canvas', { 'data-testid': c.testId, 'data-points': '0', class: 'chart', role: 'img', 'aria-label': c.title }) as HTMLCanvasElement);
const attentionSection = el('section', { 'data-testid': 'attention-stats' });
const warningBox = el('div', { 'data-testid': 'warnings' });

app.replaceChildren(
  el('h1', {}, 'Training charts'),
  runList,
  el('div', { class: 'row' }, el('label', {}, 'Smoothing ', smoothing), smoothingValue, logToggle),
  ...canvases,
  el('h2', {}, 'Attention over training'),
  el('div', { class: 'row' }, measure),
  attentionSection,
  warningBox,
);

smoothing.value = String(state.get().smoothing);
if (state.get().log) logToggle.setAttribute('checked', '');
measure.setAttribute('value', state.get().measure);
smoothing.addEventListener('input', () => {
  state.update({ smoothing: Number(smoothing.value) });
  draw();
});
logToggle.addEventListener('change', () => {
  state.update({ log: (logToggle as unknown as { checked: boolean }).checked });
  draw();
});
measure.addEventListener('change', () => {
  const v = (measure as unknown as { value: string }).value;
  state.update({ measure: v === 'firstShare' ? 'firstShare' : 'entropy' });
  draw();
});

function colorOf(id: string): string {
  const i = selected.indexOf(id);
  return theme.series[(i < 0 ? 0 : i) % theme.series.length];
}

function runLabel(r: PanelRun): string {
  const step = r.totalSteps ? `${r.step}/${r.totalSteps}` : String(r.step);
  const loss = r.lastLoss !== undefined ? `, loss ${r.lastLoss.toPrecision(4)}` : '';
  return `${r.id} (${r.model} · ${r.task}): ${r.status}, step ${step}${loss}`;
}

/** The run list: rebuilt only when the set of runs changes; labels, ticks and colours are updated in place. */
const runBoxes = new Map<string, { box: HTMLElement; label: Text; swatch: HTMLElement }>();

function renderRuns(): void {
  if (runs.length === 0) {
    runBoxes.clear();
    runList.replaceChildren(el('p', { class: 'muted' }, 'No runs yet. Run "Attention Debugger: Train Model".'));
    return;
  }
  const sameRuns = runs.length === runBoxes.size && runs.every((r) => runBoxes.has(r.id));
  if (!sameRuns) {
    runBoxes.clear();
    runList.replaceChildren(
      ...runs.map((r) => {
        const swatch = el('span', { class: 'swatch' });
        const label = document.createTextNode('');
        const box = el('vscode-checkbox', { 'data-testid': `run-${r.id}`, 'data-run': r.id }, swatch, label);
        box.addEventListener('change', () => {
          const on = (box as unknown as { checked: boolean }).checked;
          if (on === selected.includes(r.id)) return; // set by us, not by the user
          const next = on ? [...new Set([...selected, r.id])] : selected.filter((id) => id !== r.id);
          void rpc.request('runs.select', { ids: next });
        });
        runBoxes.set(r.id, { box, label, swatch });
        return box;
      }),
    );
  }
  for (const r of runs) {
    const entry = runBoxes.get(r.id);
    if (!entry) continue;
    entry.label.data = runLabel(r);
    const on = selected.includes(r.id);
    (entry.box as unknown as { checked: boolean }).checked = on;
    entry.box.dataset.selected = String(on);
    entry.swatch.style.background = on ? colorOf(r.id) : 'transparent';
  }
}

function draw(): void {
  const { smoothing: w, log, measure: m } = state.get();
  smoothingValue.textContent = w.toFixed(2);
  CHARTS.forEach((c, i) => {
    const series: LineSeries[] = selected
      .filter((id) => records.has(id))
      .map((id) => {
        const raw = metricPoints(records.get(id) ?? [], c.metric);
        return { label: id, color: colorOf(id), raw, smoothed: smooth(raw, w) };
      });
    const points = series.reduce((n, s) => n + s.raw.length, 0);
    canvases[i].dataset.points = String(points);
    canvases[i].dataset.lastStep = String(Math.max(0, ...series.map((s) => s.raw.at(-1)?.x ?? 0)));
    drawLineChart(canvases[i], c.title, series, { log: log && c.metric !== 'accuracy', theme });
  });
  const blocks = selected
    .filter((id) => records.has(id))
    .map((id) => {
      const grid = attentionGrid(records.get(id) ?? [], m as AttentionMeasure);
      if (!grid) return el('p', { class: 'muted' }, `${id}: no attention statistics yet (they are logged at evaluation steps).`);
      const canvas = el('canvas', { class: 'chart', 'data-testid': `attention-${id}`, 'data-rows': String(grid.rows.length), 'data-steps': String(grid.steps.length) }) as HTMLCanvasElement;
      queueMicrotask(() => drawAttentionGrid(canvas, grid, `${id}: ${m === 'entropy' ? 'entropy' : 'first-token share'}`, theme));
      return canvas;
    });
  attentionSection.replaceChildren(...blocks);
  warningBox.replaceChildren(...warnings.slice(-MAX_WARNINGS).map((w2) => el('p', { class: 'warning' }, w2)));
}

let frame = 0;
function scheduleDraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw();
  });
}

rpc.on('runs', (msg) => {
  runs = msg.runs;
  selected = msg.selected;
  state.update({ selected });
  for (const id of [...records.keys()]) if (!selected.includes(id)) records.delete(id);
  renderRuns();
  scheduleDraw();
});
rpc.on('metrics', ({ id, reset, records: incoming }) => {
  records.set(id, reset ? mergeRecords([], incoming) : mergeRecords(records.get(id) ?? [], incoming));
  scheduleDraw();
});
rpc.on('warning', ({ message }) => {
  warnings.push(message);
  scheduleDraw();
});

// Restyle on theme change (VS Code swaps the body's classes) and redraw on resize.
new MutationObserver(() => {
  theme = readTheme();
  renderRuns();
  scheduleDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new ResizeObserver(() => scheduleDraw()).observe(app);

renderRuns();
draw();
rpc.notify('ready', {});
