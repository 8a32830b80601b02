/**
 * The image attention panel in the real VS Code (code-server 4.100.3 + Chromium): from choosing
 * "Visualize Attention" on a right-clicked PNG to the overlay drawn, with a warm engine (the engine
 * process started, the demo ViT loaded and the panel open from a first, untimed run). Each run
 * right-clicks another scene, so the engine explains a new image every time.
 */
import { openVsCode, type VsCodeSession } from '../../test/e2e/harness/vscodeSession';
import { activeWebview, chooseContextMenuItem, expandFolders, explorerItem, runCommand, waitForExtension } from '../../test/e2e/harness/workbench';
import type { BenchCase } from '../benchCase';

const IMAGES = ['scene-01-circle.png', 'scene-02-square.png', 'scene-03-triangle.png', 'scene-04-cross.png', 'scene-05-ring.png'];
const TIMEOUT_MS = 60_000;

interface State {
  vs: VsCodeSession;
  next: number;
}

async function open(): Promise<State> {
  const vs = await openVsCode();
  await waitForExtension(vs.page);
  await runCommand(vs.page, 'View: Show Explorer');
  await expandFolders(vs.page, ['images']);
  return { vs, next: 0 };
}

/** Right-click -> Visualize Attention -> wait until the panel has drawn this image's overlay. */
async function rightClickToOverlayMs(state: State): Promise<number> {
  const { vs } = state;
  const file = IMAGES[state.next++ % IMAGES.length];
  const view = activeWebview(vs.page);
  const drawn = view.locator('[data-testid="overlay-canvas"][data-overlay]');
  const before = (await drawn.count()) ? await drawn.first().getAttribute('data-explanation-id') : null;
  const t0 = performance.now();
  await explorerItem(vs.page, file).click({ button: 'right' });
  await chooseContextMenuItem(vs.page, 'Visualize Attention');
  while (performance.now() - t0 < TIMEOUT_MS) {
    const ready = await drawn
      .first()
      .evaluate((c, prev) => c.getAttribute('data-explanation-id') !== prev, before)
      .catch(() => false);
    if (ready && ((await view.getByTestId('image-name').textContent()) ?? '') === file) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no overlay for ${file} within ${TIMEOUT_MS} ms`);
}

export const imagePanelCases: BenchCase[] = [
  {
    name: 'image panel: right-click a PNG to ViT overlay drawn, warm engine (VS Code 1.100.3)',
    runs: 7,
    warmup: 1,
    setup: open,
    measure: (s) => rightClickToOverlayMs(s as State),
    run: () => undefined,
    teardown: (s) => (s as State).vs.close(),
    backend: () => 'auto (engine)',
  },
];
