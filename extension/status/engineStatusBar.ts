/** The status bar item that shows the engine's backend, and in its tooltip why each other one was not used. */
import * as vscode from 'vscode';
import type { EngineStatus } from '../../protocol/panel';
import type { EngineSupervisor } from '../engine/engineSupervisor';

export const SHOW_ENGINE_COMMAND = 'attentionDebugger.showEngine';

function tooltip(status: EngineStatus): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  switch (status.kind) {
    case 'idle':
      md.appendMarkdown('**Attention engine**: not started. It starts on first use.');
      break;
    case 'starting':
      md.appendMarkdown('**Attention engine**: starting, choosing a TensorFlow.js backend…');
      break;
    case 'running': {
      const { info } = status;
      md.appendMarkdown(`**Attention engine** on **${info.backend}** (pid ${info.pid}, started in ${Math.round(info.startupMs)} ms)\n\n`);
      md.appendMarkdown('| backend | status | why |\n|---|---|---|\n');
      for (const c of info.candidates) md.appendMarkdown(`| ${c.name} | ${c.status} | ${c.reason.replace(/\|/g, '\\|')} |\n`);
      break;
    }
    case 'restarting':
      md.appendMarkdown(`**Attention engine**: ${status.reason}. Restarting in ${status.delayMs} ms.`);
      break;
    case 'failed':
      md.appendMarkdown(`**Attention engine**: ${status.reason}`);
      break;
    default: {
      const never: never = status;
      return never;
    }
  }
  md.appendMarkdown('\n\nClick to open the engine panel.');
  return md;
}

function text(status: EngineStatus): string {
  switch (status.kind) {
    case 'idle':
      return '$(circle-outline) Attention: idle';
    case 'starting':
      return '$(sync~spin) Attention: starting';
    case 'running':
      return `$(pulse) Attention: ${status.info.backend}`;
    case 'restarting':
      return '$(sync~spin) Attention: restarting';
    case 'failed':
      return '$(error) Attention: engine failed';
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function createEngineStatusBar(engine: EngineSupervisor): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('attentionDebugger.engineStatus', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Attention Engine';
  item.command = SHOW_ENGINE_COMMAND;
  const render = (status: EngineStatus) => {
    item.text = text(status);
    item.tooltip = tooltip(status);
    item.backgroundColor = status.kind === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  render(engine.currentStatus);
  const off = engine.onStatus(render);
  item.show();
  return { dispose: () => (off(), item.dispose()) };
}
