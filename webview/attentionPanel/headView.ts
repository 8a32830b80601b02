/**
 * bertviz-style head view: queries on the left, keys on the right, a line per (query, key, head)
 * whose opacity is the weight, one colour per head. Hovering or locking a token shows only its lines.
 */
import { strongLinks } from '../common/attentionMath';
import { fontFor, prepareCanvas, themeColor } from '../common/canvas';
import { headColor } from '../common/colormap';
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

/** The lines worth drawing for each head of one layer page: computed once per page, reused by
 * every redraw (head toggles and hovering only filter them). */
export function linksPerHead(page: Float32Array, shape: readonly number[]): HeadLinks[] {
  const [H, Q, K] = shape;
  return Array.from({ length: H }, (_, h) => strongLinks(page.subarray(h * Q * K, (h + 1) * Q * K), Q, K, HEAD_LAYOUT.minWeight, HEAD_LAYOUT.maxLinksPerHead));
}

export type HeadLinks = { q: number; k: number; w: number }[];

/** Opacity levels: lines are stroked in one path per (head, level), not one call per line, which
 * keeps a 512-token, 12-head redraw to ~100 canvas stroke calls. */
const ALPHA_LEVELS = 8;

export function drawHeadView(
  canvas: HTMLCanvasElement,
  links: HeadLinks[],
  queryLabels: string[],
  keyLabels: string[],
  enabledHeads: ReadonlySet<number>,
  focus: TokenRef | undefined,
): HeadViewGeometry {
  const L = HEAD_LAYOUT;
  const g = headViewGeometry(queryLabels.length, keyLabels.length);
  const ctx = prepareCanvas(canvas, g.width, g.height);
  const y = (i: number) => 4 + (i + 0.5) * L.row;
  const x0 = L.labelWidth;
  const x1 = L.labelWidth + L.linkWidth;
  ctx.lineWidth = 2;
  links.forEach((headLinks, h) => {
    if (!enabledHeads.has(h)) return;
    ctx.strokeStyle = headColor(h, links.length);
    const paths = Array.from({ length: ALPHA_LEVELS }, () => new Path2D());
    for (const { q, k, w } of headLinks) {
      if (focus && !(focus.side === 'query' ? focus.index === q : focus.index === k)) continue;
      const level = Math.min(ALPHA_LEVELS - 1, Math.floor(Math.min(1, w) * ALPHA_LEVELS));
      paths[level].moveTo(x0, y(q));
      paths[level].lineTo(x1, y(k));
    }
    paths.forEach((path, level) => {
      ctx.globalAlpha = (level + 1) / ALPHA_LEVELS;
      ctx.stroke(path);
    });
  });
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
