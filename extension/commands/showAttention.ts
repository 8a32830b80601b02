/**
 * "Show Attention": the selection, or the current line, through the active model, in the panel; and
 * the image panel's "Open Heads in Attention Panel" (an image through the image model).
 */
import * as vscode from 'vscode';
import { ImageFileSubject } from '../../protocol/attentionPanel';
import { SHOW_IMAGE_HEADS_COMMAND } from '../image/imagePanel';
import { textUnderCursor } from '../model/editorText';
import { OPEN_CHECKPOINT_COMMAND } from '../model/openCheckpoint';
import { AttentionPanel, type AttentionPanelDeps } from '../panels/attentionPanel';

export const SHOW_ATTENTION_COMMAND = 'attentionDebugger.showAttention';

/** Arguments from a hover's "open in panel" link: the exact text and the token to focus. */
interface ShowAttentionArgs {
  text: string;
  focusToken?: number;
}

export function registerShowAttention(deps: AttentionPanelDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(SHOW_ATTENTION_COMMAND, (args?: ShowAttentionArgs) => showText(deps, args)),
    vscode.commands.registerCommand(SHOW_IMAGE_HEADS_COMMAND, (args: unknown) => {
      const subject = ImageFileSubject.safeParse(args);
      if (!subject.success) return void vscode.window.showErrorMessage('Open Heads in Attention Panel needs an image and an image model: use the button in the image panel.');
      AttentionPanel.show(deps, subject.data);
    }),
  );
}

async function showText(deps: AttentionPanelDeps, args?: ShowAttentionArgs): Promise<void> {
  const model = deps.activeModel.value;
  if (!model) {
    const choice = await vscode.window.showErrorMessage('No active attention model: open a checkpoint (or a demo) first.', 'Open Checkpoint');
    if (choice) await vscode.commands.executeCommand(OPEN_CHECKPOINT_COMMAND);
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const text = typeof args?.text === 'string' ? args.text : editor ? textUnderCursor(editor) : '';
  if (!text.trim()) {
    void vscode.window.showErrorMessage('Nothing to show: select some text, or put the cursor on a non-empty line.');
    return;
  }
  AttentionPanel.show(deps, { spec: model.spec, text }, typeof args?.focusToken === 'number' ? args.focusToken : undefined);
}
