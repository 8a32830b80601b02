/**
 * The beam-tree panel in the real VS Code (code-server 4.100.3 + Chromium): from the panel's request
 * (a new beam size typed in its control) to the tree drawn, for beam 4, 8 and 16 over 40 target
 * tokens; and, for the large-tree bar (beam 16 over 100 steps), request to drawn and the time per
 * wheel-zoom frame. The model is an untrained Transformer whose <eos> is never chosen, so every
 * decode runs to the length limit (what matters here is the tree's size, not what it says).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { saveTransformer } from '../../core/models/transformer/checkpoint';
import { Transformer } from '../../core/models/transformer/transformer';
import { EOS, Tokenizer } from '../../core/text/tokenizer';
import { openVsCode, type VsCodeSession } from '../../test/e2e/harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, expandFolders, explorerItem, runCommand, waitForExtension } from '../../test/e2e/harness/workbench';
import type { BenchCase } from '../benchCase';

const TARGET_TOKENS = 40;
const SOURCE = 'the quick brown fox jumps over a lazy dog';

async function writeModel(dir: string, targetTokens: number): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
  const tok = Tokenizer.fit('char', [SOURCE]);
  const model = new Transformer({ kind: 'seq2seq', sourceVocabSize: tok.size, targetVocabSize: tok.size, dModel: 64, heads: 4, dFF: 256, encoderLayers: 2, decoderLayers: 2, maxLength: Math.max(targetTokens, SOURCE.length) + 1 }, 11);
  // <eos> never wins, so the search always runs to the length limit (the panel's max tokens).
  const bias = model.params.get('output/b');
  bias.assign(tf.tidy(() => bias.add(tf.oneHot(EOS, tok.size).mul(-1e4)) as tf.Tensor1D));
  await saveTransformer(dir, { model, sourceTokenizer: tok, targetTokenizer: tok, metadata: { task: 'benchmark' } });
  model.dispose();
}

async function openPanel(targetTokens: number): Promise<VsCodeSession> {
  const vs = await openVsCode();
  try {
    await writeModel(path.join(vs.workspaceDir, 'checkpoints', 'bench40'), targetTokens);
    mkdirSync(path.join(vs.workspaceDir, 'text'), { recursive: true });
    writeFileSync(path.join(vs.workspaceDir, 'text', 'bench.txt'), `${SOURCE}\n`);
    await waitForExtension(vs.page);
    await runCommand(vs.page, 'View: Show Explorer');
    await vs.page.locator('.part.sidebar .action-label[aria-label^="Refresh Explorer"]').click();
    await expandFolders(vs.page, ['checkpoints', 'bench40']);
    await explorerItem(vs.page, 'model.json').click({ button: 'right' });
    await chooseContextMenuItem(vs.page, 'Open Checkpoint');
    await vs.page.locator('.statusbar-item', { hasText: 'bench40' }).first().waitFor({ timeout: 60_000 });
    await expandFolders(vs.page, ['text']);
    await explorerItem(vs.page, 'bench.txt').click();
    await vs.page.locator('.monaco-editor .view-line', { hasText: SOURCE }).first().click();
    await runCommand(vs.page, 'Attention Debugger: Decode with Beam Search');
    const view = activeWebview(vs.page);
    await view.getByTestId('beam-tree').waitFor({ timeout: 60_000 });
    await view.getByTestId('max-tokens').fill(String(targetTokens));
    await view.getByTestId('max-tokens').dispatchEvent('change');
    // Settled: the panel's own re-decode is drawn (only re-decodes mark #app with data-drawn-at).
    await view.locator('#app[data-drawn-at]').waitFor({ state: 'attached', timeout: 120_000 });
    await view.getByTestId('decode-title').filter({ hasText: ` max ${targetTokens} ` }).waitFor({ timeout: 120_000 });
    return vs;
  } catch (err) {
    await vs.page.screenshot({ path: path.join(process.env.E2E_ARTIFACTS ?? '/tmp', 'bench-beam-panel-failed.png') }).catch(() => undefined);
    await vs.close();
    throw err;
  }
}

/** Types the beam size into the panel and returns the panel's own figure: request to tree drawn. */
async function requestToDrawnMs(vs: VsCodeSession, beamSize: number, targetTokens: number): Promise<number> {
  const view = activeWebview(vs.page);
  const app = view.locator('#app');
  const before = await app.getAttribute('data-drawn-at');
  const input = view.getByTestId('beam-size');
  await input.fill(String(beamSize));
  await input.dispatchEvent('change');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if ((await app.getAttribute('data-drawn-at')) !== before) {
      const title = (await view.getByTestId('decode-title').textContent()) ?? '';
      if (!title.startsWith(`beam ${beamSize} `) || !title.includes(`max ${targetTokens} `)) throw new Error(`unexpected decode: ${title}`);
      const ms = Number(await view.locator('.decode.current .tree-viewport').getAttribute('data-request-to-drawn-ms'));
      const depth = Number(await view.locator('[data-testid="beam-node"][data-best="true"]').evaluateAll((els) => Math.max(...els.map((e) => Number(e.getAttribute('data-depth'))))));
      if (depth !== targetTokens) throw new Error(`the best path has ${depth} tokens, expected ${targetTokens}`);
      return ms;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no tree drawn for beam ${beamSize}`);
}

/** Milliseconds per wheel-zoom step, each awaited to the next frame, over 20 steps in and out. */
async function zoomFrameMs(vs: VsCodeSession): Promise<number> {
  return activeWebview(vs.page)
    .locator('.decode.current .tree-viewport')
    .evaluate(async (viewport) => {
      // Runs in the webview (a browser); this file is type-checked for Node, hence the cast.
      const page = globalThis as unknown as { WheelEvent: new (type: string, init: Record<string, unknown>) => Event; requestAnimationFrame(cb: () => void): number };
      const box = viewport.getBoundingClientRect();
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) {
        viewport.dispatchEvent(new page.WheelEvent('wheel', { deltaY: i % 2 ? 100 : -100, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true, cancelable: true }));
        await new Promise<void>((r) => page.requestAnimationFrame(() => r()));
      }
      return (performance.now() - t0) / 20;
    });
}

const LARGE = { beam: 16, tokens: 100 };

export const beamPanelCases: BenchCase[] = [
  ...[4, 8, 16].map(
    (beam): BenchCase => ({
      name: `beam panel: request to tree drawn, beam ${beam}, ${TARGET_TOKENS} target tokens (VS Code 1.100.3)`,
      runs: 5,
      warmup: 1,
      setup: () => openPanel(TARGET_TOKENS),
      measure: (vs) => requestToDrawnMs(vs as VsCodeSession, beam, TARGET_TOKENS),
      run: () => undefined,
      teardown: (vs) => (vs as VsCodeSession).close(),
      backend: () => 'auto (engine)',
    }),
  ),
  {
    name: `beam panel: request to tree drawn, beam ${LARGE.beam}, ${LARGE.tokens} target tokens (VS Code 1.100.3)`,
    runs: 3,
    warmup: 1,
    setup: () => openPanel(LARGE.tokens),
    measure: (vs) => requestToDrawnMs(vs as VsCodeSession, LARGE.beam, LARGE.tokens),
    run: () => undefined,
    teardown: (vs) => (vs as VsCodeSession).close(),
    backend: () => 'auto (engine)',
  },
  {
    name: `beam panel: wheel-zoom frame on the beam ${LARGE.beam} x ${LARGE.tokens}-token tree (VS Code 1.100.3)`,
    runs: 5,
    warmup: 1,
    setup: async () => {
      const vs = await openPanel(LARGE.tokens);
      await requestToDrawnMs(vs, LARGE.beam, LARGE.tokens);
      return vs;
    },
    measure: (vs) => zoomFrameMs(vs as VsCodeSession),
    run: () => undefined,
    teardown: (vs) => (vs as VsCodeSession).close(),
    backend: () => 'n/a (webview)',
  },
];
