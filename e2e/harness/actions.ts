/** What a user does to the page that several specs do: drop a file, dismiss an error, select a query. */
import type { Page } from 'playwright-core';

/**
 * Drops a file on the page as a user would, with drag events carrying it: the bytes go to the page
 * as base64, since a test cannot hand a browser a File directly.
 */
export async function dropFile(page: Page, name: string, bytes: Uint8Array, type: string) {
  const b64 = Buffer.from(bytes).toString('base64');
  await page.evaluate(
    ({ name, b64, type }) => {
      const bin = atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([arr], name, { type }));
      const target = document.querySelector('[data-testid=image-drop]')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, b64, type },
  );
}

export async function dismissError(page: Page) {
  await page.getByRole('button', { name: 'Dismiss error' }).click();
}

/** Selects the first query of the list and waits for its salient points and attention maps; resolves its index. */
export async function selectFirstQuery(page: Page): Promise<number> {
  const first = page.getByTestId('query-list').locator('li[data-query]').first();
  const q = Number(await first.getAttribute('data-query'));
  await first.click();
  await page.locator('[data-testid=salient-point]').first().waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=attention-map]').first().waitFor({ timeout: 30_000 });
  return q;
}
