/**
 * Text attention as a user meets it: hover latency (engine process, warm), and in the real VS Code
 * the time from attention data arriving in the panel to its first frame, and per head toggle, for
 * 512 tokens x 12 layers x 12 heads.
 */
import { cpSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineSupervisor } from '../../extension/engine/engineSupervisor';
import { openVsCode, type VsCodeSession } from '../../test/e2e/harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, expandFolders, explorerItem, runCommand, waitForExtension } from '../../test/e2e/harness/workbench';
import type { BenchCase } from '../benchCase';
import { benchText, saveBenchModel } from './benchModels';

const enginePath = path.join(__dirname, '..', 'core', 'engine.js');

interface HoverBench {
  engine: EngineSupervisor;
  spec: string;
  text: string;
  captureId: number;
}

/** The default small config (2 layers, d_model 64, 4 heads) on a 64-token line. */
async function hoverSetup(): Promise<HoverBench> {
  const spec = await saveBenchModel({ kind: 'seq2seq', layers: 2, heads: 4, dModel: 64, maxLength: 64 });
  const engine = new EngineSupervisor({ enginePath, backend: () => 'auto' });
  const text = benchText(64);
  const { captureId } = await engine.request('attention.capture', { spec, text, ablate: [] }); // warm: model loaded
  return { engine, spec, text, captureId };
}

const engineBackend = (s: unknown) => {
  const status = (s as HoverBench).engine.currentStatus;
  return status.kind === 'running' ? `${status.info.backend} (engine)` : '-';
};

interface PanelBench {
  vs: VsCodeSession;
}

/** VS Code with a 512-token line and a 12-layer, 12-head LM active; the panel not yet open. */
async function panelSetup(): Promise<PanelBench> {
  const dir = await saveBenchModel({ kind: 'lm', layers: 12, heads: 12, dModel: 192, maxLength: 513 });
  const vs = await openVsCode();
  cpSync(dir, path.join(vs.workspaceDir, 'big-model'), { recursive: true });
  writeFileSync(path.join(vs.workspaceDir, 'long.txt'), `${benchText(512)}\n`);
  await waitForExtension(vs.page);
  await runCommand(vs.page, 'View: Show Explorer');
  await vs.page.locator('.part.sidebar .action-label[aria-label^="Refresh Explorer"]').click();
  await expandFolders(vs.page, ['big-model']);
  await explorerItem(vs.page, 'model.json').click({ button: 'right' });
  await chooseContextMenuItem(vs.page, 'Open Checkpoint');
  await vs.page.locator('.statusbar-item', { hasText: 'big-model' }).waitFor({ timeout: 60_000 });
  await explorerItem(vs.page, 'long.txt').click();
  await vs.page.locator('.monaco-editor .view-lines').first().click();
  await vs.page.keyboard.press('Control+Home'); // the 512-character line
  return { vs };
}

async function firstFrameMs({ vs }: PanelBench): Promise<number> {
  const content = activeWebview(vs.page).locator('[data-first-frame-ms]');
  // A later run re-shows the open panel: forget the previous run's figure first.
  if (await vs.page.locator('iframe.webview.ready').count()) await content.evaluateAll((els) => els.forEach((e) => e.removeAttribute('data-first-frame-ms')));
  await runCommand(vs.page, 'Attention Debugger: Show Attention');
  await content.waitFor({ timeout: 120_000 });
  return Number(await content.getAttribute('data-first-frame-ms'));
}

async function headToggleMs({ vs }: PanelBench): Promise<number> {
  const view = activeWebview(vs.page);
  const canvas = view.getByTestId('attention-canvas');
  const before = await canvas.getAttribute('data-redraw-ms');
  await view.getByTestId('head-chip-3').click();
  for (let i = 0; i < 200; i++) {
    const now = await canvas.getAttribute('data-redraw-ms');
    if (now !== before && (await view.getByTestId('head-chip-3').getAttribute('aria-pressed')) !== null) return Number(now);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the head view did not redraw');
}

export const textAttentionCases: BenchCase[] = [
  {
    name: 'hover on a new line: capture + top keys (64 tokens, 2x4 heads, warm engine)',
    runs: 9,
    setup: hoverSetup,
    run: async (s) => {
      const b = s as HoverBench;
      const text = `${b.text.slice(1)}${b.text[0]}`; // a different line each run: no capture cache
      b.text = text;
      const c = await b.engine.request('attention.capture', { spec: b.spec, text, ablate: [], decode: false });
      await b.engine.request('attention.topKeys', { captureId: c.captureId, kind: 'encoder-self', layer: 1, head: 'max', query: 10, k: 5 });
    },
    teardown: (s) => (s as HoverBench).engine.dispose(),
    backend: engineBackend,
  },
  {
    name: 'hover on a cached line: top keys (64 tokens, warm engine)',
    runs: 15,
    setup: hoverSetup,
    run: async (s) => {
      const b = s as HoverBench;
      await b.engine.request('attention.topKeys', { captureId: b.captureId, kind: 'encoder-self', layer: 1, head: 'max', query: 10, k: 5 });
    },
    teardown: (s) => (s as HoverBench).engine.dispose(),
    backend: engineBackend,
  },
  {
    name: 'attention panel: data arriving to first frame (512 tokens, 12x12, VS Code 1.100.3)',
    runs: 3,
    warmup: 1,
    setup: panelSetup,
    measure: (s) => firstFrameMs(s as PanelBench),
    run: () => undefined,
    teardown: (s) => (s as PanelBench).vs.close(),
    backend: () => 'auto (engine)',
  },
  {
    name: 'attention panel: head toggle redraw in the head view (512 tokens, 12 heads, VS Code 1.100.3)',
    runs: 7,
    warmup: 1,
    setup: async () => {
      const s = await panelSetup();
      await runCommand(s.vs.page, 'Attention Debugger: Show Attention');
      const view = activeWebview(s.vs.page);
      await view.locator('[data-first-frame-ms]').waitFor({ timeout: 120_000 });
      await view.getByTestId('view-head').click();
      await view.getByTestId('head-chip-3').waitFor({ timeout: 60_000 });
      return s;
    },
    measure: (s) => headToggleMs(s as PanelBench),
    run: () => undefined,
    teardown: (s) => (s as PanelBench).vs.close(),
    backend: () => 'n/a (browser)',
  },
];
