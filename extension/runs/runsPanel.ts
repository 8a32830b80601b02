/**
 * The training charts panel: loss, accuracy and learning rate against step for the selected runs,
 * and attention statistics per layer and head over training. The host follows each selected run's
 * metrics.jsonl (only appended bytes are read) and posts the new records; the webview draws.
 * Each load of the page (its 'ready') gets everything again; one that never loads is replaced
 * (PanelWebview).
 */
import * as vscode from 'vscode';
import { MetricsFollower } from '../../protocol/runFolder/reader';
import { hostRunsPanelSide, runsPanelSide, type PanelRun } from '../../protocol/runsPanel';
import { PanelWebview, type PanelPage } from '../panels/panelWebview';
import { chartRecord } from './runsPanelData';
import type { RunsStore } from './runsStore';

export class RunsPanel {
  static readonly viewType = 'attentionDebugger.runsCharts';
  private static current: RunsPanel | undefined;

  private readonly view: PanelWebview<typeof hostRunsPanelSide.requests, typeof hostRunsPanelSide.events, typeof runsPanelSide.requests, typeof runsPanelSide.events>;
  private readonly disposables: vscode.Disposable[] = [];
  /** What the loaded page has read of each selected run's metrics. */
  private readonly followers = new Map<string, MetricsFollower>();
  private selected: string[] = [];
  private pumping: Promise<void> = Promise.resolve();

  static createOrShow(extensionUri: vscode.Uri, store: RunsStore, output: vscode.LogOutputChannel, select?: string[]): RunsPanel {
    let p = RunsPanel.current;
    if (p) p.view.panel.reveal(undefined, true);
    else p = RunsPanel.current = new RunsPanel(extensionUri, store, output);
    if (select?.length) p.select(select);
    return p;
  }

  static registerSerializer(extensionUri: vscode.Uri, store: RunsStore, output: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(RunsPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const p = (RunsPanel.current = new RunsPanel(extensionUri, store, output, panel));
        // The page saved which runs it charted; a run deleted since is dropped when the runs are sent.
        const saved = (state as { selected?: unknown } | undefined)?.selected;
        if (Array.isArray(saved)) p.select(saved.filter((id): id is string => typeof id === 'string'));
      },
    });
  }

  /** A new panel in the active column, or `restored` (a panel VS Code brought back after a reload). */
  private constructor(
    extensionUri: vscode.Uri,
    private readonly store: RunsStore,
    private readonly output: vscode.LogOutputChannel,
    restored?: vscode.WebviewPanel,
  ) {
    const page: PanelPage<typeof hostRunsPanelSide.requests, typeof hostRunsPanelSide.events, typeof runsPanelSide.requests, typeof runsPanelSide.events> = {
      viewType: RunsPanel.viewType,
      bundle: 'runsPanel',
      title: 'Training Charts',
      name: 'runs panel',
      extensionUri,
      output,
      local: hostRunsPanelSide,
      remote: runsPanelSide,
      handle: (rpc) =>
        rpc.handle('runs.select', ({ ids }) => {
          this.select(ids);
          return {};
        }),
      onReady: () => {
        // A (re)loaded page has nothing: send everything again.
        this.followers.clear();
        this.sendRuns();
        this.pump();
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Training Charts', vscode.ViewColumn.Active, false);
    this.disposables.push(
      store.onDidChange(() => {
        this.sendRuns();
        this.pump();
      }),
      store.onDidChangeFile((file) => {
        if (file.endsWith('metrics.jsonl')) this.pump();
      }),
    );
  }

  select(ids: string[]): void {
    this.selected = [...new Set(ids)];
    for (const id of [...this.followers.keys()]) if (!this.selected.includes(id)) this.followers.delete(id);
    this.sendRuns();
    this.pump();
  }

  private sendRuns(): void {
    if (!this.view.isLoaded) return;
    const runs: PanelRun[] = this.store.all.map((r) => ({ id: r.id, model: r.model, task: r.task, status: r.status, step: r.step, totalSteps: r.totalSteps, lastLoss: r.lastLoss }));
    // By default the newest run is shown.
    if (this.selected.length === 0 && runs.length) this.selected = [runs[0].id];
    this.view.notify('runs', { runs, selected: this.selected.filter((id) => runs.some((r) => r.id === id)) });
  }

  /** Reads what each selected run appended since the last read and posts it; one pump at a time. */
  private pump(): void {
    this.pumping = this.pumping.then(async () => {
      if (!this.view.isLoaded) return;
      for (const id of this.selected) {
        const run = this.store.find(id);
        if (!run) continue;
        let f = this.followers.get(id);
        const fresh = !f;
        if (!f) this.followers.set(id, (f = new MetricsFollower(run.dir)));
        try {
          const chunk = await f.read();
          for (const w of chunk.warnings) {
            this.output.warn(w);
            this.view.notify('warning', { message: w });
          }
          if (fresh || chunk.reset || chunk.records.length) this.view.notify('metrics', { id, reset: fresh || chunk.reset, records: chunk.records.map(chartRecord) });
        } catch (err) {
          this.output.warn(`runs panel: could not read the metrics of ${run.dir}: ${(err as Error).message}`);
        }
      }
    });
  }

  private dispose(): void {
    if (RunsPanel.current === this) RunsPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
