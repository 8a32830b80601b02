/**
 * Runs engine work under a cancellable VS Code progress notification: the notification's Cancel
 * aborts the request (the engine stops the work), and the engine's progress events update it.
 * Errors are shown with their message and logged with their detail; the promise then resolves
 * `undefined`, so callers only handle success.
 */
import * as vscode from 'vscode';
import { RpcError, type RequestOptions } from '../../protocol/rpc';

export async function withEngineProgress<T>(
  title: string,
  output: vscode.LogOutputChannel,
  work: (options: Required<Pick<RequestOptions, 'signal' | 'onProgress'>>) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let lastFraction = 0;
        return work({
          signal: controller.signal,
          onProgress: (p) => {
            // VS Code's increment is relative; the engine reports absolute fractions.
            const increment = p.fraction !== undefined ? (p.fraction - lastFraction) * 100 : undefined;
            if (p.fraction !== undefined) lastFraction = p.fraction;
            progress.report({ message: p.message, increment });
          },
        });
      },
    );
  } catch (err) {
    const e = RpcError.from(err);
    if (e.code === 'cancelled') return undefined;
    output.error(`${title}: ${e.message}${e.detail ? `\n${e.detail}` : ''}`);
    void vscode.window.showErrorMessage(e.message);
    throw e;
  }
}
