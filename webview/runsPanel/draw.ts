/**
 * Canvas drawing of the training charts: a line chart (several runs overlaid) and the attention
 * statistics grid. Colours come from the VS Code theme (CSS variables), so light, dark and
 * high-contrast themes all work; the geometry comes from chartMath.ts.
 */
import { extent, formatTick, normalise, ticks, type AttentionGrid, type Point } from './chartMath';

/** Layout constants, in CSS pixels. */
const PAD = { left: 52, right: 12, top: 22, bottom: 26 };
const CELL_MIN_HEIGHT = 10;
const GRID_LABEL_WIDTH = 130;

export interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  font: string;
  /** One colour per run, in order. */
  series: string[];
  highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.body);
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    foreground: cssVar(s, '--vscode-editor-foreground', '#cccccc'),
    muted: cssVar(s, '--vscode-descriptionForeground', '#999999'),
    grid: highContrast ? cssVar(s, '--vscode-contrastBorder', '#6fc3df') : cssVar(s, '--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    font: `${cssVar(s, '--vscode-font-size', '12px')} ${cssVar(s, '--vscode-font-family', 'sans-serif')}`,
    series: ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((v, i) =>
      cssVar(s, v, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i]),
    ),
    highContrast,
  };
}

/** Sizes the canvas backing store to its CSS size times the device pixel ratio; returns the context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement, cssHeight: number): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const width = Math.max(200, canvas.clientWidth || canvas.parentElement?.clientWidth || 400);
  const dpr = window.devicePixelRatio || 1;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, cssHeight);
  return { ctx, width, height: cssHeight };
}

export interface LineSeries {
  label: string;
  color: string;
  raw: Point[];
  smoothed: Point[];
}

export function drawLineChart(canvas: HTMLCanvasElement, title: string, series: readonly LineSeries[], opts: { log: boolean; theme: Theme; height?: number }): void {
  const { theme, log } = opts;
  const { ctx, width, height } = prepare(canvas, opts.height ?? 180);
  ctx.font = theme.font;
  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'top';
  ctx.fillText(title + (log ? ' (log)' : ''), PAD.left, 4);
  const xr = extent(series.map((s) => s.raw), 'x');
  const yr = extent(series.map((s) => s.raw), 'y', log);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  if (!xr || !yr) {
    ctx.fillStyle = theme.muted;
    ctx.fillText('no data yet', PAD.left + 8, PAD.top + plotH / 2 - 6);
    return;
  }
  const X = (v: number) => PAD.left + normalise(v, xr) * plotW;
  const Y = (v: number) => PAD.top + (1 - normalise(v, yr, log)) * plotH;
  // Axes and grid.
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = theme.muted;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const t of ticks(yr, 4, log)) {
    const y = Math.round(Y(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(width - PAD.right, y);
    ctx.stroke();
    ctx.fillText(formatTick(t), PAD.left - 4, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of ticks(xr, 6)) ctx.fillText(formatTick(t), X(t), height - PAD.bottom + 6);
  ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);
  // Lines: the raw values faint, the smoothed ones solid.
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, PAD.top, plotW, plotH);
  ctx.clip();
  for (const s of series) {
    for (const [pts, alpha, lw] of [
      [s.raw, theme.highContrast ? 0.5 : 0.25, 1],
      [s.smoothed, 1, theme.highContrast ? 2.5 : 1.75],
    ] as const) {
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = lw;
      ctx.beginPath();
      let pen = false;
      for (const p of pts) {
        const y = Y(p.y);
        if (!Number.isFinite(y)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(X(p.x), y);
        else ctx.moveTo(X(p.x), y);
        pen = true;
      }
      ctx.stroke();
    }
  }
  ctx.restore();
  ctx.globalAlpha = 1;
}

/** A sequential colour for t in [0, 1] between the background and the theme's first series colour. */
export function cellAlpha(v: number, min: number, max: number): number {
  if (!Number.isFinite(v)) return 0;
  return max > min ? 0.08 + 0.92 * ((v - min) / (max - min)) : 0.5;
}

export function drawAttentionGrid(canvas: HTMLCanvasElement, grid: AttentionGrid, title: string, theme: Theme): void {
  const rowH = CELL_MIN_HEIGHT + 2;
  const height = PAD.top + grid.rows.length * rowH + PAD.bottom;
  const { ctx, width } = prepare(canvas, height);
  ctx.font = theme.font;
  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'top';
  ctx.fillText(`${title}: ${formatTick(grid.min)} (pale) … ${formatTick(grid.max)} (strong)`, 4, 4);
  const plotW = width - GRID_LABEL_WIDTH - PAD.right;
  const cellW = plotW / Math.max(1, grid.steps.length);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  grid.rows.forEach((row, r) => {
    const y = PAD.top + r * rowH;
    ctx.fillStyle = theme.muted;
    ctx.fillText(row.label, GRID_LABEL_WIDTH - 6, y + rowH / 2);
    ctx.fillStyle = theme.series[0];
    for (let c = 0; c < grid.steps.length; c++) {
      const a = cellAlpha(grid.values[r * grid.steps.length + c], grid.min, grid.max);
      if (a === 0) continue;
      ctx.globalAlpha = a;
      ctx.fillRect(GRID_LABEL_WIDTH + c * cellW, y, Math.max(1, cellW - 1), rowH - 2);
    }
    ctx.globalAlpha = 1;
  });
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const y = PAD.top + grid.rows.length * rowH + 4;
  const every = Math.max(1, Math.ceil(grid.steps.length / 8));
  grid.steps.forEach((s, c) => {
    if (c % every === 0 || c === grid.steps.length - 1) ctx.fillText(formatTick(s), GRID_LABEL_WIDTH + (c + 0.5) * cellW, y);
  });
}
