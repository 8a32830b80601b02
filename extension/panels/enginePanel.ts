/**
 * The Engine panel: which backend the engine runs on and why, its process and memory, a matmul
 * speed check, and the last inspected checkpoint. One instance; restored after a window reload by
 * its serializer.
 */
import * as vscode from 'vscode';
import { enginePanelSide, hostPanelSide } from '../../protocol/panel';
import { RpcEndpoint, type RpcErrorData } from '../../protocol/rpc';
import type { CheckpointSummary } from '../../protocol/engine';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { webviewTransport } from './webviewTransport';

type CheckpointView = { ok: true; summary: CheckpointSummary } | { ok: false; path: string; error: RpcErrorData };

export class EnginePanel {
  static readonly viewType = 'attentionDebugger.engine';
  private static current: EnginePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly rpc: RpcEndpoint<typeof hostPanelSide.requests, typeof hostPanelSide.events, typeof enginePanelSide.requests, typeof enginePanelSide.events>;
  private webviewReady = false;
  private checkpoint: CheckpointView | undefined;

  static createOrShow(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel): EnginePanel {
    if (EnginePanel.current) {
      EnginePanel.current.panel.reveal();
      return EnginePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(EnginePanel.viewType, 'Attention Engine', vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return (EnginePanel.current = new EnginePanel(panel, extensionUri, engine, output));
  }

  static registerSerializer(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(EnginePanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = webviewOptions(extensionUri);
        EnginePanel.current = new EnginePanel(panel, extensionUri, engine, output);
      },
    });
  }

  /** Shows a checkpoint's summary (or why it could not be read) in the panel, opening it if needed. */
  static showCheckpoint(extensionUri: vscode.Uri, engine: EngineSupervisor, output: vscode.LogOutputChannel, view: CheckpointView): void {
    const p = EnginePanel.createOrShow(extensionUri, engine, output);
    p.checkpoint = view;
    if (p.webviewReady) p.rpc.notify('checkpoint', view);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    engine: EngineSupervisor,
    output: vscode.LogOutputChannel,
  ) {
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, 'enginePanel', 'Attention Engine');
    this.rpc = new RpcEndpoint(webviewTransport(panel.webview), hostPanelSide, enginePanelSide, (m) => output.warn(`engine panel: ${m}`));
    this.rpc.handle('engine.info', () => engine.request('engine.info', {}));
    this.rpc.handle('engine.matmulCheck', ({ size }) => engine.request('diagnostics.matmul', { size, repeats: 5 }));
    this.rpc.handle('engine.tensorProbe', ({ megabytes }) => engine.request('diagnostics.tensor', { elements: (megabytes * 1024 * 1024) / 4 }));
    this.rpc.handle('engine.restart', () => {
      engine.restart();
      return {};
    });
    // The webview says 'ready' on every load (first open, and after it was reloaded): post then.
    this.rpc.on('ready', () => {
      this.webviewReady = true;
      this.rpc.notify('engineStatus', engine.currentStatus);
      if (this.checkpoint) this.rpc.notify('checkpoint', this.checkpoint);
    });
    const offStatus = engine.onStatus((s) => {
      if (this.webviewReady) this.rpc.notify('engineStatus', s);
    });
    this.disposables.push({ dispose: offStatus });
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  private dispose(): void {
    if (EnginePanel.current === this) EnginePanel.current = undefined;
    this.rpc.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
