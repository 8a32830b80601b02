/**
 * One panel's webview, kept showing its page: the HTML shell, the message channel to the page, a
 * watch on its loading, and a new webview in the same place when the page never loads (see
 * WebviewLoadWatch for why that happens in code-server). The panel class behind it keeps what the
 * panel shows and posts it again on every 'ready' (first load, each show of a page that is not kept
 * alive while hidden, a window reload, a replaced webview), so it never matters which page got it.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { RpcEndpoint, type EventSchemas, type RequestSchemas, type Side } from '../../protocol/rpc';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { WebviewLoadWatch } from './webviewLoadWatch';
import { webviewTransport } from './webviewTransport';

/** How long a shown page may take to load before its webview is replaced; doubled at each
 * replacement, so a page that is only slow (a busy machine) gets the time it needs. */
export const READY_TIMEOUT_MS = 10_000;

export interface PanelPage<LR extends RequestSchemas, LE extends EventSchemas & { ready: z.ZodType }, RR extends RequestSchemas, RE extends EventSchemas> {
  viewType: string;
  /** The page bundle under dist/webview, and the page's HTML title. */
  bundle: string;
  title: string;
  /** How the output channel names this panel ("beam panel"). */
  name: string;
  extensionUri: vscode.Uri;
  output: vscode.LogOutputChannel;
  /** The host's side of the channel (what it answers, what it hears) and the page's. */
  local: Side<LR, LE>;
  remote: Side<RR, RE>;
  /** Whether the page stays loaded while the panel is hidden (it then says 'ready' only once per webview). */
  retainContextWhenHidden?: boolean;
  /** Registers the page's requests on a new channel: each webview, a replacement too, has its own. */
  handle(rpc: RpcEndpoint<LR, LE, RR, RE>): void;
  /** The page (re)loaded and listens: post it everything the panel shows. */
  onReady(): void;
  /** The panel was closed (a replaced webview is not a close). */
  onDispose(): void;
}

export class PanelWebview<LR extends RequestSchemas, LE extends EventSchemas & { ready: z.ZodType }, RR extends RequestSchemas, RE extends EventSchemas> {
  private current!: { panel: vscode.WebviewPanel; rpc: RpcEndpoint<LR, LE, RR, RE>; load: WebviewLoadWatch; disposables: vscode.Disposable[] };

  /** Opens a new panel in `column`. */
  static create<LR extends RequestSchemas, LE extends EventSchemas & { ready: z.ZodType }, RR extends RequestSchemas, RE extends EventSchemas>(
    page: PanelPage<LR, LE, RR, RE>,
    title: string,
    column: vscode.ViewColumn,
    preserveFocus: boolean,
  ): PanelWebview<LR, LE, RR, RE> {
    return new PanelWebview(page, createPanel(page, title, column, preserveFocus), READY_TIMEOUT_MS);
  }

  /** Takes over a panel VS Code restored after a window reload. */
  static restore<LR extends RequestSchemas, LE extends EventSchemas & { ready: z.ZodType }, RR extends RequestSchemas, RE extends EventSchemas>(
    page: PanelPage<LR, LE, RR, RE>,
    panel: vscode.WebviewPanel,
  ): PanelWebview<LR, LE, RR, RE> {
    panel.webview.options = webviewOptions(page.extensionUri);
    return new PanelWebview(page, panel, READY_TIMEOUT_MS);
  }

  private constructor(
    private readonly page: PanelPage<LR, LE, RR, RE>,
    panel: vscode.WebviewPanel,
    readyTimeoutMs: number,
  ) {
    this.attach(panel, readyTimeoutMs);
  }

  /** The panel now showing the page (a replacement is a new one: read it each time). */
  get panel(): vscode.WebviewPanel {
    return this.current.panel;
  }

  /** The page is loaded and listening: posts reach it. */
  get isLoaded(): boolean {
    return this.current.load.isLoaded;
  }

  /** Posts an event to the page if it listens; a page that is not loaded gets it from onReady. */
  notify<K extends keyof RE & string>(type: K, payload: z.input<RE[K]>): void {
    if (this.current.load.isLoaded) this.current.rpc.notify(type, payload);
  }

  private attach(panel: vscode.WebviewPanel, readyTimeoutMs: number): void {
    const { page } = this;
    panel.webview.html = renderWebviewHtml(panel.webview, page.extensionUri, page.bundle, page.title);
    const rpc = new RpcEndpoint(webviewTransport(panel.webview), page.local, page.remote, (m) => page.output.warn(`${page.name}: ${m}`));
    page.handle(rpc);
    const load = new WebviewLoadWatch(panel, readyTimeoutMs, () => this.replace(readyTimeoutMs * 2));
    rpc.on('ready', () => {
      load.ready();
      page.onReady();
    });
    const disposables = [
      load,
      { dispose: () => rpc.close() },
      panel.onDidDispose(() => {
        for (const d of disposables.splice(0)) d.dispose();
        page.onDispose();
      }),
    ];
    this.current = { panel, rpc, load, disposables };
  }

  /** The page never loaded: a new webview where this one was, then this one closes. */
  private replace(readyTimeoutMs: number): void {
    const { page } = this;
    const stuck = this.current.panel;
    page.output.warn(`${page.name}: its page did not load; opening it again in a new webview (waiting ${readyTimeoutMs / 1000} s this time)`);
    const fresh = createPanel(page, stuck.title, stuck.viewColumn ?? vscode.ViewColumn.Beside, true);
    for (const d of this.current.disposables.splice(0)) d.dispose(); // the stuck panel's close is not the panel's
    this.attach(fresh, readyTimeoutMs);
    stuck.dispose();
  }
}

function createPanel(page: { viewType: string; extensionUri: vscode.Uri; retainContextWhenHidden?: boolean }, title: string, column: vscode.ViewColumn, preserveFocus: boolean): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(page.viewType, title, { viewColumn: column, preserveFocus }, { ...webviewOptions(page.extensionUri), retainContextWhenHidden: page.retainContextWhenHidden ?? false });
}
