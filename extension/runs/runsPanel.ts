/**
 * The training charts panel: loss, accuracy and learning rate against step for the selected runs,
 * and attention statistics per layer and head over training. The host follows each selected run's
 * metrics.jsonl (only appended bytes are read) and posts the new records; the webview draws.
 */
import * as vscode from 'vscode';
import { MetricsFollower } from '../../core/runs/runReader';
import { RpcEndpoint } from '../../protocol/rpc';
import { hostRunsPanelSide, runsPanelSide, type PanelRun } from '../../protocol/runsPanel';
import { renderWebviewHtml, webviewOptions } from '../panels/webviewHtml';
import { webviewTransport } from '../panels/webviewTransport';
import { chartRecord } from './runsPanelData';
import type { RunsStore } from './runsStore';

type Endpoint = RpcEndpoint<typeof hostRunsPanelSide.requests, typeof hostRunsPanelSide.events, typeof runsPanelSide.requests, typeof runsPanelSide.events>;

export class RunsPanel {
  static readonly viewType = 'attentionDebugger.runsCharts';
  private static current: RunsPanel | undefined;

  private readonly rpc: Endpoint;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly followers = new Map<string, MetricsFollower>();
  private selected: string[] = [];
  private ready = false;
  private pumping: Promise<void> = Promise.resolve();

  static createOrShow(extensionUri: vscode.Uri, store: RunsStore, output: vscode.LogOutputChannel, select?: string[]): RunsPanel {
    let p = RunsPanel.current;
    if (p) p.panel.reveal(undefined, true);
    else {
      const panel = vscode.window.createWebviewPanel(RunsPanel.viewType, 'Training Charts', { viewColumn: vscode.ViewColumn.Active }, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
      p = RunsPanel.current = new RunsPanel(panel, extensionUri, store, output);
    }
    if (select?.length) p.select(select);
    return p;
  }

  static registerSerializer(extensionUri: vscode.Uri, store: RunsStore, output: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(RunsPanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = webviewOptions(extensionUri);
        RunsPanel.current = new RunsPanel(panel, extensionUri, store, output);
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly store: RunsStore,
    private readonly output: vscode.LogOutputChannel,
  ) {
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, 'runsPanel', 'Training Charts');
    this.rpc = new RpcEndpoint(webviewTransport(panel.webview), hostRunsPanelSide, runsPanelSide, (m) => output.warn(`runs panel: ${m}`));
    this.rpc.on('ready', () => {
      this.ready = true;
      // A (re)loaded page has nothing: send everything again.
      this.followers.clear();
      this.sendRuns();
      this.pump();
    });
    this.rpc.handle('runs.select', ({ ids }) => {
      this.select(ids);
      return {};
    });
    this.disposables.push(
      store.onDidChange(() => {
        this.sendRuns();
        this.pump();
      }),
      store.onDidChangeFile((file) => {
        if (file.endsWith('metrics.jsonl')) this.pump();
      }),
    );
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  select(ids: string[]): void {
    this.selected = [...new Set(ids)];
    for (const id of [...this.followers.keys()]) if (!this.selected.includes(id)) this.followers.delete(id);
    this.sendRuns();
    this.pump();
  }

  private sendRuns(): void {
    if (!this.ready) return;
    const runs: PanelRun[] = this.store.all.map((r) => ({ id: r.id, model: r.model, task: r.task, status: r.status, step: r.step, totalSteps: r.totalSteps, lastLoss: r.lastLoss }));
    // By default the newest run is shown.
    if (this.selected.length === 0 && runs.length) this.selected = [runs[0].id];
    this.rpc.notify('runs', { runs, selected: this.selected.filter((id) => runs.some((r) => r.id === id)) });
  }

  /** Reads what each selected run appended since the last read and posts it; one pump at a time. */
  private pump(): void {
    this.pumping = this.pumping.then(async () => {
      if (!this.ready) return;
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
            this.rpc.notify('warning', { message: w });
          }
          if (fresh || chunk.reset || chunk.records.length) this.rpc.notify('metrics', { id, reset: fresh || chunk.reset, records: chunk.records.map(chartRecord) });
        } catch (err) {
          this.output.warn(`runs panel: could not read the metrics of ${run.dir}: ${(err as Error).message}`);
        }
      }
    });
  }

  private dispose(): void {
    if (RunsPanel.current === this) RunsPanel.current = undefined;
    this.rpc.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
