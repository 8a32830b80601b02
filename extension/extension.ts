/**
 * The extension host side: a thin layer that turns editor actions into engine requests and engine
 * answers into panels. The engine itself is a child process (core/), started on first use.
 */
import * as vscode from 'vscode';
import { BackendPreference, type EngineInfo } from '../protocol/engine';
import { registerInspectCheckpoint } from './commands/inspectCheckpoint';
import { registerDecodeBeam } from './commands/decodeBeam';
import { registerShowAttention } from './commands/showAttention';
import { registerAttentionHover } from './hover/attentionHover';
import { notifyEngineLifecycle, RESTART_ENGINE_COMMAND } from './engine/engineNotifications';
import { EngineSupervisor } from './engine/engineSupervisor';
import { ActiveImageModel } from './image/activeImageModel';
import { registerImageCommands } from './image/imageCommands';
import { ImagePanel, type ImagePanelDeps } from './image/imagePanel';
import { ActiveModel } from './model/activeModel';
import { watchCheckpointFolders } from './model/checkpointFolders';
import { registerOpenCheckpoint } from './model/openCheckpoint';
import { AttentionPanel, type AttentionPanelDeps } from './panels/attentionPanel';
import { BeamPanel } from './panels/beamPanel';
import { EnginePanel } from './panels/enginePanel';
import { registerRuns } from './runs/registerRuns';
import { createActiveModelStatusBar } from './status/activeModelStatusBar';
import { createEngineStatusBar, SHOW_ENGINE_COMMAND } from './status/engineStatusBar';

const BACKEND_SETTING = 'attentionDebugger.engine.backend';

function backendSetting(output: vscode.LogOutputChannel): BackendPreference {
  const raw = vscode.workspace.getConfiguration().get<string>(BACKEND_SETTING, 'auto');
  const parsed = BackendPreference.safeParse(raw);
  if (parsed.success) return parsed.data;
  output.warn(`${BACKEND_SETTING} is '${raw}', which is not a backend; using 'auto'.`);
  return 'auto';
}

/** What activate() returns to other extensions and to the desktop test suite (test/electron). */
export interface AttentionDebuggerApi {
  engineInfo(): Promise<EngineInfo>;
}

export function activate(context: vscode.ExtensionContext): AttentionDebuggerApi {
  const { extensionUri, subscriptions } = context;
  const output = vscode.window.createOutputChannel('Attention Debugger', { log: true });
  const engine = new EngineSupervisor({
    enginePath: vscode.Uri.joinPath(extensionUri, 'dist', 'core', 'engine.js').fsPath,
    backend: () => backendSetting(output),
  });
  const offLog = engine.onLog((level, message) => output[level](message));
  const activeModel = new ActiveModel(context.workspaceState);
  const attentionDeps: AttentionPanelDeps = { extensionUri, engine, activeModel, output };
  const imageModel = new ActiveImageModel(context.workspaceState, engine);
  const imageDeps: ImagePanelDeps = { extensionUri, engine, imageModel, output };

  subscriptions.push(
    output,
    { dispose: () => (offLog(), engine.dispose()) },
    createEngineStatusBar(engine),
    notifyEngineLifecycle(engine),
    EnginePanel.registerSerializer(extensionUri, engine, output),
    registerInspectCheckpoint(extensionUri, engine, output),
    activeModel,
    registerRuns(context, engine, output, activeModel),
    createActiveModelStatusBar(activeModel),
    registerOpenCheckpoint(engine, activeModel, output),
    watchCheckpointFolders(output),
    registerShowAttention(attentionDeps),
    AttentionPanel.registerSerializer(attentionDeps),
    registerAttentionHover(engine, activeModel),
    registerDecodeBeam(attentionDeps),
    BeamPanel.registerSerializer(attentionDeps),
    imageModel,
    registerImageCommands(imageDeps),
    ImagePanel.registerSerializer(imageDeps),
    vscode.commands.registerCommand(SHOW_ENGINE_COMMAND, () => EnginePanel.createOrShow(extensionUri, engine, output)),
    vscode.commands.registerCommand(RESTART_ENGINE_COMMAND, () => engine.restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(BACKEND_SETTING) && engine.currentStatus.kind !== 'idle') {
        output.info(`${BACKEND_SETTING} changed; restarting the engine`);
        engine.restart();
      }
    }),
  );
  return { engineInfo: () => engine.request('engine.info', {}) };
}
