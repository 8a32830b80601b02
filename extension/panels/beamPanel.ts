/**
 * The beam-tree panel's host: shows a decode, and answers the webview's re-decodes (new beam size
 * or alpha, a forced prefix) and node-attention requests by forwarding them to the engine with the
 * panel's model and text. An older answer never replaces a newer one: each update aborts the
 * previous request and a result is applied only if it belongs to the latest update.
 */
import * as vscode from 'vscode';
import type { BeamDecodeResult } from '../../protocol/beam';
import { BeamSubject, beamPanelSide, hostBeamSide } from '../../protocol/beamPanel';
import { RpcEndpoint, RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { webviewTransport } from './webviewTransport';

export interface BeamPanelDeps {
  extensionUri: vscode.Uri;
  engine: EngineSupervisor;
  activeModel: ActiveModel;
  output: vscode.LogOutputChannel;
}

export class BeamPanel {
  static readonly viewType = 'attentionDebugger.beam';
  private static current: BeamPanel | undefined;

  private readonly rpc: RpcEndpoint<typeof hostBeamSide.requests, typeof hostBeamSide.events, typeof beamPanelSide.requests, typeof beamPanelSide.events>;
  private webviewReady = false;
  private subject: BeamSubject | undefined;
  private result: BeamDecodeResult | undefined;
  private inFlight: AbortController | undefined;
  private generation = 0;

  /** Opens (or reveals) the panel with a decode already made (the command decodes under a progress notification). */
  static show(deps: BeamPanelDeps, subject: BeamSubject, result: BeamDecodeResult): BeamPanel {
    const p = BeamPanel.reveal(deps);
    p.present(subject, result);
    return p;
  }

  private static reveal(deps: BeamPanelDeps): BeamPanel {
    const existing = BeamPanel.current;
    if (existing) {
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(BeamPanel.viewType, 'Beam Search', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { ...webviewOptions(deps.extensionUri), retainContextWhenHidden: true });
    return (BeamPanel.current = new BeamPanel(panel, deps));
  }

  static registerSerializer(deps: BeamPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(BeamPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        panel.webview.options = webviewOptions(deps.extensionUri);
        const p = (BeamPanel.current = new BeamPanel(panel, deps));
        // The webview saved what it showed; decode it again (the engine restarted with the window).
        const saved = BeamSubject.safeParse((state as { subject?: unknown } | undefined)?.subject);
        if (saved.success) void p.update(saved.data);
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: BeamPanelDeps,
  ) {
    const { engine, output } = deps;
    panel.webview.html = renderWebviewHtml(panel.webview, deps.extensionUri, 'beamPanel', 'Beam Search');
    this.rpc = new RpcEndpoint(webviewTransport(panel.webview), hostBeamSide, beamPanelSide, (m) => output.warn(`beam panel: ${m}`));
    this.rpc.handle('beam.redecode', async ({ prefix, ...settings }, ctx) => {
      if (!this.subject) throw new RpcError('invalid-input', 'nothing is decoded yet: run "Decode with Beam Search" on a line first');
      const { spec, text } = this.subject;
      const result = await engine.request('beam.decode', { spec, text, ...settings, prefix }, { signal: ctx.signal });
      this.subject = { spec, text, settings };
      this.result = result;
      return result;
    });
    this.rpc.handle('beam.nodeAttention', (p, ctx) => engine.request('beam.nodeAttention', p, { signal: ctx.signal }));
    this.rpc.on('ready', () => {
      this.webviewReady = true;
      if (this.subject && this.result) this.rpc.notify('show', { subject: this.subject, result: this.result });
    });
    panel.onDidDispose(() => this.dispose());
  }

  private present(subject: BeamSubject, result: BeamDecodeResult): void {
    this.inFlight?.abort();
    this.generation++;
    this.subject = subject;
    this.result = result;
    this.panel.title = `Beam Search: ${result.model.label}`;
    if (this.webviewReady) this.rpc.notify('show', { subject, result });
  }

  private async update(subject: BeamSubject): Promise<void> {
    this.inFlight?.abort();
    const controller = (this.inFlight = new AbortController());
    const generation = ++this.generation;
    this.subject = subject;
    if (this.webviewReady) this.rpc.notify('status', { state: 'loading', message: 'Decoding…' });
    try {
      const result = await this.deps.engine.request('beam.decode', { spec: subject.spec, text: subject.text, ...subject.settings }, { signal: controller.signal });
      if (generation !== this.generation) return; // a newer update won
      this.present(subject, result);
    } catch (err) {
      const e = RpcError.from(err);
      if (generation !== this.generation || e.code === 'cancelled') return;
      this.deps.output.warn(`beam search: ${e.message}`);
      if (this.webviewReady) this.rpc.notify('status', { state: 'error', message: e.message });
    }
  }

  private dispose(): void {
    if (BeamPanel.current === this) BeamPanel.current = undefined;
    this.inFlight?.abort();
    this.rpc.close();
  }
}
