/** "Inspect Checkpoint": reads a model.json + weights.bin in the engine and shows its weights. */
import * as vscode from 'vscode';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { withEngineProgress } from '../engine/withEngineProgress';
import { EnginePanel } from '../panels/enginePanel';

export const INSPECT_CHECKPOINT_COMMAND = 'attentionDebugger.inspectCheckpoint';

export function registerInspectCheckpoint(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(INSPECT_CHECKPOINT_COMMAND, async (uri?: vscode.Uri) => {
    uri ??= (
      await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'TensorFlow.js checkpoint (model.json)': ['json'] },
        openLabel: 'Inspect Checkpoint',
      })
    )?.[0];
    if (!uri) return;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Checkpoints must be local files; ${uri.toString()} is not.`);
      return;
    }
    const path = uri.fsPath;
    try {
      const summary = await withEngineProgress(`Reading checkpoint ${vscode.workspace.asRelativePath(uri)}`, output, (o) =>
        engine.request('checkpoint.inspect', { path }, o),
      );
      if (summary) EnginePanel.showCheckpoint(extensionUri, engine, output, { ok: true, summary });
    } catch (err) {
      EnginePanel.showCheckpoint(extensionUri, engine, output, { ok: false, path, error: RpcError.from(err).toData() });
    }
  });
}
