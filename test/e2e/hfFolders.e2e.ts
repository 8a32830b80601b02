/**
 * Hugging Face folders from the Explorer, as a user opens them: right-click the model folder (or
 * its config.json) and choose Open Checkpoint. The menu item shows only on checkpoint folders; an
 * unsupported model_type is refused with the types that are supported, and the active model stays.
 */
import * as assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from './harness/expect';
import { repoRoot, vsCodeForSuite, type VsCodeSession } from './harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, expandFolders, explorerItem, notification, openFileAtLine, runCommand, statusBarItem } from './harness/workbench';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'hf');
const ANSWER_MS = 30_000;

async function contextMenuItems(vs: VsCodeSession, row: string): Promise<string[]> {
  await explorerItem(vs.page, row).click({ button: 'right' });
  const menu = vs.page.locator('.context-view .monaco-menu');
  await menu.locator('.action-menu-item').first().waitFor({ state: 'visible' });
  const labels = (await menu.locator('.action-menu-item .action-label').allTextContents()).map((t) => t.trim());
  await vs.page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  return labels;
}

describe('Hugging Face folders from the Explorer', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s), {
    beforeExtension: (s) => {
      cpSync(path.join(FIXTURES, 'gpt2'), path.join(s.workspaceDir, 'models', 'tiny-gpt2'), { recursive: true });
      cpSync(path.join(FIXTURES, 'broken-unsupported-type'), path.join(s.workspaceDir, 'models', 'tiny-llama'), { recursive: true });
    },
  });

  it('offers Open Checkpoint on a model folder and not on other folders', async () => {
    await runCommand(vs.page, 'View: Show Explorer');
    await expandFolders(vs.page, ['models']);
    // The folder list is published a moment after activation: wait for the item, then check a plain folder.
    let items: string[] = [];
    for (const until = Date.now() + ANSWER_MS; !items.includes('Open Checkpoint') && Date.now() < until; await vs.page.waitForTimeout(500)) {
      items = await contextMenuItems(vs, 'tiny-gpt2');
    }
    assert.ok(items.includes('Open Checkpoint'), `the model folder's menu: ${items.join(', ')}`);
    assert.ok(!(await contextMenuItems(vs, 'text')).includes('Open Checkpoint'), 'a folder of text files is not a checkpoint');
  });

  it('opens the folder as the active model and shows its attention', async () => {
    await explorerItem(vs.page, 'tiny-gpt2').click({ button: 'right' });
    await chooseContextMenuItem(vs.page, 'Open Checkpoint');
    await expect(statusBarItem(vs.page, /tiny-gpt2/)).toBeVisible(ANSWER_MS);
    await openFileAtLine(vs.page, 'text', 'reverse.txt', 2); // "attention"
    await runCommand(vs.page, 'Attention Debugger: Show Attention');
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('input-text')).toHaveText(/^attention$/, ANSWER_MS);
    await expect(view.getByTestId('attention-canvas')).toBeVisible(ANSWER_MS);
    assert.match((await view.getByTestId('attention-canvas').getAttribute('aria-label')) ?? '', /^decoder-self attention/);
  });

  it('refuses an unsupported model_type from its config.json, naming the supported ones', async () => {
    await expandFolders(vs.page, ['tiny-llama']);
    await explorerItem(vs.page, 'config.json').click({ button: 'right' });
    await chooseContextMenuItem(vs.page, 'Open Checkpoint');
    await expect(notification(vs.page, /model_type 'llama' is not supported; supported Hugging Face model types: .*gpt2/)).toBeVisible(ANSWER_MS);
    await expect(statusBarItem(vs.page, /tiny-gpt2/)).toBeVisible(ANSWER_MS);
  });
});
