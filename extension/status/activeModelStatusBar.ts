/** Shows the active model in the status bar; click to open another checkpoint. */
import * as vscode from 'vscode';
import type { ActiveModel, ActiveModelInfo } from '../model/activeModel';
import { OPEN_CHECKPOINT_COMMAND } from '../model/openCheckpoint';

export function createActiveModelStatusBar(activeModel: ActiveModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('attentionDebugger.activeModel', vscode.StatusBarAlignment.Right, 99);
  item.name = 'Attention Model';
  item.command = OPEN_CHECKPOINT_COMMAND;
  const render = (info: ActiveModelInfo | undefined) => {
    item.text = info ? `$(symbol-structure) ${info.label}` : '$(symbol-structure) No model';
    item.tooltip = info ? `Active attention model: ${info.spec}\nClick to open another checkpoint.` : 'No active attention model. Click to open a checkpoint or a demo.';
  };
  render(activeModel.value);
  const sub = activeModel.onDidChange(render);
  item.show();
  return vscode.Disposable.from(sub, item);
}
