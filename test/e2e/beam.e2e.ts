/**
 * The beam-tree panel in a real VS Code: decode a line with beam 4 from the palette, see the tree
 * with the best path highlighted, inspect a non-best node's attention, force an alternative token,
 * keep a decode for comparison, and get clear messages for bad settings.
 */
import * as assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { expect } from './harness/expect';
import { repoRoot, vsCodeForSuite, type VsCodeSession } from './harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, openCheckpointFromExplorer, openDemoCheckpoint, openFileAtLine, runCommand, statusBarItem } from './harness/workbench';

/** The shipped dates demo (E2E_BEAM_CHECKPOINT overrides it). Its line 1, "3 May 1979", reads "1979-05-03". */
const CHECKPOINT = process.env.E2E_BEAM_CHECKPOINT ?? path.join(repoRoot, 'demo', 'checkpoints', 'transformer-dates');
const ANSWER_MS = 60_000;

/** Nodes are SVG elements in a pannable viewport: select them as a keyboard user does. */
async function activateNode(view: FrameLocator, nodeId: string): Promise<void> {
  const node = view.locator(`[data-testid="beam-node"][data-node="${nodeId}"]`).first();
  await node.focus();
  await node.press('Enter');
}

async function setControl(view: FrameLocator, testId: string, value: string): Promise<void> {
  const input = view.getByTestId(testId);
  await input.fill(value);
  await input.dispatchEvent('change');
}

describe('beam search panel in VS Code', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s), {
    beforeExtension: (s) => cpSync(CHECKPOINT, path.join(s.workspaceDir, 'checkpoints', 'dates'), { recursive: true }),
  });

  it('decodes the line under the cursor with beam 4: the tree is drawn with the best path highlighted', async () => {
    await openCheckpointFromExplorer(vs.page, ['checkpoints', 'dates']);
    await expect(statusBarItem(vs.page, /^\s*dates\s*$/)).toBeVisible(ANSWER_MS);
    await openFileAtLine(vs.page, 'text', 'dates.txt', 1); // "3 May 1979"
    // The editor context menu offers the command once a model is active.
    await vs.page.locator('.monaco-editor .view-line', { hasText: '3 May 1979' }).first().click({ button: 'right' });
    await chooseContextMenuItem(vs.page, 'Decode with Beam Search');

    const view = activeWebview(vs.page);
    await expect(view.getByTestId('beam-tree')).toBeVisible(ANSWER_MS);
    await expect(view.getByTestId('input-text')).toHaveText(/^3 May 1979$/);
    await expect(view.getByTestId('decode-title')).toHaveText(/^beam 4 · α 0\.6/);
    await expect(view.getByTestId('hypothesis-0')).toHaveText(/^1979-05-03/);
    // The best path: root to the winning <eos>, one node per step, drawn thick.
    const best = view.locator('[data-testid="beam-node"][data-best="true"]');
    const depths = (await best.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-depth'))))).sort((a, b) => a - b);
    assert.deepEqual(depths, Array.from({ length: depths.length }, (_, i) => i), 'one best node per step from the root');
    assert.equal(depths.length, '1979-05-03'.length + 2, 'root, ten characters and <eos>');
    const last = best.filter({ has: view.locator('text.token', { hasText: '<eos>' }) });
    assert.equal(await last.getAttribute('data-status'), 'finished');
    assert.ok((await view.locator('svg.beam-tree path.edge.best').count()) === depths.length - 1);
    // Kept, pruned and finished differ in shape too: finished nodes have a second (outer) outline.
    assert.equal(await last.locator('rect.outer').count(), 1);
    assert.ok((await view.getByTestId('beam-stub').count()) > 0, 'pruned branches are folded');
  });

  it('clicking a non-best node updates the attention view to that node', async () => {
    const view = activeWebview(vs.page);
    // The winner is selected first.
    await expect(view.getByTestId('node-attention')).toBeVisible(ANSWER_MS);
    const first = await view.getByTestId('node-attention').getAttribute('data-node');
    // Unfold the root's folded branches, then pick a pruned (non-best) node.
    const stub = view.locator('[data-testid="beam-stub"]').first();
    await stub.focus();
    await stub.press('Enter');
    const other = view.locator('[data-testid="beam-node"][data-best="false"]').first();
    await other.waitFor({ state: 'attached', timeout: ANSWER_MS });
    const id = (await other.getAttribute('data-node')) ?? '';
    assert.notEqual(id, first);
    await activateNode(view, id);
    await expect(view.locator(`[data-testid="node-attention"][data-node="${id}"]`)).toBeVisible(ANSWER_MS);
    await expect(view.getByTestId('cross-canvas')).toBeVisible();
    await expect(view.getByTestId('self-canvas')).toBeVisible();
    assert.match((await view.getByTestId('cross-canvas').getAttribute('aria-label')) ?? '', /^Cross-attention over the source, layer \d+, mean of heads/);
  });

  it('forcing an alternative first token re-decodes: the new best hypothesis starts with it', async () => {
    const view = activeWebview(vs.page);
    const firstStep = view.locator('[data-testid="beam-node"][data-best="true"][data-depth="1"]');
    await activateNode(view, (await firstStep.getAttribute('data-node')) ?? '');
    const alt = view.getByTestId('alternatives').locator('button:not([disabled])').filter({ hasNotText: /^1$/ }).first();
    const token = (await alt.getAttribute('data-token')) ?? '';
    assert.ok(token && token !== '1', `an alternative first token, got '${token}'`);
    await alt.click();
    await expect(view.getByTestId('decode-title')).toHaveText(/forced prefix/, ANSWER_MS);
    const text = (await view.getByTestId('hypothesis-0').locator('code').textContent()) ?? '';
    assert.ok(text.startsWith(token), `best hypothesis '${text}' should start with the forced '${token}'`);
    await view.getByTestId('clear-prefix').click();
    await expect(view.getByTestId('hypothesis-0')).toHaveText(/^1979-05-03/, ANSWER_MS);
  });

  it('keeps a decode for comparison; changing the beam size re-decodes beside it', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('pin').click();
    await setControl(view, 'beam-size', '2');
    await expect(view.getByTestId('decode-pinned')).toBeVisible(ANSWER_MS);
    await expect(view.getByTestId('decode-current').getByTestId('decode-title')).toHaveText(/^beam 2 /, ANSWER_MS);
    await expect(view.getByTestId('decode-pinned').getByTestId('decode-title')).toHaveText(/^beam 4 /);
    assert.equal(await view.getByTestId('beam-tree').count(), 2);
    await setControl(view, 'alpha', '1.2');
    await expect(view.getByTestId('decode-current').getByTestId('decode-title')).toHaveText(/^beam 2 · α 1\.2/, ANSWER_MS);
    await view.getByTestId('unpin').click();
  });

  it('a redraw keeps what is typed in a setting, and where the caret was (a decode can land while one is edited)', async () => {
    const view = activeWebview(vs.page);
    const size = view.getByTestId('beam-size');
    // The user selects the value to type over it, and a redraw comes before the key: the key still
    // replaces the selection (a redrawn input put the caret before the old value: "7" + "2" = "72").
    await size.selectText();
    // Clicked as an event, so the input keeps the focus and sends no change: only the redraw happens.
    await view.getByTestId('pin').dispatchEvent('click');
    await expect(view.getByTestId('decode-pinned')).toBeVisible();
    await size.press('7');
    assert.equal(await size.inputValue(), '7', 'the key replaced the selected value');
    await view.getByTestId('unpin').dispatchEvent('click');
    await expect(view.getByTestId('pin')).toBeVisible();
    assert.equal(await size.inputValue(), '7', 'the typed beam size survives the redraw');
    assert.equal(await size.evaluate((e) => e === e.ownerDocument.activeElement), true, 'and keeps the focus');
    await setControl(view, 'beam-size', '3');
    await expect(view.getByTestId('decode-title')).toHaveText(/^beam 3 · α 1\.2/, ANSWER_MS);
  });

  it('refuses bad settings with clear messages and stays usable', async () => {
    const view = activeWebview(vs.page);
    await setControl(view, 'beam-size', '0');
    await expect(view.getByTestId('status')).toHaveText(/beam size must be at least 1/);
    await setControl(view, 'beam-size', '40');
    await expect(view.getByTestId('status')).toHaveText(/beam size must be at most 32/);
    await setControl(view, 'beam-size', '4');
    await setControl(view, 'alpha', '3');
    await expect(view.getByTestId('status')).toHaveText(/alpha must be between 0 and 2/);
    await setControl(view, 'alpha', '0.6');
    await setControl(view, 'max-tokens', '0');
    await expect(view.getByTestId('status')).toHaveText(/maximum output length must be at least 1/);
    await setControl(view, 'max-tokens', '64');
    await expect(view.getByTestId('decode-current').getByTestId('decode-title')).toHaveText(/^beam 4 · α 0\.6/, ANSWER_MS);
  });

  it('comes back after a window reload, decoded again with the same settings', async () => {
    const view = activeWebview(vs.page);
    await setControl(view, 'beam-size', '3');
    await expect(view.getByTestId('decode-title')).toHaveText(/^beam 3 /, ANSWER_MS);
    await vs.reload();
    const after = activeWebview(vs.page);
    await expect(after.getByTestId('beam-tree')).toBeVisible(ANSWER_MS);
    await expect(after.getByTestId('input-text')).toHaveText(/^3 May 1979$/);
    await expect(after.getByTestId('decode-title')).toHaveText(/^beam 3 · α 0\.6/);
    await expect(after.getByTestId('hypothesis-0')).toHaveText(/^1979-05-03/);
  });
});

