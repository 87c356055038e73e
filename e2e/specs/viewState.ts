/** The view as a link and as a canvas: the URL restores query, layer and heads; zoom and pan keep the overlays on the image. */
import { assert, headsOf, runs, selectFirstQuery, shot, test, waitRuns } from '../harness';

test('URL state restores the view; help overlay; backend switch', async ({ open }) => {
  const page = await open('?backend=wasm&t=0&q=4&layer=2&heads=f0');
  await page.locator('[data-testid=salient-point]').first().waitFor({ timeout: 30_000 });
  assert((await headsOf(page, 'salient-point')).join() === '4,5,6,7', 'heads from URL');
  assert((await page.getByTestId('layer-slider').inputValue()) === '2', 'layer from URL');
  assert((await page.getByTestId('query-list').locator('li[aria-selected=true]').getAttribute('data-query')) === '4', 'query from URL');
  await page.locator('body').press('?');
  await page.getByTestId('help-overlay').waitFor();
  await shot(page, '13-help');
  await page.keyboard.press('Escape');
  await page.getByTestId('help-overlay').waitFor({ state: 'detached' });
  // switch to the cpu backend
  const r = await runs(page);
  await page.getByLabel('Switch backend').selectOption('cpu');
  await waitRuns(page, r + 1, 180_000);
  assert((await page.getByTestId('backend-badge').textContent()) === 'cpu', 'backend switch');
  assert((await page.getByTestId('detection-box').count()) > 0, 'no boxes on cpu');
}, 240_000);

test('zoom and pan keep overlays aligned with the image', async ({ open }) => {
  const page = await open('?backend=wasm');
  const rect = () => page.getByTestId('detection-box').first().evaluate((e) => {
    const r = e.getBoundingClientRect();
    return [r.x, r.y, r.width, r.height];
  });
  const a = await rect();
  const svg = page.locator('.view[data-view="0"] > svg');
  const b = (await svg.boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(400);
  const z = new URL(page.url()).searchParams.get('zoom');
  assert(z, 'zoom not in URL');
  const k = Number(z!.split(',')[0]);
  const c = await rect();
  assert(Math.abs(c[2] / a[2] - k) < 0.05 * k, `box width scaled ${c[2] / a[2]}, zoom ${k}`);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 + 30, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const d = await rect();
  assert(Math.abs(d[0] - c[0] - 60) < 3 && Math.abs(d[1] - c[1] - 30) < 3, `pan moved the box by ${d[0] - c[0]},${d[1] - c[1]}`);
  await shot(page, '14-zoomed');
  // Z zooms to the selected query: its box centre becomes the view centre.
  const q = await selectFirstQuery(page);
  const box = await page.locator(`.view[data-view="0"] [data-testid=detection-box][data-query="${q}"]`).evaluate((e) => ['x', 'y', 'width', 'height'].map((a) => Number(e.getAttribute(a))));
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('z');
  await page.waitForTimeout(400);
  const zq = new URL(page.url()).searchParams.get('zoom')!.split(',').map(Number);
  assert(Math.abs(zq[1] - (box[0] + box[2] / 2)) < 0.6 && Math.abs(zq[2] - (box[1] + box[3] / 2)) < 0.6 && zq[0] >= 1, `Z zoomed to ${zq}, box ${box}`);
});
