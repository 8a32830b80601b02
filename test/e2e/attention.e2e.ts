/**
 * Text attention in a real VS Code: open a checkpoint from the explorer, show attention for the
 * line under the cursor, switch attention kinds and views, toggle a head, ablate heads, hover a
 * token, and follow the selection. Then the RNN seq2seq demo: its alignment in the matrix view,
 * and a hover over a source token.
 */
import * as assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from './harness/expect';
import { repoRoot, vsCodeForSuite, type VsCodeSession } from './harness/vscodeSession';
import { activeWebview, goToLine, openCheckpointFromExplorer, openDemoCheckpoint, openFileAtLine, runCommand, statusBarItem } from './harness/workbench';

/** The shipped reverse demo (E2E_TEXT_CHECKPOINT overrides it, for trying another checkpoint). */
const CHECKPOINT = process.env.E2E_TEXT_CHECKPOINT ?? path.join(repoRoot, 'demo', 'checkpoints', 'transformer-reverse');
const ANSWER_MS = 30_000;

async function canvasPixels(vs: VsCodeSession): Promise<string> {
  // Runs in the page; typed structurally because test code is compiled without the DOM library.
  return activeWebview(vs.page).getByTestId('attention-canvas').evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
}

describe('text attention in VS Code', function () {
  let vs: VsCodeSession;
  const config = JSON.parse(readFileSync(path.join(CHECKPOINT, 'model.json'), 'utf8')).modelTopology.config as { encoderLayers: number; heads: number };

  vsCodeForSuite((s) => (vs = s), {
    beforeExtension: (s) => cpSync(CHECKPOINT, path.join(s.workspaceDir, 'checkpoints', 'reverse'), { recursive: true }),
  });

  it('opens a checkpoint from the explorer and shows it as the active model', async () => {
    await openCheckpointFromExplorer(vs.page, ['checkpoints', 'reverse']);
    await expect(statusBarItem(vs.page, /^\s*reverse\s*$/)).toBeVisible(ANSWER_MS);
  });

  it('shows encoder, decoder and cross attention for the line under the cursor', async () => {
    await openFileAtLine(vs.page, 'text', 'reverse.txt', 2); // "attention"
    await runCommand(vs.page, 'Attention Debugger: Show Attention');
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('input-text')).toHaveText(/^attention$/, ANSWER_MS);
    await expect(view.getByTestId('attention-canvas')).toBeVisible(ANSWER_MS);
    await view.getByTestId('kind-select').click();
    const options = view.getByTestId('kind-select').locator('vscode-option');
    assert.deepEqual((await options.allTextContents()).map((t) => t.trim()), ['encoder-self', 'decoder-self', 'cross']);
    await options.filter({ hasText: 'cross' }).click();
    await expect(view.getByTestId('attention-canvas')).toBeVisible(ANSWER_MS);
    assert.match((await view.getByTestId('attention-canvas').getAttribute('aria-label')) ?? '', /^cross attention/);
  });

  it('query-key view: clicking a cell of one head shows its query, key and their product', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('head-select').click();
    await view.getByTestId('head-select').locator('vscode-option').filter({ hasText: 'head 1' }).click();
    const canvas = view.getByTestId('attention-canvas');
    await expect(canvas).toBeVisible(ANSWER_MS);
    const box = await canvas.boundingBox();
    assert.ok(box);
    await canvas.click({ position: { x: box.width - 12, y: box.height - 12 } });
    await expect(view.getByTestId('qk-view')).toHaveText(/Why head 1 weights .*score = q·k \/ √\d+ = -?[\d.]+; after softmax over the keys, weight = [\d.]+/, ANSWER_MS);
    assert.equal(await view.getByTestId('qk-view').locator('canvas').count(), 3);
  });

  it('head view: toggling a head changes the drawing', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('view-head').click();
    await expect(view.getByTestId('head-chip-0')).toBeVisible(ANSWER_MS);
    const before = await canvasPixels(vs);
    await view.getByTestId('head-chip-0').click();
    await expect(view.getByTestId('head-chip-0')).toHaveText(/head 0/);
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await canvasPixels(vs);
    }
    assert.notEqual(after, before, 'the drawing did not change when head 0 was turned off');
    assert.equal(await view.getByTestId('head-chip-0').getAttribute('aria-pressed'), 'false');
  });

  it('model view: shows a layers x heads grid of thumbnails, and ablation changes the outputs shown', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('view-model').click();
    await view.getByTestId('kind-select').click();
    await view.getByTestId('kind-select').locator('vscode-option').filter({ hasText: 'encoder-self' }).click();
    await expect(view.getByTestId('model-grid')).toBeVisible(ANSWER_MS);
    assert.equal(await view.getByTestId('thumbnail').count(), config.encoderLayers * config.heads);
    for (let h = 0; h < config.heads; h++) await view.getByTestId(`ablate-encoder-self-0-${h}`).click();
    await view.getByTestId('rerun-ablation').click();
    await expect(view.getByTestId('ablation-result')).toHaveText(/Output: .* → .*position.*predicted.*with heads ablated/, ANSWER_MS);
  });

  it('hovering a token lists the tokens it attends to, with weights', async () => {
    const line = vs.page.locator('.monaco-editor .view-line', { hasText: /^attention$/ }).first();
    await line.hover({ position: { x: 4, y: 6 } });
    const hoverWidget = vs.page.locator('.monaco-hover', { hasText: 'attends to' }).first();
    await expect(hoverWidget).toHaveText(/`?a`? attends to.*encoder-self, layer \d+, max over heads.*\d\.\d{3}/, ANSWER_MS);
    await expect(hoverWidget).toHaveText(/Open in attention panel/);
  });

  it('follows the selection: moving to another line updates the panel', async () => {
    await vs.page.keyboard.press('Escape');
    await vs.page.locator('.monaco-editor .view-lines').first().click();
    await goToLine(vs.page, 3); // "transformer"
    await expect(activeWebview(vs.page).getByTestId('input-text')).toHaveText(/^transformer$/, ANSWER_MS);
  });

  it('exports the attention shown as JSON through the save dialog', async () => {
    const view = activeWebview(vs.page);
    await view.getByTestId('view-matrix').click();
    await expect(view.getByTestId('attention-canvas')).toBeVisible(ANSWER_MS);
    await view.getByTestId('export-json').click();
    // code-server's save dialog is a quick input holding the suggested path.
    const input = vs.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    let target = '';
    for (let i = 0; i < 50 && !target.endsWith('.json'); i++) {
      target = await input.inputValue();
      if (!target.endsWith('.json')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(target, /attention-encoder-self-layer0\.json$/);
    await input.press('Enter');
    const file = path.join(vs.workspaceDir, path.basename(target));
    let json: { kind: string; queryLabels: string[]; weights: number[][] }[] | undefined;
    for (let i = 0; i < 100 && !json; i++) {
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(json, `${file} was not written`);
    assert.equal(json[0].kind, 'encoder-self');
    assert.deepEqual(json[0].queryLabels, [...'transformer']);
    for (const row of json[0].weights) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'each exported row sums to 1');
  });

  it('keeps the panel across a window reload', async () => {
    await vs.reload();
    await expect(activeWebview(vs.page).getByTestId('input-text')).toHaveText(/^transformer$/, ANSWER_MS);
  });
});

