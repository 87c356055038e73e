/**
 * What the app says of its runs, read from the status line's data attributes (data-runs counts
 * completed detection runs, data-busy is 'true' while one is going): tests wait on these rather
 * than on timeouts.
 */
import type { Page } from 'playwright-core';

export { waitRuns } from '../../scripts/lib/chromium';

/** How many detection runs the app has completed. */
export async function runs(page: Page): Promise<number> {
  return Number(await page.getByTestId('status').getAttribute('data-runs'));
}

/** Waits until no run is going (without asking for a new one to have completed). */
export async function idle(page: Page, timeout = 60_000) {
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-busy') === 'false', null, { timeout, polling: 200 });
}
