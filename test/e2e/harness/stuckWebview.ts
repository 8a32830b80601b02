/**
 * Makes the next webview frame of this extension wait forever for its service worker, as VS Code's
 * frame around a panel sometimes does in code-server when several webviews load at once (every
 * webview shares one service worker scope): the blank panel of issue #7, on purpose and once.
 */
import type { Page } from 'playwright-core';

const HANG_FLAG = 'attention-debugger-e2e-hang-panel-frame';

/** Run in every new frame; only the frame VS Code wraps around this extension's page is caught. */
const HANG_NEXT_PANEL_FRAME = `
  if (location.pathname.endsWith('/webview/browser/pre/index.html') && location.search.includes('extensionId=attention-debugger.attention-debugger') && sessionStorage.getItem('${HANG_FLAG}')) {
    sessionStorage.removeItem('${HANG_FLAG}');
    navigator.serviceWorker.register = () => new Promise(() => undefined);
  }`;

/** The next panel frame to load (after a reload: the restored panel's) never loads its page. */
export async function hangNextPanelFrame(page: Page): Promise<void> {
  await page.addInitScript(HANG_NEXT_PANEL_FRAME);
  await page.evaluate(`sessionStorage.setItem('${HANG_FLAG}', '1')`);
}

/** Whether a panel frame was made to wait (the flag is spent by the frame it caught). */
export async function panelFrameWasHung(page: Page): Promise<boolean> {
  return (await page.evaluate(`sessionStorage.getItem('${HANG_FLAG}')`)) === null;
}
