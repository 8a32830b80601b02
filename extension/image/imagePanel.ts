/**
 * The image attention panel's host: explains an image file with the active image model and shows
 * it (with a captioner as the image model: its caption with each word's map, beside the other shipped
 * captioners' captions); follows the image model and the image opened in the editor (when the panel is visible); answers
 * the webview's page requests (rollout controls, a clicked patch) and saves exported drawings.
 * An older answer never replaces a newer one (LatestWork). The page gets what the panel shows on every
 * load, and a webview whose page never loads is replaced by a new one in the same place (PanelWebview).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS, type ImageCaptionResult, type ImageExplainResult } from '../../protocol/image';
import { hostImageSide, ImagePanelState, imagePanelSide, type ImageSubject } from '../../protocol/imagePanel';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { LatestWork, type PanelStatus } from '../panels/latestWork';
import { PanelWebview, type PanelPage } from '../panels/panelWebview';
import { PNG_FILTER, pngBytes, saveExport } from '../panels/saveExport';
import type { ActiveImageModel } from './activeImageModel';

const FOLLOW_DEBOUNCE_MS = 200;
/** Defined here (not in imageCommands.ts, which imports this file) so the panel can open the choice. */
export const CHOOSE_IMAGE_MODEL_COMMAND = 'attentionDebugger.chooseImageModel';
/** Registered with the attention panel (commands/showAttention.ts): an image subject to show there. */
export const SHOW_IMAGE_HEADS_COMMAND = 'attentionDebugger.showImageHeads';

export interface ImagePanelDeps {
  extensionUri: vscode.Uri;
  engine: EngineSupervisor;
  imageModel: ActiveImageModel;
  output: vscode.LogOutputChannel;
}

/** A local PNG or JPEG file, by its extension. */
export function isImageUri(uri: vscode.Uri | undefined): boolean {
  if (!uri || uri.scheme !== 'file') return false;
  const ext = path.extname(uri.fsPath).slice(1).toLowerCase();
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext);
}

/** The image file shown in the active editor tab (the image preview or any editor of one). */
export function activeImageTab(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri && isImageUri(uri) ? uri : undefined;
}

export class ImagePanel {
  static readonly viewType = 'attentionDebugger.image';
  private static current: ImagePanel | undefined;

  private readonly view: PanelWebview<typeof hostImageSide.requests, typeof hostImageSide.events, typeof imagePanelSide.requests, typeof imagePanelSide.events>;
  private readonly disposables: vscode.Disposable[] = [];
  /** The image asked for last; `shown` may still be the previous one while it runs. */
  private subject: ImageSubject | undefined;
  private shown: { explanation: ImageExplainResult; subject: ImageSubject } | { captions: ImageCaptionResult[]; subject: ImageSubject } | undefined;
  /** The page's controls, as it last reported them (or as the window saved them before a reload). */
  private pageState: ImagePanelState | undefined;
  private readonly work: LatestWork<PanelStatus & { subject?: ImageSubject }>;
  private followTimer: NodeJS.Timeout | undefined;
  /** The image in the active editor tab when the tabs last changed. */
  private activeImage = activeImageTab()?.fsPath;

  /** Opens (or reveals) the panel and explains `file` with the active image model. */
  static async showFile(deps: ImagePanelDeps, file: string): Promise<ImagePanel> {
    let p = ImagePanel.current;
    // Beside the active editor, so the image stays in view with its attention; a panel that shares
    // the image's group moves beside it.
    const activeGroup = vscode.window.tabGroups.activeTabGroup;
    if (p) p.view.panel.reveal(activeImageTab() && p.view.panel.viewColumn === activeGroup.viewColumn ? vscode.ViewColumn.Beside : undefined, true);
    else p = ImagePanel.current = new ImagePanel(deps);
    await p.showFile(file);
    return p;
  }

