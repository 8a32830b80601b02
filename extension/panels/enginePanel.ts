/**
 * The Engine panel: which backend the engine runs on and why, its process and memory, a matmul
 * speed check, and the last inspected checkpoint. One instance; restored after a window reload by
 * its serializer. The page gets the engine's status and the checkpoint on every 'ready'; one that
 * never loads is replaced (PanelWebview).
 */
import * as vscode from 'vscode';
import { enginePanelSide, hostPanelSide } from '../../protocol/panel';
import type { RpcErrorData } from '../../protocol/rpc';
import type { CheckpointSummary } from '../../protocol/engine';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { PanelWebview, type PanelPage } from './panelWebview';

type CheckpointView = { ok: true; summary: CheckpointSummary } | { ok: false; path: string; error: RpcErrorData };

export class EnginePanel {
  static readonly viewType = 'attentionDebugger.engine';
  private static current: EnginePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly view: PanelWebview<typeof hostPanelSide.requests, typeof hostPanelSide.events, typeof enginePanelSide.requests, typeof enginePanelSide.events>;
  private checkpoint: CheckpointView | undefined;

  static createOrShow(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel): EnginePanel {
    if (EnginePanel.current) {
      EnginePanel.current.view.panel.reveal();
      return EnginePanel.current;
    }
    return (EnginePanel.current = new EnginePanel(extensionUri, engine, output));
  }

  static registerSerializer(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(EnginePanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        EnginePanel.current = new EnginePanel(extensionUri, engine, output, panel);
      },
    });
  }

  /** Shows a checkpoint's summary (or why it could not be read) in the panel, opening it if needed. */
  static showCheckpoint(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel, view: CheckpointView): void {
    const p = EnginePanel.createOrShow(extensionUri, engine, output);
    p.checkpoint = view;
    p.view.notify('checkpoint', view);
  }

  /** A new panel in the active column, or `restored` (a panel VS Code brought back after a reload). */
  private constructor(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel, restored?: vscode.WebviewPanel) {
    const page: PanelPage<typeof hostPanelSide.requests, typeof hostPanelSide.events, typeof enginePanelSide.requests, typeof enginePanelSide.events> = {
      viewType: EnginePanel.viewType,
      bundle: 'enginePanel',
      title: 'Attention Engine',
      name: 'engine panel',
      extensionUri,
      output,
      local: hostPanelSide,
      remote: enginePanelSide,
      handle: (rpc) => {
        rpc.handle('engine.info', () => engine.request('engine.info', {}));
        rpc.handle('engine.matmulCheck', ({ size }) => engine.request('diagnostics.matmul', { size, repeats: 5 }));
        rpc.handle('engine.tensorProbe', ({ megabytes }) => engine.request('diagnostics.tensor', { elements: (megabytes * 1024 * 1024) / 4 }));
        rpc.handle('engine.restart', () => {
          engine.restart();
          return {};
        });
      },
      onReady: () => {
        this.view.notify('engineStatus', engine.currentStatus);
        if (this.checkpoint) this.view.notify('checkpoint', this.checkpoint);
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Attention Engine', vscode.ViewColumn.Active, false);
    const offStatus = engine.onStatus((s) => this.view.notify('engineStatus', s));
    this.disposables.push({ dispose: offStatus });
  }

  private dispose(): void {
    if (EnginePanel.current === this) EnginePanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
