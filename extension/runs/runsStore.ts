/**
 * The runs folder as the host sees it: the list of runs, re-read (debounced) when a file under the
 * folder changes, so runs started from the CLI appear while they train. A slow poll while some run
 * is training catches events a file system may drop.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, type RunSummary } from '../../protocol/runFolder/reader';

export const RUNS_FOLDER_SETTING = 'attentionDebugger.runs.folder';
const DEFAULT_RUNS_FOLDER = '.attention-runs';
const DEBOUNCE_MS = 300;
const MIN_INTERVAL_MS = 1000;
const POLL_MS = 3000;

/** The runs folder: the setting, relative to the first workspace folder unless absolute. */
export function runsFolder(): string | undefined {
  const raw = vscode.workspace.getConfiguration().get<string>(RUNS_FOLDER_SETTING, DEFAULT_RUNS_FOLDER) || DEFAULT_RUNS_FOLDER;
  if (path.isAbsolute(raw)) return raw;
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws ? path.join(ws.uri.fsPath, raw) : undefined;
}

export class RunsStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires after the list was re-read. */
  readonly onDidChange = this.emitter.event;
  /** Fires with the path of a changed file under the runs folder (the charts follow metrics). */
  private readonly fileEmitter = new vscode.EventEmitter<string>();
  readonly onDidChangeFile = this.fileEmitter.event;
  /** Fires with a message when the runs folder cannot be read. */
  private readonly errorEmitter = new vscode.EventEmitter<string>();
  readonly onError = this.errorEmitter.event;
  private runs: RunSummary[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshing: Promise<void> = Promise.resolve();
  private folder: string | undefined;
  private lastRefresh = 0;

  constructor() {
    this.watch();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(RUNS_FOLDER_SETTING)) this.watch();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.watch()),
    );
  }

  get root(): string | undefined {
    return this.folder;
  }

  get all(): readonly RunSummary[] {
    return this.runs;
  }

  find(idOrDir: string): RunSummary | undefined {
    return this.runs.find((r) => r.id === idOrDir || r.dir === idOrDir);
  }

  /** Re-reads the folder now; resolves when the list is current. */
  refresh(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastRefresh = Date.now();
    this.refreshing = this.refreshing.then(async () => {
      const folder = this.folder;
      try {
        this.runs = folder ? await listRuns(folder) : [];
      } catch (err) {
        // An unreadable folder shows no runs; the next change or refresh tries again.
        this.runs = [];
        this.errorEmitter.fire(`Could not read the runs folder ${folder}: ${(err as Error).message}`);
      }
      this.emitter.fire();
      const anyRunning = this.runs.some((r) => r.status === 'running');
      clearTimeout(this.poll);
      if (anyRunning) this.poll = setTimeout(() => void this.refresh(), POLL_MS);
    });
    return this.refreshing;
  }

  /** A refresh soon; a burst of file events makes one, and a steady stream (a training run) one per second at most. */
  scheduleRefresh(): void {
    if (this.timer) return;
    const wait = Math.max(DEBOUNCE_MS, MIN_INTERVAL_MS - (Date.now() - this.lastRefresh));
    this.timer = setTimeout(() => void this.refresh(), wait);
  }

  private watch(): void {
    this.watcher?.dispose();
    this.folder = runsFolder();
    if (this.folder) {
      const ws = vscode.workspace.workspaceFolders?.find((f) => !path.relative(f.uri.fsPath, this.folder as string).startsWith('..'));
      const pattern = ws
        ? new vscode.RelativePattern(ws, `${path.relative(ws.uri.fsPath, this.folder).split(path.sep).join('/')}/**`)
        : new vscode.RelativePattern(vscode.Uri.file(this.folder), '**');
      this.watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const onFile = (uri: vscode.Uri) => {
        this.fileEmitter.fire(uri.fsPath);
        this.scheduleRefresh();
      };
      this.watcher.onDidCreate(onFile);
      this.watcher.onDidChange(onFile);
      this.watcher.onDidDelete(onFile);
    }
    void this.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.poll);
    this.watcher?.dispose();
    this.emitter.dispose();
    this.fileEmitter.dispose();
    this.errorEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
