/**
 * End to end in a real VS Code (code-server + Chromium): activation, the engine started from the
 * palette, the engine panel's DOM, restart after the engine is killed from outside, panel state
 * across a window reload, and a corrupt checkpoint reported by file name.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from './harness/expect';
import { vsCodeForSuite, type VsCodeSession } from './harness/vscodeSession';
import { hangNextPanelFrame, panelFrameWasHung } from './harness/stuckWebview';
import { activeWebview, chooseContextMenuItem, explorerItem, notification, runCommand, statusBarItem } from './harness/workbench';

/** How long the engine may take to answer before a test fails (it starts in ~0.3 s here). */
const ENGINE_ANSWER_MS = 30_000;

describe('engine in VS Code', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s), { waitForExtension: false });

  it('activates at start-up and shows the engine as idle in the status bar', async () => {
    await expect(statusBarItem(vs.page, 'Attention: idle')).toBeVisible(30_000);
  });

  it('"Show Engine" starts the engine and the panel shows its backend and why', async () => {
    await runCommand(vs.page, 'Attention Debugger: Show Engine');
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('engine-status')).toHaveText(/running on wasm/, ENGINE_ANSWER_MS);
    const rows = view.getByTestId('backend-table').locator('tbody tr');
    assert.equal(await rows.count(), 4);
    await expect(rows.filter({ hasText: 'wasm' })).toHaveText(/chosen/);
    await expect(rows.filter({ hasText: 'tensorflow-gpu' })).toHaveText(/failed.*tfjs-node-gpu is not installed/);
    await expect(statusBarItem(vs.page, 'Attention: wasm')).toBeVisible();
  });

  it('runs a matmul check in the engine from the panel', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('matmul-check').click();
    await expect(view.getByTestId('matmul-result')).toHaveText(/512×512 matmul on wasm: [\d.]+ ms median, [\d.]+ GFLOP\/s/, ENGINE_ANSWER_MS);
  });

  it('moves a tensor from the engine into the panel as binary, intact', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('transport-1').click();
    await expect(view.getByTestId('transport-result')).toHaveText(/1 MB tensor engine → panel: [\d.]+ ms/, ENGINE_ANSWER_MS);
  });

  it('restarts the engine after it is killed from outside, and says so', async () => {
    const view = activeWebview(vs.page);
    const facts = view.getByTestId('engine-facts');
    const pid = Number((await facts.textContent())?.match(/pid (\d+)/)?.[1]);
    assert.ok(pid > 0, 'the panel shows the engine pid');
    process.kill(pid, 'SIGKILL');
    await expect(notification(vs.page, /stopped unexpectedly \(signal SIGKILL\) and was restarted on wasm/)).toBeVisible(ENGINE_ANSWER_MS);
    await expect(facts).toHaveText(/Restarts\s*1/, ENGINE_ANSWER_MS);
    const newPid = Number((await facts.textContent())?.match(/pid (\d+)/)?.[1]);
    assert.ok(newPid > 0 && newPid !== pid, `a new engine process (${newPid}) replaced ${pid}`);
    await expect(statusBarItem(vs.page, 'Attention: wasm')).toBeVisible();
  });

  it('keeps panel state across a window reload', async () => {
    await vs.reload();
    const view = activeWebview(vs.page);
    // The serializer restores the panel; the webview restores its last matmul result from state.
    await expect(view.getByTestId('matmul-result')).toHaveText(/512×512 matmul on wasm/, ENGINE_ANSWER_MS);
    await expect(view.getByTestId('engine-status')).toHaveText(/running on wasm/, ENGINE_ANSWER_MS);
  });

  it('a panel whose page never loads opens again in a new webview, which gets the engine status from the host', async () => {
    await hangNextPanelFrame(vs.page);
    await vs.reload();
    // The restored panel's page waits forever; after 10 s the host replaces its webview.
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('engine-status')).toHaveText(/running on wasm/, 10_000 + ENGINE_ANSWER_MS);
    assert.ok(await panelFrameWasHung(vs.page), "the restored panel's frame was made to wait");
  });

  it('reports a corrupt checkpoint chosen from the explorer by file name, and keeps working', async () => {
    const dir = path.join(vs.workspaceDir, 'broken-checkpoint');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), '{"format": "layers-model", "weightsManifest": [');
    await runCommand(vs.page, 'View: Show Explorer');
    await vs.page.locator('.part.sidebar .action-label[aria-label^="Refresh Explorer"]').click();
    await explorerItem(vs.page, 'broken-checkpoint').click();
    await explorerItem(vs.page, 'model.json').click({ button: 'right' });
    await chooseContextMenuItem(vs.page, 'Inspect Checkpoint');
    await expect(notification(vs.page, /broken-checkpoint\/model\.json: is not valid JSON/)).toBeVisible(ENGINE_ANSWER_MS);
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('checkpoint')).toHaveText(/model\.json: is not valid JSON/);
    await expect(view.getByTestId('engine-status')).toHaveText(/running on wasm/);
  });
});
