/**
 * The checkpoint the user is working with: set by "Open Checkpoint", by clicking a checkpoint in
 * the runs sidebar, or defaulted to a demo. Panels and hovers follow it through `onDidChange`.
 * Remembered per workspace.
 */
import * as vscode from 'vscode';

export interface ActiveModelInfo {
  /** A model.json path, a checkpoint folder, or `demo:<name>`. */
  spec: string;
  /** Short name for the status bar. */
  label: string;
}

const STATE_KEY = 'attentionDebugger.activeModel';

export class ActiveModel implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ActiveModelInfo | undefined>();
  readonly onDidChange = this.emitter.event;
  private current: ActiveModelInfo | undefined;

  constructor(private readonly memento: vscode.Memento) {
    this.current = memento.get<ActiveModelInfo>(STATE_KEY);
    this.updateContext();
  }

  get value(): ActiveModelInfo | undefined {
    return this.current;
  }

  async set(info: ActiveModelInfo | undefined): Promise<void> {
    this.current = info;
    await this.memento.update(STATE_KEY, info);
    this.updateContext();
    this.emitter.fire(info);
  }

  /** `attentionDebugger.hasModel` for menus' when clauses. */
  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'attentionDebugger.hasModel', this.current !== undefined);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
