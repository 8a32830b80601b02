/**
 * The extension host side: a thin layer that turns editor actions into engine requests and engine
 * answers into panels. The engine itself is a child process (core/), started on first use.
 */
import * as vscode from 'vscode';
import { BackendPreference } from '../protocol/engine';
import { registerInspectCheckpoint } from './commands/inspectCheckpoint';
import { notifyEngineLifecycle, RESTART_ENGINE_COMMAND } from './engine/engineNotifications';
import { EngineSupervisor } from './engine/engineSupervisor';
import { EnginePanel } from './panels/enginePanel';
import { createEngineStatusBar, SHOW_ENGINE_COMMAND } from './status/engineStatusBar';

const BACKEND_SETTING = 'attentionDebugger.engine.backend';

function backendSetting(output: vscode.LogOutputChannel): BackendPreference {
  const raw = vscode.workspace.getConfiguration().get<string>(BACKEND_SETTING, 'auto');
  const parsed = BackendPreference.safeParse(raw);
  if (parsed.success) return parsed.data;
  output.warn(`${BACKEND_SETTING} is '${raw}', which is not a backend; using 'auto'.`);
  return 'auto';
}

export function activate(context: vscode.ExtensionContext): void {
  const { extensionUri, subscriptions } = context;
  const output = vscode.window.createOutputChannel('Attention Debugger', { log: true });
  const engine = new EngineSupervisor({
    enginePath: vscode.Uri.joinPath(extensionUri, 'dist', 'core', 'engine.js').fsPath,
    backend: () => backendSetting(output),
  });
  const offLog = engine.onLog((level, message) => output[level](message));

  subscriptions.push(
    output,
    { dispose: () => (offLog(), engine.dispose()) },
    createEngineStatusBar(engine),
    notifyEngineLifecycle(engine),
    EnginePanel.registerSerializer(extensionUri, engine, output),
    registerInspectCheckpoint(extensionUri, engine, output),
    vscode.commands.registerCommand(SHOW_ENGINE_COMMAND, () => EnginePanel.createOrShow(extensionUri, engine, output)),
    vscode.commands.registerCommand(RESTART_ENGINE_COMMAND, () => engine.restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(BACKEND_SETTING) && engine.currentStatus.kind !== 'idle') {
        output.info(`${BACKEND_SETTING} changed; restarting the engine`);
        engine.restart();
      }
    }),
  );
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
