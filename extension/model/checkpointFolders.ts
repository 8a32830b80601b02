/**
 * Which workspace folders are checkpoints, for the Explorer's "Open Checkpoint" on a folder: a
 * folder holding a model.json (ours), or a Hugging Face model folder (a config.json naming its
 * `model_type`). A `when` clause cannot look inside a folder, so the paths are published as the
 * context key CHECKPOINT_FOLDERS_KEY (`resourcePath in ...`), kept current by a file watcher.
 * The engine still reads the folder before it becomes active: this only decides where the menu
 * item shows.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

export const CHECKPOINT_FOLDERS_KEY = 'attentionDebugger.checkpointFolders';

const MARKERS = '**/{model.json,config.json}';
const EXCLUDE = '**/{node_modules,.git}/**';
/** More than this many marker files and the menu shows on the first ones only (a huge monorepo). */
const MAX_MARKERS = 5000;
/** A config.json larger than this is not a Hugging Face model's (theirs are a few kB). */
const MAX_CONFIG_BYTES = 1 << 20;
/** File events come in bursts (a checkout, a training run writing checkpoints): rescan once after. */
const RESCAN_DELAY_MS = 500;

/** True when `json` is the text of a Hugging Face config.json (an object with a string model_type). */
export function namesModelType(json: string): boolean {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && typeof (value as { model_type?: unknown }).model_type === 'string';
  } catch {
    return false;
  }
}

async function isCheckpointMarker(uri: vscode.Uri): Promise<boolean> {
  if (path.basename(uri.fsPath) === 'model.json') return true;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_CONFIG_BYTES) return false;
    return namesModelType(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  } catch {
    return false;
  }
}

async function scan(): Promise<string[]> {
  const markers = await vscode.workspace.findFiles(MARKERS, EXCLUDE, MAX_MARKERS);
  const folders = new Set<string>();
  for (const uri of markers) {
    if (uri.scheme === 'file' && (await isCheckpointMarker(uri))) folders.add(path.dirname(uri.fsPath));
  }
  return [...folders].sort();
}

/** Publishes the checkpoint folders now and whenever a model.json or config.json changes. */
export function watchCheckpointFolders(output: vscode.LogOutputChannel): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const publish = async (): Promise<void> => {
    const mine = ++generation;
    try {
      const folders = await scan();
      // An older scan that finishes late must not replace a newer one.
      if (mine === generation) await vscode.commands.executeCommand('setContext', CHECKPOINT_FOLDERS_KEY, folders);
    } catch (err) {
      output.warn(`could not list the workspace's checkpoint folders: ${(err as Error).message}`);
    }
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void publish(), RESCAN_DELAY_MS);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(MARKERS);
  const subscriptions = [watcher, watcher.onDidCreate(later), watcher.onDidChange(later), watcher.onDidDelete(later), vscode.workspace.onDidChangeWorkspaceFolders(later)];
  void publish();
  return {
    dispose: () => {
      if (timer) clearTimeout(timer);
      subscriptions.forEach((s) => s.dispose());
    },
  };
}
