/** "Decode with Beam Search": the selection, or the current line, through the active model, in the beam-tree panel. */
import * as vscode from 'vscode';
import { BEAM_DEFAULTS, BeamSettings } from '../../protocol/beam';
import type { BeamSubject } from '../../protocol/beamPanel';
import { withEngineProgress } from '../engine/withEngineProgress';
import { textUnderCursor } from '../model/editorText';
import { OPEN_CHECKPOINT_COMMAND } from '../model/openCheckpoint';
import { BeamPanel, type BeamPanelDeps } from '../panels/beamPanel';

export const DECODE_BEAM_COMMAND = 'attentionDebugger.decodeBeam';

/** Optional arguments (keybindings, other extensions, tests): the text and the search settings. */
interface DecodeBeamArgs {
  text?: unknown;
  beamSize?: unknown;
  alpha?: unknown;
  maxTokens?: unknown;
}

export function registerDecodeBeam(deps: BeamPanelDeps): vscode.Disposable {
  return vscode.commands.registerCommand(DECODE_BEAM_COMMAND, async (args?: DecodeBeamArgs) => {
    const model = deps.activeModel.value;
    if (!model) {
      const choice = await vscode.window.showErrorMessage('No active attention model: open a checkpoint (or a demo) first.', 'Open Checkpoint');
      if (choice) await vscode.commands.executeCommand(OPEN_CHECKPOINT_COMMAND);
      return;
    }
    // Editor context-menu invocations pass the document URI; only a plain object carries settings.
    const a: DecodeBeamArgs = args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {};
    const settings = BeamSettings.safeParse({ beamSize: a.beamSize ?? BEAM_DEFAULTS.beamSize, alpha: a.alpha ?? BEAM_DEFAULTS.alpha, maxTokens: a.maxTokens ?? BEAM_DEFAULTS.maxTokens });
    if (!settings.success) {
      void vscode.window.showErrorMessage(`Cannot decode: ${settings.error.issues.map((i) => i.message).join('; ')}.`);
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const text = typeof a.text === 'string' ? a.text : editor ? textUnderCursor(editor) : '';
    if (!text.trim()) {
      void vscode.window.showErrorMessage('Nothing to decode: select some text, or put the cursor on a non-empty line.');
      return;
    }
    const subject: BeamSubject = { spec: model.spec, text, settings: settings.data };
    const result = await withEngineProgress(`Beam search (beam ${subject.settings.beamSize}) with ${model.label}`, deps.output, (options) =>
      deps.engine.request('beam.decode', { spec: subject.spec, text, ...subject.settings }, options),
    ).catch(() => undefined); // the error was shown and logged
    if (result) BeamPanel.show(deps, subject, result);
  });
}
