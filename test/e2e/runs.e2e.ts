/**
 * End to end in a real VS Code: start a short training from the palette, see the run in the
 * Attention sidebar and the status bar, its chart gain points, stop it from the tree, resume it, and
 * check on disk that the step count continued with no step logged twice; a run started from the
 * CLI appears while it trains, reads as failed when its process is killed, and resumes.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from './harness/expect';
import { repoRoot, vsCodeForSuite, type VsCodeSession } from './harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, runCommand, statusBarItem } from './harness/workbench';

/** A model that takes milliseconds per step, logging often, so the test sees progress in seconds. */
const TINY = { layers: 1, dModel: 16, heads: 2, dFF: 32, batchSize: 8, maxLength: 16, logEvery: 5, checkpointEvery: 25, evalEvery: 100, steps: 100000 };
const WAIT_MS = 60_000;

/** Runs a palette command that opens a quick pick (runCommand waits for the palette to close). */
async function startCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
}

/** Waits for the quick input titled/placeheld `placeholder`, types `text` and accepts. */
async function answerQuickInput(page: Page, placeholder: RegExp, text?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await expect(page.locator('.quick-input-widget')).toHaveText(placeholder, 15_000).catch(async () => {
    const ph = await input.getAttribute('placeholder');
    if (!ph || !placeholder.test(ph)) throw new Error(`quick input ${placeholder} did not appear (placeholder '${ph}')`);
  });
  if (text !== undefined) {
    await input.fill(text);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first().waitFor({ state: 'visible' });
  }
  await input.press('Enter');
}

function runRow(page: Page) {
  // Under the "transformer · reverse" group a palette run is labelled by its start time.
  return page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^\d{8}-\d{6}/ }).first();
}

/** The extension's output channel, as VS Code writes it under the session's user data. */
function extensionLog(workspace: string): string {
  const logs = path.join(path.dirname(workspace), 'user-data', 'logs');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Attention Debugger/.test(e.name)) found.push(p);
    }
  };
  try {
    walk(logs);
  } catch {
    return '(no logs)';
  }
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** Clicks one of the run row's inline actions (shown on hover). */
async function runAction(page: Page, label: string, row = runRow(page)): Promise<void> {
  await row.hover();
  await row.locator(`.action-label[aria-label="${label}"]`).click();
}

function metricsSteps(workspace: string, id?: string): number[] {
  const root = path.join(workspace, '.attention-runs');
  const run = id ?? readdirSync(root).find((n) => n.startsWith('transformer-reverse-')) ?? '';
  let text = '';
  try {
    text = readFileSync(path.join(root, run, 'metrics.jsonl'), 'utf8');
  } catch {
    return []; // not written yet
  }
  return text
    .split('\n')
    .flatMap((l) => {
      try {
        return [(JSON.parse(l) as { step: number }).step];
      } catch {
        return []; // empty, or being written
      }
    });
}

async function chartLastStep(page: Page): Promise<number> {
  return Number(await activeWebview(page).getByTestId('loss-chart').getAttribute('data-last-step', { timeout: 5000 }));
}

