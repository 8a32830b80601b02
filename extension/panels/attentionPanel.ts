/**
 * The attention panel's host: shows attention for a text with a model (following the editor's
 * selection and the active model, debounced), or for an image with an image model that has
 * attention (sent from the image panel), and answers the webview's page and ablation requests.
 * An older answer never replaces a newer one (LatestWork). The page gets what the panel shows (and
 * any work under way) on every 'ready'; one that never loads is replaced (PanelWebview).
 */
import * as vscode from 'vscode';
import type { CaptureResult } from '../../protocol/attention';
import { AttentionSubject, attentionPanelSide, hostAttentionSide, subjectText } from '../../protocol/attentionPanel';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { isUserText, textUnderCursor } from '../model/editorText';
import { LatestWork, type PanelStatus } from './latestWork';
import { PanelWebview, type PanelPage } from './panelWebview';
import { JSON_FILTER, PNG_FILTER, pngBytes, saveExport } from './saveExport';

const FOLLOW_DEBOUNCE_MS = 300;

export interface AttentionPanelDeps {
  extensionUri: vscode.Uri;
  engine: EngineSupervisor;
  activeModel: ActiveModel;
  output: vscode.LogOutputChannel;
}

export class AttentionPanel {
  static readonly viewType = 'attentionDebugger.attention';
  private static current: AttentionPanel | undefined;

  private readonly view: PanelWebview<typeof hostAttentionSide.requests, typeof hostAttentionSide.events, typeof attentionPanelSide.requests, typeof attentionPanelSide.events>;
  private readonly disposables: vscode.Disposable[] = [];
  private subject: AttentionSubject | undefined;
  private capture: CaptureResult | undefined;
  private focusToken: number | undefined;
  private readonly work: LatestWork<PanelStatus>;
  private followTimer: NodeJS.Timeout | undefined;

  /** Opens (or reveals) the panel and shows `subject`. */
  static show(deps: AttentionPanelDeps, subject: AttentionSubject, focusToken?: number): AttentionPanel {
    let p = AttentionPanel.current;
    if (p) p.view.panel.reveal(undefined, true);
    else p = AttentionPanel.current = new AttentionPanel(deps);
    void p.update(subject, focusToken);
    return p;
  }

  static registerSerializer(deps: AttentionPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(AttentionPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const p = (AttentionPanel.current = new AttentionPanel(deps, panel));
        // The webview saved what it showed; show it again (a new capture: the engine restarted too).
        const saved = AttentionSubject.safeParse((state as { subject?: unknown } | undefined)?.subject);
        if (saved.success) void p.update(saved.data);
      },
    });
  }

  /** A new panel beside the editor, or `restored` (a panel VS Code brought back after a reload). */
  private constructor(
    private readonly deps: AttentionPanelDeps,
    restored?: vscode.WebviewPanel,
  ) {
    const { engine, output, activeModel } = deps;
    const page: PanelPage<typeof hostAttentionSide.requests, typeof hostAttentionSide.events, typeof attentionPanelSide.requests, typeof attentionPanelSide.events> = {
      viewType: AttentionPanel.viewType,
      bundle: 'attentionPanel',
      title: 'Attention',
      name: 'attention panel',
      extensionUri: deps.extensionUri,
      output,
      local: hostAttentionSide,
      remote: attentionPanelSide,
      handle: (rpc) => {
        rpc.handle('attention.layer', (p, ctx) => engine.request('attention.layer', p, { signal: ctx.signal }));
        rpc.handle('attention.thumbnails', (p, ctx) => engine.request('attention.thumbnails', p, { signal: ctx.signal }));
        rpc.handle('attention.queryKey', (p, ctx) => engine.request('attention.queryKey', p, { signal: ctx.signal }));
        rpc.handle('attention.ablate', ({ heads }, ctx) => {
          if (!this.subject) throw new RpcError('invalid-input', 'nothing is shown yet to re-run');
          return engine.request('attention.capture', { ...this.subject, ablate: heads, queryKey: true }, { signal: ctx.signal });
        });
        const folder = () => vscode.workspace.workspaceFolders?.[0]?.uri;
        rpc.handle('export.png', ({ dataUrl, suggestedName }) => saveExport(suggestedName, PNG_FILTER, pngBytes(dataUrl), folder()));
        rpc.handle('export.json', ({ json, suggestedName }) => saveExport(suggestedName, JSON_FILTER, Buffer.from(json, 'utf8'), folder()));
      },
      onReady: () => {
        if (this.capture && this.subject) this.view.notify('show', { capture: this.capture, subject: this.subject, focusToken: this.focusToken });
        if (this.work.status) this.view.notify('status', this.work.status);
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Attention', vscode.ViewColumn.Beside, true);
    this.work = new LatestWork((s) => this.view.notify('status', s), (e) => output.warn(`attention: ${e.message}`));
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        // An image shown (from the image panel) stays until asked otherwise: clicks in an editor are not a request.
        if (!this.view.panel.visible || !isUserText(e.textEditor.document) || !activeModel.value || (this.subject && subjectText(this.subject) === undefined)) return;
        const text = textUnderCursor(e.textEditor);
        if (!text.trim() || text === subjectText(this.subject)) return;
        this.follow({ spec: activeModel.value.spec, text });
      }),
      activeModel.onDidChange((info) => {
        const text = subjectText(this.subject);
        if (info && text !== undefined && info.spec !== this.subject?.spec) this.follow({ spec: info.spec, text });
      }),
    );
  }

  private follow(subject: AttentionSubject): void {
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => void this.update(subject), FOLLOW_DEBOUNCE_MS);
  }

  private async update(subject: AttentionSubject, focusToken?: number): Promise<void> {
    clearTimeout(this.followTimer);
    this.subject = subject;
    this.focusToken = focusToken;
    await this.work.run(
      { state: 'loading', message: 'Running the model…' },
      (signal) => this.deps.engine.request('attention.capture', { ...subject, ablate: [], queryKey: true }, { signal }),
      (capture) => {
        this.capture = capture;
        this.view.panel.title = `Attention: ${capture.model.label}`;
        this.view.notify('show', { capture, subject, focusToken });
      },
      (message) => ({ state: 'error', message }),
    );
  }

  private dispose(): void {
    if (AttentionPanel.current === this) AttentionPanel.current = undefined;
    clearTimeout(this.followTimer);
    this.work.supersede();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