  static registerSerializer(deps: ImagePanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(ImagePanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const p = (ImagePanel.current = new ImagePanel(deps, panel));
        // The webview saved what it showed; explain it again (the engine restarted with the window).
        const saved = ImagePanelState.safeParse(state);
        if (!saved.success) return;
        p.pageState = saved.data;
        if (saved.data.subject) void p.update(saved.data.subject);
      },
    });
  }

  /** A new panel beside the editor, or `restored` (a panel VS Code brought back after a reload). */
  private constructor(
    private readonly deps: ImagePanelDeps,
    restored?: vscode.WebviewPanel,
  ) {
    const { engine, output } = deps;
    const page: PanelPage<typeof hostImageSide.requests, typeof hostImageSide.events, typeof imagePanelSide.requests, typeof imagePanelSide.events> = {
      viewType: ImagePanel.viewType,
      bundle: 'imagePanel',
      title: 'Image Attention',
      name: 'image panel',
      extensionUri: deps.extensionUri,
      output,
      local: hostImageSide,
      remote: imagePanelSide,
      handle: (rpc) => {
        rpc.handle('image.rollout', (p, ctx) => engine.request('image.rollout', p, { signal: ctx.signal }));
        rpc.handle('image.queryAttention', (p, ctx) => engine.request('image.queryAttention', p, { signal: ctx.signal }));
        rpc.handle('image.rerun', ({ classIndex }) => {
          if (!this.subject) throw new RpcError('invalid-input', 'no image is shown yet');
          void this.update(this.subject, classIndex);
          return {};
        });
        rpc.handle('image.openHeads', async () => {
          if (!this.subject) throw new RpcError('invalid-input', 'no image is shown yet');
          await vscode.commands.executeCommand(SHOW_IMAGE_HEADS_COMMAND, { spec: this.subject.spec, image: this.subject.file });
          return {};
        });
        rpc.handle('image.chooseModel', async () => {
          await vscode.commands.executeCommand(CHOOSE_IMAGE_MODEL_COMMAND);
          return {};
        });
        // Beside the image, or in the workspace.
        const folder = () => (this.subject ? vscode.Uri.file(path.dirname(this.subject.file)) : vscode.workspace.workspaceFolders?.[0]?.uri);
        rpc.handle('export.png', ({ dataUrl, suggestedName }) => saveExport(suggestedName, PNG_FILTER, pngBytes(dataUrl), folder()));
        rpc.on('state', (s) => (this.pageState = s));
      },
      // Each load of the page: its controls, what the panel shows, then any work under way.
      onReady: () => {
        if (this.pageState) this.view.notify('restore', this.pageState);
        this.notifyShown();
        if (this.work.status) this.view.notify('status', this.work.status);
      },
      onDispose: () => this.dispose(),
    };
    this.view = restored ? PanelWebview.restore(page, restored) : PanelWebview.create(page, 'Image Attention', vscode.ViewColumn.Beside, true);
    this.work = new LatestWork(
      (status) => {
        if (status.state === 'error') this.shown = undefined; // the message replaces the drawing
        this.view.notify('status', status);
      },
      (e) => output.warn(`image attention: ${e.message}${e.detail ? `\n${e.detail}` : ''}`),
    );
    this.disposables.push(
      deps.imageModel.onDidChange(() => {
        if (this.subject) void this.showFile(this.subject.file);
      }),
      vscode.window.tabGroups.onDidChangeTabs(() => {
        // Only another image coming to the front is followed: tabs also change for other reasons
        // (this panel's own title, when it shows a file chosen elsewhere, is one).
        const uri = activeImageTab();
        if (uri?.fsPath === this.activeImage) return;
        this.activeImage = uri?.fsPath;
        if (!uri || !this.view.panel.visible || uri.fsPath === this.subject?.file) return;
        clearTimeout(this.followTimer);
        this.followTimer = setTimeout(() => void this.showFile(uri.fsPath), FOLLOW_DEBOUNCE_MS);
      }),
    );
  }

  private async showFile(file: string): Promise<void> {
    clearTimeout(this.followTimer);
    const ticket = this.work.ticket(); // a model lookup in flight loses to a newer request too
    let spec: string;
    try {
      spec = (await this.deps.imageModel.resolve()).spec;
    } catch (err) {
      if (this.work.isCurrent(ticket)) this.work.post({ state: 'error', message: RpcError.from(err).message });
      return;
    }
    if (this.work.isCurrent(ticket)) await this.update({ spec, file });
  }

  private notifyShown(): void {
    if (!this.shown) return;
    if ('captions' in this.shown) this.view.notify('captions', this.shown);
    else this.view.notify('show', this.shown);
  }

  /**
   * The captions of `subject`'s image: the image model's first, then every other shipped captioner's
   * (soft and hard attention side by side). A comparison that fails is left out, not the panel.
   */
  private async caption(subject: ImageSubject, signal: AbortSignal): Promise<ImageCaptionResult[]> {
    const { engine, output } = this.deps;
    const first = await engine.request('image.caption', subject, { signal });
    const others = (await engine.request('model.demos', {}, { signal })).filter((d) => d.surfaces.includes('caption') && d.spec !== subject.spec);
    const captions = [first];
    for (const d of others) {
      try {
        captions.push(await engine.request('image.caption', { spec: d.spec, file: subject.file }, { signal }));
      } catch (err) {
        const e = RpcError.from(err);
        if (e.code === 'cancelled') throw err;
        output.warn(`image panel: ${d.label} could not caption ${path.basename(subject.file)}: ${e.message}`);
      }
    }
    return captions;
  }

  private async update(subject: ImageSubject, classIndex?: number): Promise<void> {
    this.subject = subject;
    this.view.panel.title = `Attention: ${path.basename(subject.file)}`;
    await this.work.run(
      { state: 'loading', message: `Running the model on ${path.basename(subject.file)}…`, subject },
      async (signal): Promise<NonNullable<ImagePanel['shown']>> => {
        const { captioner } = await this.deps.engine.request('image.describe', { spec: subject.spec }, { signal });
        return captioner
          ? { captions: await this.caption(subject, signal), subject }
          : { explanation: await this.deps.engine.request('image.explain', { ...subject, classIndex }, { signal }), subject };
      },
      (shown) => {
        this.shown = shown;
        this.notifyShown();
      },
      (message) => ({ state: 'error', message, subject }),
    );
  }

  private dispose(): void {
    if (ImagePanel.current === this) ImagePanel.current = undefined;
    clearTimeout(this.followTimer);
    this.work.supersede(); // a model lookup under way stops there too
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
