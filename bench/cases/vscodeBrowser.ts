/**
 * Cases measured in the real VS Code (code-server 4.100.3 + Chromium), through the same harness as
 * the end-to-end tests: what a user waits for, not what a micro-benchmark sees.
 */
import { openVsCode, type VsCodeSession } from '../../test/e2e/harness/vscodeSession';
import { activeWebview, runCommand, waitForExtension } from '../../test/e2e/harness/workbench';
import type { BenchCase } from '../benchCase';

/** VS Code's own figure from "Developer: Show Running Extensions" (code loading + activate()). */
async function activationMs(): Promise<number> {
  const vs = await openVsCode();
  try {
    await waitForExtension(vs.page);
    await runCommand(vs.page, 'Developer: Show Running Extensions');
    const row = vs.page.locator('.runtime-extensions-editor .monaco-list-row[aria-label="attention-debugger"]');
    const text = (await row.locator('.activation-time').textContent({ timeout: 30_000 })) ?? '';
    const ms = Number(text.match(/(\d+)\s*ms/)?.[1]);
    if (!Number.isFinite(ms)) throw new Error(`no activation time in '${text}'`);
    return ms;
  } finally {
    await vs.close();
  }
}

async function openEnginePanel(): Promise<VsCodeSession> {
  const vs = await openVsCode();
  await waitForExtension(vs.page);
  await runCommand(vs.page, 'Attention Debugger: Show Engine');
  await activeWebview(vs.page).getByTestId('engine-status').filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
  return vs;
}

/** Clicks "Send N MB tensor" and returns the panel's own measurement (request to verified arrival). */
async function tensorToPanelMs(vs: VsCodeSession, megabytes: 1 | 64): Promise<number> {
  const view = activeWebview(vs.page);
  const result = view.getByTestId('transport-result');
  const before = (await result.count()) ? await result.getAttribute('data-at') : null;
  await view.getByTestId(`transport-${megabytes}`).click();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await result.count()) && (await result.getAttribute('data-at')) !== before) {
      const text = (await result.textContent()) ?? '';
      const m = text.match(new RegExp(`^${megabytes} MB .*?: ([\\d.]+) ms`));
      if (m) return Number(m[1]);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${megabytes} MB measurement appeared`);
}

export const vscodeBrowserCases: BenchCase[] = [
  { name: 'extension activation (VS Code 1.100.3)', runs: 3, warmup: 0, measure: activationMs, run: () => undefined, backend: () => 'n/a' },
  ...([1, 64] as const).map(
    (mb): BenchCase => ({
      name: `tensor ${mb} MB engine -> webview (VS Code 1.100.3)`,
      runs: 5,
      work: { unit: 'MB', amount: mb },
      setup: openEnginePanel,
      measure: (vs) => tensorToPanelMs(vs as VsCodeSession, mb),
      run: () => undefined,
      teardown: (vs) => (vs as VsCodeSession).close(),
      backend: () => 'auto (engine)',
    }),
  ),
];
