import type * as vscode from 'vscode';
import type { Envelope, Transport } from '../../protocol/rpc';

/** The host's side of a webview's message channel. */
export function webviewTransport(webview: vscode.Webview): Transport {
  return {
    post: (message: Envelope) => {
      void webview.postMessage(message);
    },
    onMessage: (handler) => {
      const sub = webview.onDidReceiveMessage(handler);
      return () => sub.dispose();
    },
  };
}
