/**
 * Zoom and pan of the tree drawing (no DOM): a view maps tree coordinates to screen pixels as
 * screen = tree * scale + offset. Wheel zoom keeps the point under the pointer still.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const ZOOM = { min: 0.1, max: 3, step: 1.15 } as const;

export function clampScale(scale: number): number {
  return Math.min(ZOOM.max, Math.max(ZOOM.min, Number.isFinite(scale) ? scale : 1));
}

/** Zooms by `factor` about the screen point (px, py). */
export function zoomAt(view: View, factor: number, px: number, py: number): View {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k };
}

export function panBy(view: View, dx: number, dy: number): View {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** The whole tree in a width x height viewport, never enlarged past 1:1. */
export function fitView(treeWidth: number, treeHeight: number, width: number, height: number): View {
  if (treeWidth <= 0 || treeHeight <= 0 || width <= 0 || height <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = clampScale(Math.min(1, width / treeWidth, height / treeHeight));
  return { scale, x: (width - treeWidth * scale) / 2, y: Math.max(0, (height - treeHeight * scale) / 2) };
}

/** Labels and scores are drawn only when they can be read. */
export function detailLevel(scale: number): 'full' | 'label' | 'shape' {
  return scale >= 0.75 ? 'full' : scale >= 0.35 ? 'label' : 'shape';
}
