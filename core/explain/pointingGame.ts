/**
 * The pointing game (Zhang et al. 2016): a map "hits" when its maximum falls inside the target's
 * box. A map of grid [rows, cols] covers the whole image; cell (r, c)'s point is its centre,
 * ((c + 0.5) * width / cols, (r + 0.5) * height / rows) in pixels. Ties go to the first maximum.
 */
import type { Box } from '../data/scenes/scenes';

export interface MapGrid {
  rows: number;
  cols: number;
}

/** The pixel point a map's maximum names. */
export function mapArgmaxPoint(map: ArrayLike<number>, grid: MapGrid, imageWidth: number, imageHeight: number): { x: number; y: number } {
  if (map.length !== grid.rows * grid.cols) throw new Error(`map has ${map.length} values; expected rows*cols = ${grid.rows}*${grid.cols}`);
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  const r = Math.floor(best / grid.cols);
  const c = best % grid.cols;
  return { x: ((c + 0.5) * imageWidth) / grid.cols, y: ((r + 0.5) * imageHeight) / grid.rows };
}

export function pointingHit(map: ArrayLike<number>, grid: MapGrid, imageSize: number, box: Box): boolean {
  const { x, y } = mapArgmaxPoint(map, grid, imageSize, imageSize);
  return x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
}

/** Share of `boxes` area in the image: the hit rate a uniformly random point would get. */
export function randomPointingRate(boxes: readonly Box[], imageSize: number): number {
  const total = boxes.reduce((n, b) => n + (b.x1 - b.x0) * (b.y1 - b.y0), 0);
  return total / boxes.length / (imageSize * imageSize);
}
