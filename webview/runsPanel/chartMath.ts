/**
 * Pure data-to-geometry functions of the training charts (no DOM), unit-tested apart from drawing:
 * smoothing, axis ranges and ticks (linear and log), and the attention-statistics grid.
 */
import type { ChartRecord } from '../../protocol/runsPanel';

export interface Point {
  x: number;
  y: number;
}

export type MetricName = 'loss' | 'accuracy' | 'learningRate';

/** The finite points of one metric, in step order. */
export function metricPoints(records: readonly ChartRecord[], metric: MetricName): Point[] {
  const out: Point[] = [];
  for (const r of records) {
    const y = r[metric];
    if (typeof y === 'number' && Number.isFinite(y)) out.push({ x: r.step, y });
  }
  return out.sort((a, b) => a.x - b.x);
}

/**
 * Exponential moving average with bias correction (as TensorBoard): weight 0 returns the points,
 * weight near 1 a heavily smoothed curve whose first values are not pulled towards zero.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return points.slice();
  let last = 0;
  let wPower = 1; // w^(i+1) after the update
  return points.map((p) => {
    last = last * w + (1 - w) * p.y;
    wPower *= w;
    return { x: p.x, y: last / (1 - wPower) };
  });
}

export interface Range {
  min: number;
  max: number;
}

/** The range of several series; a flat or empty range is widened so that a line can be drawn. */
export function extent(series: readonly (readonly Point[])[], axis: 'x' | 'y', log = false): Range | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const p of s) {
      const v = p[axis];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === Infinity) return undefined;
  if (min === max) {
    if (log) return { min: min / 2, max: max * 2 };
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return { min: min - pad, max: max + pad };
  }
  return { min, max };
}

/** Maps a value in range to [0, 1] (log10 when `log`; values <= 0 on a log scale map to NaN). */
export function normalise(v: number, r: Range, log = false): number {
  if (log) {
    if (v <= 0 || r.min <= 0) return NaN;
    return (Math.log10(v) - Math.log10(r.min)) / (Math.log10(r.max) - Math.log10(r.min));
  }
  return (v - r.min) / (r.max - r.min);
}

/** About `count` round tick values inside the range: 1, 2 or 5 times a power of ten apart; decades on a log scale. */
export function ticks(r: Range, count = 5, log = false): number[] {
  if (log && r.min > 0) {
    const lo = Math.floor(Math.log10(r.min));
    const hi = Math.ceil(Math.log10(r.max));
    const step = Math.max(1, Math.ceil((hi - lo) / count));
    const out: number[] = [];
    for (let e = lo; e <= hi; e += step) {
      const v = 10 ** e;
      if (v >= r.min * (1 - 1e-9) && v <= r.max * (1 + 1e-9)) out.push(v);
    }
    return out.length ? out : [r.min, r.max];
  }
  const span = r.max - r.min;
  if (!(span > 0)) return [r.min];
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(r.min / step) * step; v <= r.max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  if (a >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

export type AttentionMeasure = 'entropy' | 'firstShare';

export interface AttentionGrid {
  /** One row per (kind, layer, head), sorted. */
  rows: { kind: string; layer: number; head: number; label: string }[];
  /** Evaluation steps, ascending. */
  steps: number[];
  /** values[row * steps.length + col]; NaN where a step did not log that head. */
  values: Float32Array;
  min: number;
  max: number;
}

/** Attention statistics over training as a rows = heads x columns = evaluation steps grid. */
export function attentionGrid(records: readonly ChartRecord[], measure: AttentionMeasure): AttentionGrid | undefined {
  const withStats = records.filter((r) => r.attention?.length).sort((a, b) => a.step - b.step);
  if (withStats.length === 0) return undefined;
  const keyOf = (a: { kind: string; layer: number; head: number }) => `${a.kind}\u0000${a.layer}\u0000${a.head}`;
  const rowMap = new Map<string, { kind: string; layer: number; head: number; label: string }>();
  for (const r of withStats) for (const a of r.attention ?? []) if (!rowMap.has(keyOf(a))) rowMap.set(keyOf(a), { kind: a.kind, layer: a.layer, head: a.head, label: `${a.kind} L${a.layer} H${a.head}` });
  const rows = [...rowMap.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.layer - b.layer || a.head - b.head);
  const index = new Map(rows.map((r, i) => [keyOf(r), i]));
  const steps = [...new Set(withStats.map((r) => r.step))];
  const col = new Map(steps.map((s, i) => [s, i]));
  const values = new Float32Array(rows.length * steps.length).fill(NaN);
  let min = Infinity;
  let max = -Infinity;
  for (const r of withStats) {
    for (const a of r.attention ?? []) {
      const v = a[measure];
      if (!Number.isFinite(v)) continue;
      values[(index.get(keyOf(a)) as number) * steps.length + (col.get(r.step) as number)] = v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min === Infinity) return undefined;
  return { rows, steps, values, min, max };
}

/** Appends new records to a run's series, dropping any with a step already present (a resumed run re-logs nothing twice). */
export function mergeRecords(existing: readonly ChartRecord[], incoming: readonly ChartRecord[]): ChartRecord[] {
  const byStep = new Map(existing.map((r) => [r.step, r]));
  for (const r of incoming) byStep.set(r.step, r);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
