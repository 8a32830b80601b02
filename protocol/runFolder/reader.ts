/**
 * Reads run folders (see runFormat.ts) without tfjs: the list of runs with their effective status,
 * checkpoints and samples, and metrics read incrementally (only the bytes appended since the last
 * read) with corrupt lines skipped and reported. The extension's sidebar and charts use this
 * directly, so listing runs never starts the engine.
 *
 * Two files beside the format's own, written by trainRun.ts:
 *   process.json  { pid, hostname, startedAt } while a process trains the run; removed when it ends.
 *                 A run whose status says 'running' but whose process is gone died (killed, crashed):
 *                 it is shown as failed, with that as its error.
 *   data.json     where the examples came from ({ kind: 'task', name } | { kind: 'tsv'|'text', path,
 *                 tokenizer }) and the options the run was started with (`options`: steps, logging
 *                 and checkpoint intervals, ...), so a resume continues it as it was and a duplicate
 *                 repeats it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  METRICS_JSONL,
  RUN_FORMAT,
  SAMPLES_JSONL,
  STATUS_JSON,
  type MetricsRecord,
  type RunConfig,
  type RunStatus,
  type RunStatusFile,
  type SampleRecord,
} from './format';
import type { InputKind } from '../models';

export const PROCESS_JSON = 'process.json';
export const DATA_JSON = 'data.json';

export interface RunProcessFile {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface RunDataFile {
  kind: 'task' | 'tsv' | 'text';
  name?: string;
  path?: string;
  tokenizer?: 'char' | 'word';
  /** What the trained model reads (picks the run's icon without asking the engine). */
  input?: InputKind;
  /** The train options the run was started with (protocol/training.ts TrainOptions). */
  options?: Record<string, unknown>;
}

export interface RunCheckpointInfo {
  step: number;
  /** The checkpoint folder (holds model.json). */
  dir: string;
}

