/**
 * What a benchmark case is. Each file under bench/cases/ exports a list of cases; runBenchmarks.ts
 * runs them all (or those matching a filter) and reports medians over several runs.
 */
export interface BenchCase {
  /** Unique, stable name: results are compared across commits by it. */
  name: string;
  /** Timed repetitions (default 5). */
  runs?: number;
  /** Untimed warm-up repetitions (default 1). */
  warmup?: number;
  /** Set-up outside the timing; its result is passed to `run`. */
  setup?: () => Promise<unknown> | unknown;
  /** One timed repetition. Return extra figures to report beside the time. */
  run: (state: unknown) => Promise<BenchExtra | void> | BenchExtra | void;
  /** The value reported instead of elapsed ms when the case measures something else (e.g. time to
   * first frame inside a browser); return milliseconds, or milliseconds with extra figures. */
  measure?: (state: unknown) => Promise<number | { ms: number; extra?: BenchExtra }>;
  teardown?: (state: unknown) => Promise<void> | void;
  /** The backend the case ran on, when not the in-process tfjs backend (e.g. the engine process's). */
  backend?: (state: unknown) => string;
  /** Work per run, for a rate: e.g. { unit: 'GFLOP', amount: 2 * n ** 3 / 1e9 }. */
  work?: { unit: string; amount: number };
}

export interface BenchExtra {
  [key: string]: number | string;
}

export interface BenchResult {
  name: string;
  unit: 'ms';
  median: number;
  min: number;
  max: number;
  iqr: number;
  runs: number;
  rate?: { unit: string; median: number };
  backend: string;
  machine: string;
  extra?: BenchExtra;
}
