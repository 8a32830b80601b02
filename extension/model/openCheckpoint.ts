/**
 * "Open Checkpoint": makes a checkpoint the active model. From the explorer (right-click a
 * model.json, a Hugging Face config.json, or a checkpoint folder: see checkpointFolders.ts), or a
 * quick pick of the shipped demos plus "Browse…" for a model.json or a model folder. The engine
 * reads the checkpoint first, so a corrupt or foreign file is reported before it becomes active.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { withEngineProgress } from '../engine/withEngineProgress';
import type { ActiveModel } from './activeModel';

export const OPEN_CHECKPOINT_COMMAND = 'attentionDebugger.openCheckpoint';

async function pickSpec(engine: EngineSupervisor): Promise<string | undefined> {
  // The active model drives the text panels: demos whose family reads text.
  const demos = (await engine.request('model.demos', {})).filter((d) => d.surfaces.includes('attention') && !d.inputs.includes('image'));
  // Two browse items: an open dialog cannot pick files and folders at once on Windows and Linux.
  const browseFile = { label: '$(file) Browse for a model.json…', spec: undefined as string | undefined, folder: false };
  const browseFolder = { label: '$(folder-opened) Browse for a model folder…', detail: 'a Hugging Face folder (config.json, model.safetensors, tokenizer) or a checkpoint folder', spec: undefined, folder: true };
  const items = [...demos.map((d) => ({ label: d.label, description: d.description, detail: 'demo checkpoint', spec: d.spec, folder: false })), browseFile, browseFolder];
  const choice = await vscode.window.showQuickPick(items, { title: 'Open Checkpoint', placeHolder: 'A demo checkpoint, or browse for your own' });
  if (!choice) return undefined;
  if (choice.spec) return choice.spec;
  const uri = (
    await vscode.window.showOpenDialog(
      choice.folder
        ? { canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Open Checkpoint' }
        : { canSelectMany: false, filters: { 'Checkpoint (model.json)': ['json'] }, openLabel: 'Open Checkpoint' },
    )
  )?.[0];
  return uri?.fsPath;
}

export function registerOpenCheckpoint(engine: EngineSupervisor, activeModel: ActiveModel, output: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_CHECKPOINT_COMMAND, async (uri?: vscode.Uri) => {
    if (uri && uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Checkpoints must be local files; ${uri.toString()} is not.`);
      return;
    }
    const spec = uri ? uri.fsPath : await pickSpec(engine).catch((err) => {
      void vscode.window.showErrorMessage(RpcError.from(err).message);
      return undefined;
    });
    if (!spec) return;
    try {
      const description = await withEngineProgress(`Loading ${path.basename(spec)}`, output, (o) => engine.request('model.describe', { spec }, o));
      if (!description) return;
      await activeModel.set({ spec, label: description.label });
    } catch {
      // withEngineProgress has shown the engine's message (it names the file and the problem).
    }
  });
}
