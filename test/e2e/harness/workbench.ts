/** What a user does in the workbench, as playwright steps. */
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** Runs a command from the palette by its title, as a user types it. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Resolves once the extension has activated (its status bar item is up). */
export async function waitForExtension(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: 'Attention:' }).first().waitFor({ timeout: 60_000 });
}

export function statusBarItem(page: Page, text: string | RegExp): Locator {
  return page.locator('.statusbar-item', { hasText: text });
}

export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notification-toast', { hasText: text });
}

/** The DOM inside the visible webview panel (VS Code nests the page in two iframes). */
const EXTENSION_ID = 'attention-debugger.attention-debugger';

export function activeWebview(page: Page): FrameLocator {
  // Only this extension's webviews: VS Code's own image preview is a webview too, and when an image
  // is open beside a panel it comes first in the DOM. Webview iframes name their extension in src.
  return page.locator(`iframe.webview.ready:visible[src*="extensionId=${EXTENSION_ID}"]`).first().contentFrame().frameLocator('#active-frame');
}

/** The DOM of this extension's visible webview whose page has an element with `testId` (when two panels are in view). */
export async function webviewWith(page: Page, testId: string, timeoutMs: number): Promise<FrameLocator> {
  const frames = page.locator(`iframe.webview.ready:visible[src*="extensionId=${EXTENSION_ID}"]`);
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    for (let i = 0; i < (await frames.count()); i++) {
      const view = frames.nth(i).contentFrame().frameLocator('#active-frame');
      if (await view.getByTestId(testId).count()) return view;
    }
  }
  throw new Error(`no webview of this extension showed [data-testid="${testId}"] within ${timeoutMs} ms`);
}

/** The explorer row for a file or folder name (rows are labelled with the name). */
export function explorerItem(page: Page, name: string): Locator {
  return page.locator(`.part.sidebar .monaco-list-row[role="treeitem"][aria-label="${name}"]`);
}

/** Expands explorer folders one after another (rows re-render while a folder opens, so each is
 * checked and re-tried until VS Code reports it expanded). */
export async function expandFolders(page: Page, names: string[]): Promise<void> {
  for (const name of names) {
    const row = explorerItem(page, name);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    for (let attempt = 0; attempt < 10 && (await row.getAttribute('aria-expanded')) !== 'true'; attempt++) {
      await row.click();
      await page.waitForTimeout(300);
    }
    if ((await row.getAttribute('aria-expanded')) !== 'true') throw new Error(`explorer folder '${name}' did not expand`);
  }
}

/** Chooses an item in the open context menu. The menu ignores clicks while it animates in, so
 * the click is repeated until the menu closes. */
export async function chooseContextMenuItem(page: Page, label: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-menu-item', { hasText: label }).first();
  await item.waitFor({ state: 'visible' });
  for (let attempt = 0; attempt < 5 && (await menu.isVisible()); attempt++) {
    await item.hover();
    await item.click({ timeout: 2000 }).catch(() => undefined);
    await menu.waitFor({ state: 'hidden', timeout: 1000 }).catch(() => undefined);
  }
  if (await menu.isVisible()) throw new Error(`the context menu stayed open after choosing '${label}'`);
}

/** Opens `folders/model.json` from the explorer's context menu ("Open Checkpoint"), as a user does. */
export async function openCheckpointFromExplorer(page: Page, folders: string[]): Promise<void> {
  await runCommand(page, 'View: Show Explorer');
  await page.locator('.part.sidebar .action-label[aria-label^="Refresh Explorer"]').click();
  await expandFolders(page, folders);
  await explorerItem(page, 'model.json').click({ button: 'right' });
  await chooseContextMenuItem(page, 'Open Checkpoint');
}

/** "Open Checkpoint" from the palette, choosing a shipped demo in its quick pick. */
export async function openDemoCheckpoint(page: Page, demo: string): Promise<void> {
  await runCommand(page, 'Attention Debugger: Open Checkpoint');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: demo }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(demo);
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Moves the cursor of the focused editor to `line` (Go to Line). */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

/** Opens `file` from the explorer folder `folder` of the workspace and puts the cursor on `line`. */
export async function openFileAtLine(page: Page, folder: string, file: string, line: number): Promise<void> {
  await expandFolders(page, [folder]);
  await explorerItem(page, file).click();
  await page.locator('.monaco-editor .view-lines').first().click();
  await goToLine(page, line);
}