describe('beam search panel with an RNN seq2seq in VS Code', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s));

  it('decodes a line with the rnn-seq2seq demo: the same tree, and a node shows its alignment over the source', async () => {
    await openDemoCheckpoint(vs.page, 'rnn-seq2seq-reverse');
    await expect(statusBarItem(vs.page, /^\s*rnn-seq2seq-reverse\s*$/)).toBeVisible(ANSWER_MS);
    await openFileAtLine(vs.page, 'text', 'reverse.txt', 2); // "attention"
    await runCommand(vs.page, 'Attention Debugger: Decode with Beam Search');
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('beam-tree')).toBeVisible(ANSWER_MS);
    await expect(view.getByTestId('input-text')).toHaveText(/^attention$/);
    await expect(view.getByTestId('hypothesis-0')).toHaveText(/^noitnetta/, ANSWER_MS);
    const best = view.locator('[data-testid="beam-node"][data-best="true"]');
    assert.equal(await best.count(), 'noitnetta'.length + 2, 'root, nine letters and <eos>');
    await expect(view.getByTestId('node-attention')).toBeVisible(ANSWER_MS);
    await expect(view.getByTestId('cross-canvas')).toBeVisible();
    assert.match((await view.getByTestId('cross-canvas').getAttribute('aria-label')) ?? '', /^Alignment over the source, layer 0/);
    await expect(view.getByTestId('no-decoder-self')).toHaveText(/no self-attention/);
  });
});
