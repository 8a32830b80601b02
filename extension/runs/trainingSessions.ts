/**
 * The trainings this window started in the engine: each under a cancellable progress notification
 * (step, loss, ETA), the newest one in the status bar. When the engine dies mid-run, the run's
 * status is set to failed with the engine's error (the trainer could not write it).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { markRunFailed } from '../../protocol/runFolder/reader';
import { RpcError, type Progress } from '../../protocol/rpc';
import type { TrainOutcome, TrainStartParams } from '../../protocol/training';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { withEngineProgress } from '../engine/withEngineProgress';
import { formatDuration, formatLoss } from './runsTreeModel';

export const SHOW_RUNS_COMMAND = 'attentionDebugger.runs.focus';

interface Session {
  runDir: string;
  progress?: Progress;
}

export function progressText(p: Progress | undefined): string {
  if (!p || p.step === undefined) return 'starting…';
  const m = p.metrics ?? {};
  const total = p.total ? `/${p.total}` : '';
  const eta = m.etaSeconds !== undefined ? `, ETA ${formatDuration(m.etaSeconds)}` : '';
  return `step ${p.step}${total}, loss ${formatLoss(m.loss)}${eta}`;
}

export class TrainingSessions implements vscode.Disposable {
  private readonly sessions = new Map<string, Session>();
  private readonly item: vscode.StatusBarItem;
  private newest: string | undefined;

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly output: vscode.LogOutputChannel,
    private readonly onChange: () => void,
  ) {
    this.item = vscode.window.createStatusBarItem('attentionDebugger.training', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Attention Training';
    this.item.command = SHOW_RUNS_COMMAND;
  }

  isTraining(runDir: string): boolean {
    return this.sessions.has(path.resolve(runDir));
  }

  /** Trains under a progress notification; resolves with the outcome (undefined when cancelled or failed). */
  async train(params: TrainStartParams, title: string): Promise<TrainOutcome | undefined> {
    const runDir = path.resolve(params.runDir);
    const session: Session = { runDir };
    this.sessions.set(runDir, session);
    this.newest = runDir;
    this.render();
    this.onChange();
    try {
      const outcome = await withEngineProgress(title, this.output, ({ signal, onProgress }) =>
        this.engine.request('train.start', { ...params, runDir }, {
          signal,
          onProgress: (p) => {
            session.progress = p;
            onProgress({ ...p, message: progressText(p) });
            this.render();
          },
        }),
      );
      if (outcome) {
        const how = outcome.status === 'finished' ? 'finished' : outcome.status === 'stopped' ? 'stopped' : 'failed';
        const text = `Training ${path.basename(runDir)} ${how} at step ${outcome.step}${outcome.finalLoss !== undefined ? `, loss ${formatLoss(outcome.finalLoss)}` : ''}.`;
        if (outcome.status === 'failed') void vscode.window.showErrorMessage(`${text} ${outcome.message ?? ''}`);
        else void vscode.window.showInformationMessage(text);
      }
      return outcome;
    } catch (err) {
      const e = RpcError.from(err);
      if (e.code === 'channel-closed') await markRunFailed(runDir, e.message).catch(() => undefined);
      return undefined;
    } finally {
      this.sessions.delete(runDir);
      if (this.newest === runDir) this.newest = [...this.sessions.keys()].at(-1);
      this.render();
      this.onChange();
    }
  }

  /** Stops a run this engine trains; resolves once its checkpoint and status are written. */
  async stop(runDir: string): Promise<boolean> {
    const r = await this.engine.request('train.stop', { runDir: path.resolve(runDir) });
    return r.running;
  }

  private render(): void {
    const s = this.newest ? this.sessions.get(this.newest) : undefined;
    if (!s) {
      this.item.hide();
      return;
    }
    const more = this.sessions.size > 1 ? ` (+${this.sessions.size - 1})` : '';
    this.item.text = `$(beaker~spin) ${path.basename(s.runDir)}: ${progressText(s.progress)}${more}`;
    this.item.tooltip = `Training ${s.runDir}\nClick to show the training runs.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