describe('RNN seq2seq attention in VS Code', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s));

  it('opens the rnn-seq2seq demo from the quick pick and shows its alignment [T, S] in the matrix view', async () => {
    await openDemoCheckpoint(vs.page, 'rnn-seq2seq-reverse');
    await expect(statusBarItem(vs.page, /^\s*rnn-seq2seq-reverse\s*$/)).toBeVisible(ANSWER_MS);
    await openFileAtLine(vs.page, 'text', 'reverse.txt', 2); // "attention"
    await runCommand(vs.page, 'Attention Debugger: Show Attention');
    const view = activeWebview(vs.page);
    await expect(view.getByTestId('input-text')).toHaveText(/^attention$/, ANSWER_MS);
    await expect(view.getByTestId('output-text')).toHaveText(/^noitnetta$/, ANSWER_MS);
    const canvas = view.getByTestId('attention-canvas');
    await expect(canvas).toBeVisible(ANSWER_MS);
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /^cross attention, layer 0/);
    const size = await canvas.evaluate((c) => [(c as unknown as { width: number }).width, (c as unknown as { height: number }).height]);
    assert.ok(size[0] > 0 && size[1] > 0, `the alignment is drawn (${size.join('x')})`);
    await view.getByTestId('kind-select').click();
    assert.deepEqual((await view.getByTestId('kind-select').locator('vscode-option').allTextContents()).map((t) => t.trim()), ['cross']);
    await vs.page.keyboard.press('Escape');
    await view.getByTestId('view-head').click();
    await expect(view.getByTestId('alignment-only')).toHaveText(/is one alignment: see the matrix view/, ANSWER_MS);
    await view.getByTestId('view-matrix').click();
    await expect(view.getByTestId('attention-canvas')).toBeVisible(ANSWER_MS);
  });

  it('hovering a source token lists the output tokens aligned to it, with weights', async () => {
    const line = vs.page.locator('.monaco-editor .view-line', { hasText: /^attention$/ }).first();
    await line.hover({ position: { x: 4, y: 6 } });
    const hoverWidget = vs.page.locator('.monaco-hover', { hasText: 'is attended by' }).first();
    // "a" is the last letter of the reversed output: the step that wrote it weights it most.
    await expect(hoverWidget).toHaveText(/`?a`? is attended by.*alignment.*\d\.\d{3}/, ANSWER_MS);
    await expect(hoverWidget).toHaveText(/Open in attention panel/);
  });
});
