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
