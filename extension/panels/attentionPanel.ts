/**
 * The attention panel's host: shows attention for a text with a model, follows the editor's
 * selection and the active model (debounced), and answers the webview's page and ablation requests.
 * An older answer never replaces a newer one: each update aborts the previous request and results
 * are applied only if they belong to the latest update. The page gets what the panel shows (and
 * any work under way) on every 'ready'; one that never loads is replaced (PanelWebview).
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { CaptureResult } from '../../protocol/attention';
import { AttentionSubject, attentionPanelSide, hostAttentionSide } from '../../protocol/attentionPanel';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { isUserText, textUnderCursor } from '../model/editorText';
import { PanelWebview, type PanelPage } from './panelWebview';

const FOLLOW_DEBOUNCE_MS = 300;

export interface AttentionPanelDeps {
  extensionUri: vscode.Uri;
  engine: EngineSupervisor;
  activeModel: ActiveModel;
  output: vscode.LogOutputChannel;
}

type Status = { state: 'loading' | 'error' | 'idle'; message: string };

export class AttentionPanel {
  static readonly viewType = 'attentionDebugger.attention';
  private static current: AttentionPanel | undefined;

  private readonly view: PanelWebview<typeof hostAttentionSide.requests, typeof hostAttentionSide.events, typeof attentionPanelSide.requests, typeof attentionPanelSide.events>;
  private readonly disposables: vscode.Disposable[] = [];
  private subject: AttentionSubject | undefined;
  private capture: CaptureResult | undefined;
  private focusToken: number | undefined;
  /** Work under way or its failure, for a page that loads meanwhile; cleared when a capture is shown. */
  private lastStatus: Status | undefined;
  private inFlight: AbortController | undefined;
  private generation = 0;
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
        rpc.handle('export.png', ({ dataUrl, suggestedName }) => this.save(suggestedName, { 'PNG image': ['png'] }, Buffer.from(dataUrl.split(',')[1], 'base64')));
        rpc.handle('export.json', ({ json, suggestedName }) => this.save(suggestedName, { JSON: ['json'] }, Buffer.from(json, 'utf8')));
      },
      onReady: () => {
        if (this.capture && this.subject) this.view.notify('show', { capture: this.capture, subject: this.subject, focusToken: this.focusToken });
        if (this.lastStatus) this.view.notify('status', this.lastStatus);
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Attention', vscode.ViewColumn.Beside, true);
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!this.view.panel.visible || !isUserText(e.textEditor.document) || !activeModel.value) return;
        const text = textUnderCursor(e.textEditor);
        if (!text.trim() || text === this.subject?.text) return;
        this.follow({ spec: activeModel.value.spec, text });
      }),
      activeModel.onDidChange((info) => {
        if (info && this.subject && info.spec !== this.subject.spec) this.follow({ spec: info.spec, text: this.subject.text });
      }),
    );
  }

  private follow(subject: AttentionSubject): void {
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => void this.update(subject), FOLLOW_DEBOUNCE_MS);
  }

  private async update(subject: AttentionSubject, focusToken?: number): Promise<void> {
    clearTimeout(this.followTimer);
    this.inFlight?.abort();
    const controller = (this.inFlight = new AbortController());
    const generation = ++this.generation;
    this.subject = subject;
    this.focusToken = focusToken;
    this.post({ state: 'loading', message: 'Running the model…' });
    try {
      const capture = await this.deps.engine.request('attention.capture', { ...subject, ablate: [], queryKey: true }, { signal: controller.signal });
      if (generation !== this.generation) return; // a newer update won
      this.capture = capture;
      this.lastStatus = undefined;
      this.view.panel.title = `Attention: ${capture.model.label}`;
      this.view.notify('show', { capture, subject, focusToken });
    } catch (err) {
      const e = RpcError.from(err);
      if (generation !== this.generation || e.code === 'cancelled') return;
      this.deps.output.warn(`attention: ${e.message}`);
      this.post({ state: 'error', message: e.message });
    }
  }

  private post(status: Status): void {
    this.lastStatus = status;
    this.view.notify('status', status);
  }

  private async save(suggestedName: string, filters: Record<string, string[]>, data: Buffer): Promise<{ saved: boolean }> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const safeName = suggestedName.replace(/[^\w.-]+/g, '_');
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, safeName) : undefined, filters });
    if (!target) return { saved: false };
    await fs.writeFile(target.fsPath, data);
    return { saved: true };
  }

  private dispose(): void {
    if (AttentionPanel.current === this) AttentionPanel.current = undefined;
    clearTimeout(this.followTimer);
    this.inFlight?.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
