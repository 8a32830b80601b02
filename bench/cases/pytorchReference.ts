/**
 * The PyTorch side of the parity cases: `shared/anchors/pytorch-parity/run.sh` (Debian's
 * python3-torch, one thread, OpenBLAS), run on this machine so that a ratio compares two timings
 * taken minutes apart on the same CPU, never against a figure from another machine.
 *
 * The script lives beside the checkouts, not in them: `../shared/anchors/...` from the main
 * checkout, and further up from a worktree. It is looked for in every folder above the repository
 * (or taken from PARITY_PYTORCH_SCRIPT), and a missing one is an error that lists where it looked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.join('shared', 'anchors', 'pytorch-parity', 'run.sh');

export interface TorchTiming {
  /** Median ms over the script's timed iterations. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The 1-minute load average at its end, and the cores other processes used while it timed. */
  load1: number;
  otherCores: number;
  impl: string;
}

/** The folders the script is looked for in: every one above `from` (the bundle's folder). */
function candidates(from: string): string[] {
  const out: string[] = [];
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) out.push(path.join(path.dirname(dir), SCRIPT));
  return out;
}

/** The reference script's path; throws naming every place it was looked for. */
export function findTorchScript(from = __dirname): string {
  const given = process.env.PARITY_PYTORCH_SCRIPT;
  if (given) {
    if (!existsSync(given)) throw new Error(`PARITY_PYTORCH_SCRIPT=${given}: no such file`);
    return given;
  }
  const tried = candidates(from);
  const found = tried.find((p) => existsSync(p));
  if (!found) throw new Error(`PyTorch reference missing: no ${SCRIPT} in any folder above ${from} (looked for ${tried.join(', ')}); set PARITY_PYTORCH_SCRIPT`);
  return found;
}

/** Runs the reference for one case ('A'..'D'), single-threaded, and reads its JSON line. */
export function runTorchCase(task: string, script = findTorchScript()): TorchTiming {
  const r = spawnSync('bash', [script, task], { encoding: 'utf8', env: { ...process.env, THREADS: '1' }, maxBuffer: 1 << 20 });
  const where = `${script} ${task}`;
  if (r.error) throw new Error(`${where}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${where} exited with ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${where} printed no JSON line (stdout: ${r.stdout.slice(0, 200)})`);
  const j = JSON.parse(line) as Record<string, unknown>;
  const num = (k: string): number => {
    const v = j[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: field ${k} is ${JSON.stringify(v)}, not a number`);
    return v;
  };
  return { medianMs: num('median_ms'), minMs: num('min_ms'), maxMs: num('max_ms'), load1: num('load1'), otherCores: num('other_cores'), impl: String(j.impl) };
}

/** The CPU's model name from /proc/cpuinfo (os.cpus() elsewhere). */
export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux: os.cpus() below
  }
  return os.cpus()[0]?.model ?? 'unknown cpu';
}

/** System-wide busy CPU seconds so far (/proc/stat), to tell how much other processes ran; undefined off Linux. */
export function busySeconds(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return (total - f[3] - f[4]) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
