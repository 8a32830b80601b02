/** Writes what a panel exports (a PNG drawing, JSON) where the user's save dialog says. */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

export const PNG_FILTER = { 'PNG image': ['png'] };
export const JSON_FILTER = { JSON: ['json'] };

/** The bytes of a `data:image/png;base64,...` URL (the protocol checked its form). */
export function pngBytes(dataUrl: string): Buffer {
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

/** Asks where to save `data`, starting at `suggestedName` in `folder`; `saved: false` when the user cancels. */
export async function saveExport(suggestedName: string, filters: Record<string, string[]>, data: Buffer, folder: vscode.Uri | undefined): Promise<{ saved: boolean }> {
  const safeName = suggestedName.replace(/[^\w.-]+/g, '_');
  const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, safeName) : undefined, filters });
  if (!target) return { saved: false };
  await fs.writeFile(target.fsPath, data);
  return { saved: true };
}
