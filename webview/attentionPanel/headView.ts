/**
 * bertviz-style head view: queries on the left, keys on the right, a line per (query, key, head)
 * whose opacity is the weight, one colour per head. Hovering or locking a token shows only its lines.
 */
import { strongLinks } from './attentionMath';
import { fontFor, prepareCanvas, themeColor } from './canvas';
import { headColor } from './colormap';
import type { TokenRef } from './hoverState';

export const HEAD_LAYOUT = { row: 18, labelWidth: 110, linkWidth: 180, font: 12, minWeight: 0.02, maxLinksPerHead: 4000 };

export interface HeadViewGeometry {
  rows: number;
  width: number;
  height: number;
}

export function headViewGeometry(queries: number, keys: number): HeadViewGeometry {
  const L = HEAD_LAYOUT;
  const rows = Math.max(queries, keys);
  return { rows, width: 2 * L.labelWidth + L.linkWidth, height: rows * L.row + 8 };
}

export function drawHeadView(
  canvas: HTMLCanvasElement,
  page: Float32Array,
  shape: readonly number[],
  queryLabels: string[],
  keyLabels: string[],
  enabledHeads: ReadonlySet<number>,
  focus: TokenRef | undefined,
): HeadViewGeometry {
  const [H, Q, K] = shape;
  const L = HEAD_LAYOUT;
  const g = headViewGeometry(Q, K);
  const ctx = prepareCanvas(canvas, g.width, g.height);
  const y = (i: number) => 4 + (i + 0.5) * L.row;
  const x0 = L.labelWidth;
  const x1 = L.labelWidth + L.linkWidth;
  for (let h = 0; h < H; h++) {
    if (!enabledHeads.has(h)) continue;
    ctx.strokeStyle = headColor(h, H);
    const matrix = page.subarray(h * Q * K, (h + 1) * Q * K);
    for (const { q, k, w } of strongLinks(matrix, Q, K, L.minWeight, L.maxLinksPerHead)) {
      if (focus && !(focus.side === 'query' ? focus.index === q : focus.index === k)) continue;
      ctx.globalAlpha = Math.min(1, w);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x0, y(q));
      ctx.lineTo(x1, y(k));
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  ctx.font = fontFor(L.font);
  ctx.textBaseline = 'middle';
  const fg = themeColor('--vscode-foreground', '#888');
  const accent = themeColor('--vscode-focusBorder', '#0af');
  ctx.textAlign = 'right';
  queryLabels.forEach((label, q) => {
    ctx.fillStyle = focus?.side === 'query' && focus.index === q ? accent : fg;
    ctx.fillText(label, x0 - 6, y(q));
  });
  ctx.textAlign = 'left';
  keyLabels.forEach((label, k) => {
    ctx.fillStyle = focus?.side === 'key' && focus.index === k ? accent : fg;
    ctx.fillText(label, x1 + 6, y(k));
  });
  return g;
}

/** The token label under a point, if any. */
export function tokenAt(queries: number, keys: number, x: number, yPx: number): TokenRef | undefined {
  const index = Math.floor((yPx - 4) / HEAD_LAYOUT.row);
  if (index < 0) return undefined;
  if (x < HEAD_LAYOUT.labelWidth && index < queries) return { side: 'query', index };
  if (x > HEAD_LAYOUT.labelWidth + HEAD_LAYOUT.linkWidth && index < keys) return { side: 'key', index };
  return undefined;
}
