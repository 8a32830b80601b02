import * as vscode from 'vscode';

/** Documents whose text the models may read: files and unsaved editors, not output or settings. */
export function isUserText(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' || document.uri.scheme === 'untitled';
}

/** The selection, or the line under the cursor when nothing is selected (trailing newline dropped). */
export function textUnderCursor(editor: vscode.TextEditor): string {
  const { selection, document } = editor;
  const text = selection.isEmpty ? document.lineAt(selection.active.line).text : document.getText(selection);
  return text.replace(/\r?\n$/, '');
}
