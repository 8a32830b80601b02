/**
 * `npm run bench [-- filter]`: runs every case in bench/cases, prints one JSON line per case
 * (name, median and spread over several runs, backend, machine) and writes
 * bench/results/latest.json. Timings belong here, never in tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, spread } from '../core/util/stats';
import type { BenchCase, BenchExtra, BenchResult } from './benchCase';
import { allCases } from './cases';
import { currentBackend } from './cases/backendInfo';

const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} node ${process.versions.node}`;

async function runCase(c: BenchCase): Promise<BenchResult> {
  const state = await c.setup?.();
  try {
    const once = async () => {
      if (c.measure) {
        const m = await c.measure(state);
        return typeof m === 'number' ? { ms: m, extra: undefined } : m;
      }
      const t0 = performance.now();
      const extra = await c.run(state);
      return { ms: performance.now() - t0, extra: extra ?? undefined };
    };
    for (let i = 0; i < (c.warmup ?? 1); i++) await once();
    const times: number[] = [];
    let extra: BenchExtra | undefined;
    for (let i = 0; i < (c.runs ?? 5); i++) {
      const r = await once();
      times.push(r.ms);
      extra = r.extra;
    }
    const m = median(times);
    const s = spread(times);
    return {
      name: c.name,
      unit: 'ms',
      median: round(m),
      min: round(s.min),
      max: round(s.max),
      iqr: round(s.iqr),
      runs: times.length,
      rate: c.work ? { unit: `${c.work.unit}/s`, median: round(c.work.amount / (m / 1000)) } : undefined,
      backend: c.backend?.(state) ?? currentBackend(),
      machine,
      extra,
    };
  } finally {
    await c.teardown?.(state);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const cases = allCases.filter((c) => !filter || c.name.includes(filter));
  const results: BenchResult[] = [];
  for (const c of cases) {
    try {
      const r = await runCase(c);
      results.push(r);
      console.log(JSON.stringify(r));
    } catch (err) {
      console.log(JSON.stringify({ name: c.name, error: (err as Error).message }));
    }
  }
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2));
}

void main();
