/**
 * Writes one training run in the shared run format (see runFormat.ts): metrics appended and flushed
 * every few records, checkpoints and status written atomically, and a resume that continues the
 * step count without duplicated metrics lines.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import { writeFileAtomic } from '../../protocol/runFolder/atomicWrite';
import { latestCheckpoint } from '../checkpoint/runCheckpoints';
import {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  METRICS_JSONL,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  SAMPLES_JSONL,
  STATUS_JSON,
  checkpointDirName,
  type MetricsRecord,
  type RunConfig,
  type RunStatus,
  type RunStatusFile,
  type SampleRecord,
} from '../../protocol/runFolder/format';

export interface RunWriterArgs {
  /** Flush metrics after this many records (default 5). */
  flushEvery?: number;
  /** Checkpoints kept besides the newest (default 2; older ones are deleted). */
  keepCheckpoints?: number;
}

export interface ReadMetricsResult {
  records: MetricsRecord[];
  /** 1-based line numbers of lines that were not valid JSON records (e.g. half-written). */
  skippedLines: number[];
}

/** Reads metrics.jsonl, skipping (and reporting) corrupt lines. */
export async function readMetrics(runDir: string): Promise<ReadMetricsResult> {
  let text = '';
  try {
    text = await fs.readFile(path.join(runDir, METRICS_JSONL), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const records: MetricsRecord[] = [];
  const skippedLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (typeof r.step !== 'number') throw new Error('no step');
      records.push(r);
    } catch {
      skippedLines.push(i + 1);
    }
  });
  return { records, skippedLines };
}

export class RunWriter {
  private pending: string[] = [];
  private readonly flushEvery: number;
  private readonly keep: number;
  private lastLoss: number | undefined;
  private step = 0;

  private constructor(
    readonly dir: string,
    readonly config: RunConfig,
    args: RunWriterArgs,
  ) {
    this.flushEvery = args.flushEvery ?? 5;
    this.keep = args.keepCheckpoints ?? 2;
  }

  /** Creates a new run folder (refuses one that already holds a run). */
  static async create(dir: string, config: Omit<RunConfig, 'format' | 'version' | 'id' | 'createdAt'>, args: RunWriterArgs = {}): Promise<RunWriter> {
    const exists = await fs.stat(path.join(dir, CONFIG_JSON)).catch(() => undefined);
    if (exists) throw new RpcError('bad-request', `${dir} already holds a run; choose another folder or resume it`);
    await fs.mkdir(path.join(dir, CHECKPOINTS_DIR), { recursive: true });
    const full: RunConfig = { format: RUN_FORMAT, version: RUN_FORMAT_VERSION, id: path.basename(path.resolve(dir)), createdAt: new Date().toISOString(), ...config };
    await writeFileAtomic(path.join(dir, CONFIG_JSON), JSON.stringify(full, null, 2));
    const w = new RunWriter(dir, full, args);
    await w.setStatus('running');
    return w;
  }

  /**
   * Opens an existing run to continue it from its newest good checkpoint. Metrics after that
   * checkpoint's step are dropped (they will be recomputed), so no step appears twice.
   */
  static async resume(dir: string, args: RunWriterArgs = {}): Promise<{ writer: RunWriter; checkpoint: { dir: string; step: number } | undefined; skippedLines: number[] }> {
    let config: RunConfig;
    try {
      config = JSON.parse(await fs.readFile(path.join(dir, CONFIG_JSON), 'utf8')) as RunConfig;
    } catch (err) {
      throw new RpcError('not-found', `${dir}: no readable ${CONFIG_JSON} (${(err as Error).message})`);
    }
    if (config.format !== RUN_FORMAT) throw new RpcError('bad-request', `${dir}: ${CONFIG_JSON} is not an attention-debugger run`);
    const checkpoint = await latestCheckpoint(dir);
    const upTo = checkpoint?.step ?? 0;
    const { records, skippedLines } = await readMetrics(dir);
    const kept = records.filter((r) => r.step <= upTo);
    await writeFileAtomic(path.join(dir, METRICS_JSONL), kept.map((r) => JSON.stringify(r) + '\n').join(''));
    const w = new RunWriter(dir, config, args);
    w.step = upTo;
    w.lastLoss = kept.at(-1)?.loss;
    await w.setStatus('running');
    return { writer: w, checkpoint, skippedLines };
  }

  async appendMetrics(record: MetricsRecord): Promise<void> {
    this.pending.push(JSON.stringify(record));
    this.step = record.step;
    this.lastLoss = record.loss;
    if (this.pending.length >= this.flushEvery) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.map((l) => l + '\n').join('');
    this.pending = [];
    await fs.appendFile(path.join(this.dir, METRICS_JSONL), text);
  }

  async appendSamples(samples: readonly SampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    await fs.appendFile(path.join(this.dir, SAMPLES_JSONL), samples.map((s) => JSON.stringify(s) + '\n').join(''));
  }

  /** Where the checkpoint for `step` goes; call `checkpointWritten` after writing it there. */
  checkpointDir(step: number): string {
    return path.join(this.dir, CHECKPOINTS_DIR, checkpointDirName(step));
  }

  /** Flushes metrics up to the checkpoint and deletes checkpoints beyond the ones kept. */
  async checkpointWritten(step: number): Promise<void> {
    await this.flush();
    const root = path.join(this.dir, CHECKPOINTS_DIR);
    const names = (await fs.readdir(root)).filter((n) => /^step-\d+$/.test(n)).sort();
    const newest = checkpointDirName(step);
    const old = names.filter((n) => n < newest);
    for (const n of old.slice(0, Math.max(0, old.length - this.keep))) await fs.rm(path.join(root, n), { recursive: true, force: true });
  }

  async setStatus(status: RunStatus, extra: { totalSteps?: number; message?: string; step?: number } = {}): Promise<void> {
    if (extra.step !== undefined) this.step = extra.step;
    const s: RunStatusFile = { status, step: this.step, lastLoss: this.lastLoss, updatedAt: new Date().toISOString(), ...extra };
    await writeFileAtomic(path.join(this.dir, STATUS_JSON), JSON.stringify(s, null, 2));
  }

  /** Flushes and records the final status. */
  async close(status: RunStatus, extra: { totalSteps?: number; message?: string } = {}): Promise<void> {
    await this.flush();
    await this.setStatus(status, extra);
  }
}
