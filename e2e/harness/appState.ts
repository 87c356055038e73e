/**
 * What the app says of its runs, read from the status line's data attributes (data-runs counts
 * completed detection runs, data-busy is 'true' while one is going): tests wait on these rather
 * than on timeouts.
 */
import type { Page } from 'playwright-core';

/** Waits until the app has completed `n` detection runs and is idle; an error message shown by the app fails the wait. */
export async function waitRuns(page: Page, n: number, timeout = 90_000, polling = 250): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid=status]');
      const err = document.querySelector('[data-testid=error-message]');
      if (err) throw new Error('app error: ' + err.textContent);
      return !!el && Number(el.getAttribute('data-runs')) >= n && el.getAttribute('data-busy') === 'false';
    },
    n,
    { timeout, polling },
  );
}

/** How many detection runs the app has completed. */
export async function runs(page: Page): Promise<number> {
  return Number(await page.getByTestId('status').getAttribute('data-runs'));
}

/** Waits until no run is going (without asking for a new one to have completed). */
export async function idle(page: Page, timeout = 60_000) {
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-busy') === 'false', null, { timeout, polling: 200 });
}
