/** Waiting assertions for playwright locators (playwright-core has no test runner's `expect`).
 * Each polls until true or the timeout passes, then fails with what it last saw. */
import type { Locator } from 'playwright-core';

const DEFAULT_TIMEOUT_MS = 15_000;

async function poll(what: string, timeoutMs: number, check: () => Promise<[boolean, string]>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const [ok, seen] = await check();
      if (ok) return;
      last = seen;
    } catch (err) {
      last = (err as Error).message.split('\n')[0];
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last saw: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function expect(locator: Locator) {
  return {
    toBeVisible: (timeoutMs = DEFAULT_TIMEOUT_MS) =>
      poll(`expected ${locator} to be visible`, timeoutMs, async () => [await locator.first().isVisible(), 'not visible']),
    toHaveText: (pattern: RegExp, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      poll(`expected ${locator} to match ${pattern}`, timeoutMs, async () => {
        const text = ((await locator.first().textContent({ timeout: 1000 })) ?? '').replace(/\s+/g, ' ');
        return [pattern.test(text), JSON.stringify(text.slice(0, 300))];
      }),
    toHaveCount: (count: number, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      poll(`expected ${locator} to match ${count} element(s)`, timeoutMs, async () => {
        const n = await locator.count();
        return [n === count, `${n}`];
      }),
  };
}
