/**
 * Heat map of one [queries x keys] matrix with token labels on both axes. Cells are drawn as one
 * ImageData (one pixel per cell) scaled up without smoothing, so a 512 x 512 map draws in one call.
 */
import { prepareCanvas, fontFor, themeColor } from './canvas';
import { viridis } from './colormap';

/** Layout constants (CSS pixels). */
export const MATRIX_LAYOUT = { maxCell: 28, minCell: 1, labelFont: 11, minCellForLabels: 9, maxLabelChars: 12, gap: 4 };

export interface MatrixGeometry {
  left: number;
  top: number;
  cell: number;
  queries: number;
  keys: number;
}

export function matrixGeometry(queries: number, keys: number, availableWidth: number, queryLabels: string[], keyLabels: string[]): MatrixGeometry {
  const L = MATRIX_LAYOUT;
  const longest = (labels: string[]) => Math.min(L.maxLabelChars, Math.max(1, ...labels.map((s) => s.length)));
  const charW = L.labelFont * 0.62;
  const left = Math.ceil(longest(queryLabels) * charW) + 2 * L.gap;
  const top = Math.ceil(longest(keyLabels) * charW) + 2 * L.gap;
  const cell = Math.max(L.minCell, Math.min(L.maxCell, Math.floor((availableWidth - left - L.gap) / Math.max(1, keys))));
  return { left, top, cell, queries, keys };
}

function clip(label: string): string {
  return label.length > MATRIX_LAYOUT.maxLabelChars ? `${label.slice(0, MATRIX_LAYOUT.maxLabelChars - 1)}…` : label;
}

export function drawMatrix(
  canvas: HTMLCanvasElement,
  matrix: Float32Array,
  g: MatrixGeometry,
  queryLabels: string[],
  keyLabels: string[],
  scale: number,
  highlight?: { query?: number; key?: number },
): void {
  const width = g.left + g.keys * g.cell + MATRIX_LAYOUT.gap;
  const height = g.top + g.queries * g.cell + MATRIX_LAYOUT.gap;
  const ctx = prepareCanvas(canvas, width, height);
  const image = new ImageData(g.keys, g.queries);
  for (let i = 0; i < g.queries * g.keys; i++) {
    const [r, gr, b] = viridis(matrix[i] / scale);
    image.data.set([r, gr, b, 255], i * 4);
  }
  const offscreen = document.createElement('canvas');
  offscreen.width = g.keys;
  offscreen.height = g.queries;
  offscreen.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreen, g.left, g.top, g.keys * g.cell, g.queries * g.cell);

  const fg = themeColor('--vscode-foreground', '#888');
  const focusColor = themeColor('--vscode-focusBorder', '#0af');
  if (highlight?.query !== undefined) {
    ctx.strokeStyle = focusColor;
    ctx.lineWidth = 2;
    ctx.strokeRect(g.left - 1, g.top + highlight.query * g.cell - 1, g.keys * g.cell + 2, g.cell + 2);
    if (highlight.key !== undefined) {
      ctx.lineWidth = 3;
      ctx.strokeRect(g.left + highlight.key * g.cell, g.top + highlight.query * g.cell, g.cell, g.cell);
    }
  }
  if (g.cell < MATRIX_LAYOUT.minCellForLabels) return;
  ctx.fillStyle = fg;
  ctx.font = fontFor(MATRIX_LAYOUT.labelFont);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  queryLabels.forEach((label, q) => ctx.fillText(clip(label), g.left - MATRIX_LAYOUT.gap, g.top + (q + 0.5) * g.cell));
  ctx.save();
  ctx.textAlign = 'left';
  keyLabels.forEach((label, k) => {
    ctx.save();
    ctx.translate(g.left + (k + 0.5) * g.cell, g.top - MATRIX_LAYOUT.gap);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(clip(label), 0, 0);
    ctx.restore();
  });
  ctx.restore();
}

/** The cell under a point in CSS pixels relative to the canvas, if any. */
export function cellAt(g: MatrixGeometry, x: number, y: number): { query: number; key: number } | undefined {
  const key = Math.floor((x - g.left) / g.cell);
  const query = Math.floor((y - g.top) / g.cell);
  if (key < 0 || query < 0 || key >= g.keys || query >= g.queries) return undefined;
  return { query, key };
}
