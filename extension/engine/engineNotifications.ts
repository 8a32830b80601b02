/** Tells the user, once, when the engine crashed and came back, or gave up. */
import * as vscode from 'vscode';
import type { EngineStatus } from '../../protocol/panel';
import type { EngineSupervisor } from './engineSupervisor';

export const RESTART_ENGINE_COMMAND = 'attentionDebugger.restartEngine';

export function notifyEngineLifecycle(engine: EngineSupervisor): vscode.Disposable {
  let lastCrash: string | undefined;
  const off = engine.onStatus((status: EngineStatus) => {
    if (status.kind === 'restarting') {
      lastCrash = status.reason;
    } else if (status.kind === 'running' && lastCrash) {
      void vscode.window.showWarningMessage(
        `${lastCrash} and was restarted on ${status.info.backend}. Requests in flight failed; run them again.`,
      );
      lastCrash = undefined;
    } else if (status.kind === 'failed') {
      lastCrash = undefined;
      void vscode.window.showErrorMessage(status.reason, 'Restart Engine').then((choice) => {
        if (choice) void vscode.commands.executeCommand(RESTART_ENGINE_COMMAND);
      });
    }
  });
  return { dispose: off };
}