describe('training runs in VS Code', function () {
  let vs: VsCodeSession;

  vsCodeForSuite((s) => (vs = s), {
    settings: { 'attentionDebugger.training.options': TINY, 'attentionDebugger.engine.backend': 'wasm' },
    extraLog: (s) => `extension log tail:\n${extensionLog(s.workspaceDir).slice(-4000)}`,
  });

  it('trains from the palette: the run appears in the sidebar and the status bar, and its chart gains points', async () => {
    const { page } = vs;
    await startCommand(page, 'Attention Debugger: Train Model');
    await answerQuickInput(page, /Which model/, 'Transformer');
    await answerQuickInput(page, /built-in task/, 'reverse');
    await answerQuickInput(page, /Training steps/); // prefilled from the setting
    await expect(runRow(page)).toHaveText(/running · step \d+\/100000 · loss \d/, WAIT_MS);
    await expect(statusBarItem(page, /transformer-reverse-\d{8}-\d{6}: step \d+\/100000, loss/)).toBeVisible(WAIT_MS);

    await runCommand(page, 'Attention Debugger: Show Training Charts');
    const chart = activeWebview(page).getByTestId('loss-chart');
    await expect(chart).toBeVisible(WAIT_MS);
    let first = 0;
    const deadline = Date.now() + WAIT_MS;
    while ((first = Number(await chart.getAttribute('data-points'))) < 2 && Date.now() < deadline) await page.waitForTimeout(200);
    assert.ok(first >= 2, `the loss chart has points (${first})`);
    let later = first;
    while ((later = Number(await chart.getAttribute('data-points'))) <= first && Date.now() < deadline + WAIT_MS) await page.waitForTimeout(200);
    assert.ok(later > first, `the chart gained points while training (${first} -> ${later})`);
  });

  it('stops the run from the tree, then resumes it: the step count continues with no step logged twice', async () => {
    const { page } = vs;
    await runAction(page, 'Stop Training');
    await expect(runRow(page)).toHaveText(/stopped · step \d+/, WAIT_MS);
    const stoppedAt = Number((await runRow(page).textContent())?.match(/stopped · step (\d+)/)?.[1]);
    assert.ok(stoppedAt > 0);

    await runRow(page).click({ button: 'right' });
    await chooseContextMenuItem(page, 'Resume Training from Last Checkpoint');
    await expect(runRow(page)).toHaveText(/running · step \d+/, WAIT_MS);
    // Wait until the resumed run logged beyond where it stopped.
    const deadline = Date.now() + WAIT_MS;
    while (Math.max(0, ...metricsSteps(vs.workspaceDir)) <= stoppedAt + 10 && Date.now() < deadline) await page.waitForTimeout(250);
    await runRow(page).click({ button: 'right' });
    await chooseContextMenuItem(page, 'Stop Training');
    await expect(runRow(page)).toHaveText(/stopped · step \d+/, WAIT_MS);
    const finalStep = Number((await runRow(page).textContent())?.match(/stopped · step (\d+)/)?.[1]);
    assert.ok(finalStep > stoppedAt + 10, `the resumed run continued past step ${stoppedAt} (now ${finalStep})`);

    const steps = metricsSteps(vs.workspaceDir);
    assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b), 'metrics steps strictly increasing');
    assert.deepEqual(steps.slice(0, 3), [5, 10, 15], 'the run kept its first steps');
    await expect(activeWebview(page).getByTestId('loss-chart')).toBeVisible();
    assert.ok((await chartLastStep(page)) > stoppedAt, 'the chart shows the resumed steps');
  });

  it('a checkpoint clicked in the tree becomes the active model; a run is duplicated with edited options, and deleted after confirming', async () => {
    const { page } = vs;
    const row = runRow(page);
    const runName = (await row.textContent())?.match(/^\d{8}-\d{6}/)?.[0] ?? '';
    // Expand the run, then its checkpoints, and click the newest.
    await row.locator('.monaco-tl-twistie').click();
    const folder = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^Checkpoints/ }).first();
    await folder.locator('.monaco-tl-twistie').click();
    const checkpoint = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^step \d+$/ }).first();
    const step = (await checkpoint.textContent())?.match(/step (\d+)/)?.[1];
    await checkpoint.click();
    await expect(statusBarItem(page, new RegExp(`transformer-reverse-${runName}@${step}`))).toBeVisible(WAIT_MS);

    await row.click({ button: 'right' });
    await chooseContextMenuItem(page, 'Duplicate Run with Edited Options');
    const input = page.locator('.quick-input-widget input');
    // The engine reads the run's options first (train.runOptions); on a loaded machine that can take a while.
    await input.waitFor({ state: 'visible', timeout: WAIT_MS });
    const options = JSON.parse(await input.inputValue()) as Record<string, unknown>;
    assert.equal(options.dModel, 16, 'the options of the run are offered for editing');
    await input.fill(JSON.stringify({ ...options, steps: 20 }));
    await input.press('Enter');
    const rows = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^\d{8}-\d{6}/ });
    const copy = rows.filter({ hasText: /finished · step 20\/20/ }).first();
    await expect(copy).toBeVisible(WAIT_MS);

    await copy.click({ button: 'right' });
    await chooseContextMenuItem(page, 'Delete Run');
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Delete' }).click();
    await page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /finished · step 20\/20/ }).waitFor({ state: 'detached', timeout: WAIT_MS });
    assert.equal(readdirSync(path.join(vs.workspaceDir, '.attention-runs')).filter((n) => n.startsWith('transformer-reverse-')).length, 1, 'the copy is gone, the original stays');
  });

  it('shows a run started from the CLI while it trains, as failed once its process is killed, and resumes it in the engine', async () => {
    const { page } = vs;
    const cli = path.join(repoRoot, 'dist', 'core', 'cli.js');
    const out = path.join(vs.workspaceDir, '.attention-runs', 'cli-run');
    const args = ['train', '--task', 'copy', '--out', out, '--steps', '100000', '--layers', '1', '--d-model', '16', '--heads', '2', '--d-ff', '32', '--batch', '8', '--max-length', '16', '--log-every', '5', '--checkpoint-every', '25', '--eval-every', '0', '--backend=wasm'];
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore', env: { ...process.env, ATTENTION_DEBUGGER_QUIET: '1' } });
    try {
      const row = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^cli-run/ }).first();
      await expect(row).toHaveText(/running · step \d+\/100000/, WAIT_MS);
      while (Math.max(0, ...metricsSteps(vs.workspaceDir, 'cli-run')) < 30) await page.waitForTimeout(250);
      child.kill('SIGKILL');
      await expect(row).toHaveText(/failed · step \d+/, WAIT_MS);
      const failedAt = Number((await row.textContent())?.match(/failed · step (\d+)/)?.[1]);
      await row.click({ button: 'right' });
      await chooseContextMenuItem(page, 'Resume Training from Last Checkpoint');
      await expect(row).toHaveText(/running · step \d+/, WAIT_MS);
      while (Math.max(0, ...metricsSteps(vs.workspaceDir, 'cli-run')) <= failedAt + 10) await page.waitForTimeout(250);
      await runAction(page, 'Stop Training', row);
      await expect(row).toHaveText(/stopped · step \d+/, WAIT_MS);
      const steps = metricsSteps(vs.workspaceDir, 'cli-run');
      assert.deepEqual(steps, Array.from({ length: steps.length }, (_, i) => 5 * (i + 1)), 'every 5th step exactly once across the kill and the resume');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the charts keep the runs they show across a window reload', async () => {
    const { page } = vs;
    await runCommand(page, 'Attention Debugger: Show Training Charts');
    const boxes = () => activeWebview(page).locator('[data-run]');
    await expect(boxes().nth(1)).toBeVisible(WAIT_MS);
    const ids = async (selector: string) => (await activeWebview(page).locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-run') ?? ''))).sort();
    const all = await ids('[data-run]');
    /** Waits until the charted runs are every run (the panel starts with the newest alone). */
    const allCharted = async () => {
      const deadline = Date.now() + WAIT_MS;
      let charted: string[] = [];
      while (JSON.stringify((charted = await ids('[data-run][data-selected="true"]').catch(() => []))) !== JSON.stringify(all) && Date.now() < deadline) await page.waitForTimeout(200);
      assert.deepEqual(charted, all);
    };
    for (const box of await boxes().all()) if ((await box.getAttribute('data-selected')) !== 'true') await box.click();
    await allCharted();
    await vs.reload();
    await expect(boxes().nth(1)).toBeVisible(WAIT_MS);
    await allCharted();
  });
});
