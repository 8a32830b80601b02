/** Runs inside a desktop VS Code's extension host (npm run test:electron). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AttentionDebuggerApi } from '../../../extension/extension';

const EXTENSION_ID = 'attention-debugger.attention-debugger';

describe('Attention Debugger in desktop VS Code', () => {
  let api: AttentionDebuggerApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<AttentionDebuggerApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
  });

  it('starts the engine on first use and reports its backend', async () => {
    const info = await api.engineInfo();
    assert.ok(info.candidates.some((c) => c.status === 'chosen' && c.name === info.backend));
  });

  it('"Show Engine" opens the engine panel', async () => {
    await vscode.commands.executeCommand('attentionDebugger.showEngine');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    assert.ok(tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Attention Engine'));
  });
});
