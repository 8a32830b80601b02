/**
 * The runs sidebar's shape, as plain data (no vscode), so it is unit-tested apart from the view:
 * runs grouped by model and task, each with its status, step and last loss; a run's children are
 * its checkpoints and samples.
 */
import type { RunSummary } from '../../protocol/runFolder/reader';
import type { SampleRecord } from '../../protocol/runFolder/format';
import type { InputKind } from '../../protocol/models';

export type RunsNode =
  | { kind: 'group'; id: string; model: string; task: string; runs: RunSummary[]; running: number }
  | { kind: 'run'; id: string; run: RunSummary }
  | { kind: 'folder'; id: string; run: RunSummary; folder: 'checkpoints' | 'samples' }
  | { kind: 'checkpoint'; id: string; run: RunSummary; step: number; dir: string }
  | { kind: 'sample'; id: string; run: RunSummary; sample: SampleRecord; index: number };

/** Groups runs by "model · task", groups sorted by name, runs newest first (as listRuns gives them). */
export function groupRuns(runs: readonly RunSummary[]): Extract<RunsNode, { kind: 'group' }>[] {
  const groups = new Map<string, Extract<RunsNode, { kind: 'group' }>>();
  for (const run of runs) {
    const key = `${run.model}\u0000${run.task}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: 'group', id: `group:${run.model}:${run.task}`, model: run.model, task: run.task, runs: [], running: 0 }));
    g.runs.push(run);
    if (run.status === 'running') g.running++;
  }
  return [...groups.values()].sort((a, b) => a.model.localeCompare(b.model) || a.task.localeCompare(b.task));
}

export function runChildren(run: RunSummary, hasSamples: boolean): RunsNode[] {
  const out: RunsNode[] = [];
  if (run.checkpoints.length) out.push({ kind: 'folder', id: `${run.dir}#checkpoints`, run, folder: 'checkpoints' });
  if (hasSamples) out.push({ kind: 'folder', id: `${run.dir}#samples`, run, folder: 'samples' });
  return out;
}

export function checkpointNodes(run: RunSummary): RunsNode[] {
  return [...run.checkpoints]
    .sort((a, b) => b.step - a.step)
    .map((c) => ({ kind: 'checkpoint' as const, id: c.dir, run, step: c.step, dir: c.dir }));
}

/** The newest evaluation step's samples first. */
export function sampleNodes(run: RunSummary, samples: readonly SampleRecord[]): RunsNode[] {
  const newestStep = samples.reduce((m, s) => Math.max(m, s.step), -Infinity);
  return samples
    .map((sample, index) => ({ sample, index }))
    .filter(({ sample }) => sample.step === newestStep)
    .map(({ sample, index }) => ({ kind: 'sample' as const, id: `${run.dir}#sample${index}`, run, sample, index }));
}

export function formatLoss(loss: number | undefined): string {
  if (loss === undefined || !Number.isFinite(loss)) return '–';
  return loss >= 100 ? loss.toFixed(0) : loss >= 1 ? loss.toFixed(3) : loss.toPrecision(3);
}

/** "running · step 120/400 · loss 2.134" */
export function runDescription(run: RunSummary): string {
  const step = run.totalSteps ? `step ${run.step}/${run.totalSteps}` : `step ${run.step}`;
  return `${run.status} · ${step} · loss ${formatLoss(run.lastLoss)}`;
}

export const STATUS_ICONS: Record<RunSummary['status'], { icon: string; color?: string }> = {
  running: { icon: 'sync~spin', color: 'charts.blue' },
  finished: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  stopped: { icon: 'debug-stop', color: 'charts.yellow' },
};

/** The codicon of a run group, by what its model reads (data.json says); a run that does not say
 * (an older one) gets a neutral icon, not a wrong one. */
export function modelIcon(input: InputKind | undefined): string {
  return input === 'text' || input === 'text-pair' ? 'symbol-text' : input === 'image' ? 'file-media' : 'symbol-misc';
}

/** The context value menus key on: "run.<status>" plus ".resumable" when a checkpoint exists. */
export function runContextValue(run: RunSummary): string {
  const resumable = run.status !== 'running' && run.status !== 'finished' && run.checkpoints.length > 0;
  return `run.${run.status}${resumable ? '.resumable' : ''}`;
}

export function groupLabel(g: Extract<RunsNode, { kind: 'group' }>): { label: string; description: string } {
  const running = g.running ? `, ${g.running} running` : '';
  return { label: `${g.model} · ${g.task}`, description: `${g.runs.length} run${g.runs.length === 1 ? '' : 's'}${running}` };
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';

/** A run folder name for a new run: model, task and time, safe in any file system. */
export function newRunId(model: string, task: string, now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${safeName(model)}-${safeName(task)}-${t}`;
}

/** The run's label under its "model · task" group: the id without the model-task prefix that group already says. */
export function runLabel(run: Pick<RunSummary, 'id' | 'model' | 'task'>): string {
  const prefix = `${safeName(run.model)}-${safeName(run.task)}-`;
  return run.id.startsWith(prefix) && run.id.length > prefix.length ? run.id.slice(prefix.length) : run.id;
}

/** ETA as "1m05s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
