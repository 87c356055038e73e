/** What several specs read from the page: the error shown, the heads drawn, the detections. */
import type { Page } from 'playwright-core';

/** Waits for the app's error message and resolves its text. */
export async function errorText(page: Page, timeout = 20_000): Promise<string> {
  const el = page.getByTestId('error-message');
  await el.waitFor({ state: 'visible', timeout });
  return (await el.textContent()) ?? '';
}

/** The heads (0-based, sorted) of the elements with this test id: which heads are drawn. */
export async function headsOf(page: Page, testid: string): Promise<number[]> {
  return page.locator(`[data-testid=${testid}]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-head'))).sort((a, b) => a - b));
}

export type Det = { query: number; score: number; box: number[] };

/** The detection boxes drawn, by query: score and box in view pixels, as the page writes them. */
export async function detectionsOf(page: Page): Promise<Det[]> {
  const d = await page.getByTestId('detection-box').evaluateAll((els) =>
    els.map((e) => ({ query: Number(e.getAttribute('data-query')), score: Number(e.getAttribute('data-score')), box: ['x', 'y', 'width', 'height'].map((a) => Number(e.getAttribute(a))) })),
  );
  return d.sort((p, q) => p.query - q.query);
}
