import type * as vscode from 'vscode';

/**
 * Whether a panel's page is loaded and listening, and a call when it does not load.
 *
 * The page says 'ready' each time it loads (first open, each show of a panel that is not kept alive
 * while hidden, a window reload): until then the host's messages would be lost, and after it the
 * host posts what the panel shows. Hiding such a panel unloads its page, so it is not loaded again
 * until its next 'ready'.
 *
 * Why `onStuck`: in a browser (code-server) every webview shares one origin and one service worker
 * scope, and when two load at once (VS Code's image preview and a panel beside it, or all of them
 * after a window reload), VS Code's frame around one of them can wait forever for its service
 * worker and never load the page: the panel stays blank. Only a new webview gets past that.
 */
export class WebviewLoadWatch implements vscode.Disposable {
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    /** How long a visible panel's page may take to say 'ready'. */
    private readonly timeoutMs: number,
    private readonly onStuck: () => void,
  ) {
    this.subscription = panel.onDidChangeViewState(() => {
      if (!panel.visible && !panel.options.retainContextWhenHidden) this.loaded = false;
      this.arm();
    });
    this.arm();
  }

  /** The page is loaded and listening (posts reach it). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Call on the page's 'ready'. */
  ready(): void {
    this.loaded = true;
    this.arm();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }

  /** Waits for 'ready' while the panel is visible and its page is not loaded. */
  private arm(): void {
    if (this.loaded || !this.panel.visible) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.onStuck();
      }, this.timeoutMs);
  }
}
