/**
 * The beam-tree panel's host: shows a decode, and answers the webview's re-decodes (new beam size
 * or alpha, a forced prefix) and node-attention requests by forwarding them to the engine with the
 * panel's model and text. An older answer never replaces a newer one (LatestWork). The page gets
 * what the panel shows (and any work under way) on every 'ready'; one that never loads is replaced
 * (PanelWebview).
 */
import * as vscode from 'vscode';
import type { BeamDecodeResult } from '../../protocol/beam';
import { BeamSubject, beamPanelSide, hostBeamSide } from '../../protocol/beamPanel';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { LatestWork, type PanelStatus } from './latestWork';
import { PanelWebview, type PanelPage } from './panelWebview';

export interface BeamPanelDeps {
  extensionUri: vscode.Uri;
  engine: EngineSupervisor;
  activeModel: ActiveModel;
  output: vscode.LogOutputChannel;
}

export class BeamPanel {
  static readonly viewType = 'attentionDebugger.beam';
  private static current: BeamPanel | undefined;

  private readonly view: PanelWebview<typeof hostBeamSide.requests, typeof hostBeamSide.events, typeof beamPanelSide.requests, typeof beamPanelSide.events>;
  private subject: BeamSubject | undefined;
  private result: BeamDecodeResult | undefined;
  private readonly work: LatestWork<PanelStatus>;

  /** Opens (or reveals) the panel with a decode already made (the command decodes under a progress notification). */
  static show(deps: BeamPanelDeps, subject: BeamSubject, result: BeamDecodeResult): BeamPanel {
    const p = BeamPanel.current ?? (BeamPanel.current = new BeamPanel(deps));
    p.view.panel.reveal(undefined, true);
    p.present(subject, result);
    return p;
  }

  static registerSerializer(deps: BeamPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(BeamPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const p = (BeamPanel.current = new BeamPanel(deps, panel));
        // The webview saved what it showed; decode it again (the engine restarted with the window).
        const saved = BeamSubject.safeParse((state as { subject?: unknown } | undefined)?.subject);
        if (saved.success) void p.update(saved.data);
      },
    });
  }

  /** A new panel beside the editor, or `restored` (a panel VS Code brought back after a reload). */
  private constructor(
    private readonly deps: BeamPanelDeps,
    restored?: vscode.WebviewPanel,
  ) {
    const { engine, output } = deps;
    const page: PanelPage<typeof hostBeamSide.requests, typeof hostBeamSide.events, typeof beamPanelSide.requests, typeof beamPanelSide.events> = {
      viewType: BeamPanel.viewType,
      bundle: 'beamPanel',
      title: 'Beam Search',
      name: 'beam panel',
      extensionUri: deps.extensionUri,
      output,
      local: hostBeamSide,
      remote: beamPanelSide,
      // The page holds a pinned decode and the tree's folds and view, which a reload would lose.
      retainContextWhenHidden: true,
      handle: (rpc) => {
        rpc.handle('beam.redecode', async ({ prefix, ...settings }, ctx) => {
          if (!this.subject) throw new RpcError('invalid-input', 'nothing is decoded yet: run "Decode with Beam Search" on a line first');
          const { spec, text } = this.subject;
          const result = await engine.request('beam.decode', { spec, text, ...settings, prefix }, { signal: ctx.signal });
          this.subject = { spec, text, settings };
          this.result = result;
          return result;
        });
        rpc.handle('beam.nodeAttention', (p, ctx) => engine.request('beam.nodeAttention', p, { signal: ctx.signal }));
      },
      onReady: () => {
        if (this.subject && this.result) this.view.notify('show', { subject: this.subject, result: this.result });
        if (this.work.status) this.view.notify('status', this.work.status);
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Beam Search', vscode.ViewColumn.Beside, true);
    this.work = new LatestWork((s) => this.view.notify('status', s), (e) => output.warn(`beam search: ${e.message}`));
  }

  private present(subject: BeamSubject, result: BeamDecodeResult): void {
    this.work.supersede();
    this.subject = subject;
    this.result = result;
    this.view.panel.title = `Beam Search: ${result.model.label}`;
    this.view.notify('show', { subject, result });
  }

  private async update(subject: BeamSubject): Promise<void> {
    this.subject = subject;
    await this.work.run(
      { state: 'loading', message: 'Decoding…' },
      (signal) => this.deps.engine.request('beam.decode', { spec: subject.spec, text: subject.text, ...subject.settings }, { signal }),
      (result) => this.present(subject, result),
      (message) => ({ state: 'error', message }),
    );
  }

  private dispose(): void {
    if (BeamPanel.current === this) BeamPanel.current = undefined;
    this.work.supersede();
  }
}