export interface RunSummary {
  id: string;
  dir: string;
  model: string;
  task: string;
  /** The effective status: 'running' only while the training process is alive. */
  status: RunStatus;
  step: number;
  totalSteps?: number;
  lastLoss?: number;
  /** The error of a failed run, or why it stopped. */
  message?: string;
  updatedAt?: string;
  /** pid of the training process while it runs. */
  pid?: number;
  createdAt?: string;
  config?: RunConfig;
  data?: RunDataFile;
  checkpoints: RunCheckpointInfo[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function listCheckpoints(runDir: string): Promise<RunCheckpointInfo[]> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const names = await fs.readdir(root).catch(() => [] as string[]);
  return names
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), dir: path.join(root, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * One run's summary, or undefined when `dir` holds no run. `alive` decides whether a pid still runs
 * (injected by tests).
 */
export async function readRun(dir: string, alive: (pid: number) => boolean = processAlive): Promise<RunSummary | undefined> {
  const config = await readJson<RunConfig>(path.join(dir, CONFIG_JSON));
  if (!config || config.format !== RUN_FORMAT) return undefined;
  const status = await readJson<RunStatusFile>(path.join(dir, STATUS_JSON));
  const proc = await readJson<RunProcessFile>(path.join(dir, PROCESS_JSON));
  const data = await readJson<RunDataFile>(path.join(dir, DATA_JSON));
  const summary: RunSummary = {
    id: path.basename(dir),
    dir,
    model: String(config.model ?? 'unknown'),
    task: String(config.task ?? 'unknown'),
    status: status?.status ?? 'running',
    step: status?.step ?? 0,
    totalSteps: status?.totalSteps ?? (typeof config.training?.steps === 'number' ? config.training.steps : undefined),
    lastLoss: status?.lastLoss,
    message: status?.message,
    updatedAt: status?.updatedAt,
    createdAt: config.createdAt,
    config,
    data,
    checkpoints: await listCheckpoints(dir),
  };
  if (summary.status === 'running') {
    const sameHost = proc && proc.hostname === os.hostname();
    if (proc && sameHost && !alive(proc.pid)) {
      summary.status = 'failed';
      summary.message = `the training process (pid ${proc.pid}) ended without finishing: it was killed or crashed; resume continues from the last checkpoint`;
    } else if (proc) {
      summary.pid = proc.pid;
    }
    // No process.json: written by a trainer that does not go through trainRun; trust its status.
  }
  // status.json is written at start and end; while a run trains (or after it died) its step and
  // loss are those of its last flushed metrics line.
  if (summary.status === 'running' || summary.status === 'failed') {
    const last = await readLastMetrics(dir);
    if (last && last.step >= summary.step) {
      summary.step = last.step;
      summary.lastLoss = last.loss;
    }
  }
  // A checkpoint at step N means N steps were trained (a stopped trainer may log its last step only there).
  const newest = summary.checkpoints.at(-1)?.step ?? 0;
  if (newest > summary.step) summary.step = newest;
  return summary;
}

const TAIL_BYTES = 64 * 1024;

/** The last complete, valid metrics record, read from the file's tail only. */
export async function readLastMetrics(runDir: string): Promise<MetricsRecord | undefined> {
  let handle;
  try {
    handle = await fs.open(path.join(runDir, METRICS_JSONL), 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    lines.pop(); // empty after the last newline, or a half-written line
    for (let i = lines.length - 1; i >= (start > 0 ? 1 : 0); i--) {
      const { records } = parseMetricsLines([lines[i]], 0, '');
      if (records.length) return records[0];
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Records why a run ended when its trainer could not (its process was killed). */
export async function markRunFailed(runDir: string, message: string): Promise<void> {
  const current = await readJson<RunStatusFile>(path.join(runDir, STATUS_JSON));
  if (current && current.status !== 'running') return;
  const last = await readLastMetrics(runDir);
  const status: RunStatusFile = {
    status: 'failed',
    step: Math.max(current?.step ?? 0, last?.step ?? 0),
    totalSteps: current?.totalSteps,
    lastLoss: last?.loss ?? current?.lastLoss,
    updatedAt: new Date().toISOString(),
    message,
  };
  await writeFileAtomic(path.join(runDir, STATUS_JSON), JSON.stringify(status, null, 2));
}

/** Every run directly under `runsRoot`, newest first. A missing folder is no runs. */
export async function listRuns(runsRoot: string, alive: (pid: number) => boolean = processAlive): Promise<RunSummary[]> {
  const names = await fs.readdir(runsRoot).catch(() => [] as string[]);
  const runs = await Promise.all(names.filter((n) => !n.startsWith('.')).map((n) => readRun(path.join(runsRoot, n), alive)));
  return runs
    .filter((r): r is RunSummary => r !== undefined)
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.id.localeCompare(a.id));
}

export async function readSamples(runDir: string, limit = 50): Promise<SampleRecord[]> {
  const text = await fs.readFile(path.join(runDir, SAMPLES_JSONL), 'utf8').catch(() => '');
  const out: SampleRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as SampleRecord);
    } catch {
      // a half-written last line: skipped
    }
  }
  return out.slice(-limit);
}

export interface MetricsChunk {
  /** New records since the last read; all records when `reset`. */
  records: MetricsRecord[];
  /** The file was rewritten (a resume drops lines after its checkpoint): replace, do not append. */
  reset: boolean;
  /** Human-readable warnings for lines that were skipped (1-based line numbers). */
  warnings: string[];
}

/**
 * Follows one metrics.jsonl: each `read()` returns the complete lines appended since the previous
 * one. A half-written last line is left for the next read; a corrupt complete line is skipped with
 * a warning. When the file shrank (rewritten on resume) it starts over and says `reset`.
 */
export class MetricsFollower {
  private offset = 0;
  private line = 0;
  private carry = '';

  constructor(readonly runDir: string) {}

  get file(): string {
    return path.join(this.runDir, METRICS_JSONL);
  }

  async read(): Promise<MetricsChunk> {
    let size = 0;
    try {
      size = (await fs.stat(this.file)).size;
    } catch {
      size = 0;
    }
    let reset = false;
    if (size < this.offset) {
      this.offset = 0;
      this.line = 0;
      this.carry = '';
      reset = true;
    }
    if (size === this.offset) return { records: [], reset, warnings: [] };
    const handle = await fs.open(this.file, 'r');
    let text: string;
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      text = this.carry + buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    const { records, warnings } = parseMetricsLines(lines, this.line, this.file);
    this.line += lines.length;
    return { records, reset, warnings };
  }
}

/** Parses complete metrics lines; `firstLine` is the 0-based number of the first one in the file. */
export function parseMetricsLines(lines: readonly string[], firstLine: number, file: string): { records: MetricsRecord[]; warnings: string[] } {
  const records: MetricsRecord[] = [];
  const warnings: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (typeof r !== 'object' || r === null || typeof r.step !== 'number' || typeof r.loss !== 'number') throw new Error('not a metrics record');
      records.push(r);
    } catch {
      warnings.push(`${file}:${firstLine + i + 1}: skipped a corrupt metrics line (${JSON.stringify(line.slice(0, 60))})`);
    }
  });
  return { records, warnings };
}
