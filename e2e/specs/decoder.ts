/**
 * The decoder view of a selected query: its salient points and per-head maps, head toggles and
 * solo, the layer slider and keys, the detection list (merged duplicates; what it says when
 * nothing reaches the threshold), and the layer shown after a model change.
 */
import type { Page } from 'playwright-core';
import { assert, headsOf, officialDetr, runs, selectFirstQuery, shot, test, waitRuns } from '../harness';

/** "layer 2 of 6", as the slider tells a screen reader. */
const layerShown = async (page: Page) => (await page.getByTestId('layer-slider').getAttribute('aria-valuetext')) ?? '';

test('query selection: 8 salient points and 8 maps; head toggles; solo; layer slider', async ({ open }) => {
  const page = await open('?backend=wasm&t=0');
  await selectFirstQuery(page);
  assert((await headsOf(page, 'salient-point')).join() === '0,1,2,3,4,5,6,7', 'expected 8 salient points');
  assert((await headsOf(page, 'attention-map')).join() === '0,1,2,3,4,5,6,7', 'expected 8 attention maps');
  assert((await page.getByTestId('reference-box').count()) === 1, 'no reference box');
  assert((await page.getByTestId('roi-grid-line').count()) === 16, 'RoI grid should have 8+8 lines');
  await shot(page, '06-query-selected');
  // Hovering queries redraws their highlight but builds no heatmap canvas (they are cached by what they show).
  const builds = () => page.evaluate(() => (window as unknown as { __lens: { heatBuilds: () => number } }).__lens.heatBuilds());
  const b0 = await builds();
  const items = page.getByTestId('query-list').locator('li[data-query]');
  for (let i = 0; i < Math.min(5, await items.count()); i++) await items.nth(i).hover();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(200);
  assert((await builds()) === b0, `hovering built ${(await builds()) - b0} heatmap canvases`);
  // Selecting another query redraws the per-head maps in the same canvases (new ones per selection
  // cost most of its redraw): tag them, select the next query, wait for its maps, find the tags.
  const maps = page.locator('[data-testid=attention-map]');
  await maps.evaluateAll((els) => els.forEach((e) => ((e as HTMLElement).dataset.kept = '1')));
  await items.nth(1).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=attention-map]').length === 8 && !document.querySelector('[data-testid=attention-map-pending]'));
  assert((await maps.evaluateAll((els) => els.filter((e) => (e as HTMLElement).dataset.kept === '1').length)) === 8, 'selecting another query made new map canvases');
  // A new query's slice is asked for as the click is handled, before the render it causes (which
  // asked for it from its effects, after drawing the selection): when the request is posted, the
  // list does not show the new query as selected yet.
  const target = Number(await items.nth(2).getAttribute('data-query'));
  await page.evaluate(() => {
    const w = window as unknown as { __slicePosts: { query: number; shown: boolean }[] };
    w.__slicePosts = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, m: unknown, t?: unknown) {
      const req = (m as { req?: { type?: string; query?: number } })?.req;
      if (req?.type === 'querySlice') w.__slicePosts.push({ query: req.query!, shown: !!document.querySelector(`li[data-query="${req.query}"][aria-selected=true]`) });
      return (post as (m: unknown, t?: unknown) => void).call(this, m, t);
    } as typeof post;
  });
  await items.nth(2).click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=attention-map-pending]'));
  const posts = await page.evaluate(() => (window as unknown as { __slicePosts: { query: number; shown: boolean }[] }).__slicePosts);
  assert(posts.length === 1 && posts[0].query === target && !posts[0].shown, 'the slice was not asked for before the selection was drawn: ' + JSON.stringify(posts));
  // A click on a new query, then at once on the selected one: the second click lands while the
  // first is held for its slice (not drawn yet), and must go back to the selected query, not
  // deselect it (the toggle is decided against the state, not against what is drawn).
  await page.evaluate(() => {
    const li = document.querySelectorAll<HTMLElement>('[data-testid=query-list] li[data-query]');
    li[3].click();
    li[2].click();
  });
  await page.waitForFunction((q) => document.querySelector(`li[data-query="${q}"][aria-selected=true]`) && !document.querySelector('[data-testid=attention-map-pending]'), target, { timeout: 10_000 });
  await page.getByLabel('Heatmap overlay').selectOption('heads');
  await page.waitForTimeout(600);
  await shot(page, '06b-heads-in-colour');
  await page.getByLabel('Heatmap overlay').selectOption('attention');
  // toggle head 3 (index 2)
  const t3 = page.locator('[data-testid=head-toggle][data-head="2"]');
  await t3.click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=salient-point][data-head="2"]'));
  assert((await t3.getAttribute('aria-pressed')) === 'false', 'aria-pressed not false');
  assert((await headsOf(page, 'salient-point')).join() === '0,1,3,4,5,6,7', 'toggle did not hide exactly head 2 point');
  assert((await headsOf(page, 'attention-map')).join() === '0,1,3,4,5,6,7', 'toggle did not hide exactly head 2 map');
  // double-click head 5 (index 4): solo
  await page.locator('[data-testid=head-toggle][data-head="4"]').dblclick();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=salient-point]').length === 1);
  assert((await headsOf(page, 'salient-point')).join() === '4', 'solo point');
  assert((await headsOf(page, 'attention-map')).join() === '4', 'solo map');
  await shot(page, '07-head-solo');
  // key A shows all
  await page.locator('body').press('a');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=salient-point]').length === 8);
  // Fast clicks on three heads, about 100 ms apart: each one counts, at once.
  for (const h of [0, 1, 2]) {
    await page.locator(`[data-testid=head-toggle][data-head="${h}"]`).click();
    await page.waitForTimeout(100);
  }
  assert((await headsOf(page, 'salient-point')).join() === '3,4,5,6,7', 'fast clicks on heads 1-3 did not hide all three: ' + (await headsOf(page, 'salient-point')).join());
  await page.locator('body').press('a');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=salient-point]').length === 8);
  // layer slider changes the points
  const pos = () => page.locator('[data-testid=salient-point]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-x')},${e.getAttribute('data-y')}`).join(' '));
  const slider = page.getByTestId('layer-slider');
  const max = Number(await slider.getAttribute('max'));
  assert(max >= 2, 'model has one layer only');
  await slider.fill(String(max));
  await page.waitForTimeout(700);
  const last = await pos();
  await slider.fill('1');
  await page.waitForTimeout(700);
  const first = await pos();
  assert(first !== last, 'layer slider did not move the salient points');
  // ↓ (focus on the page, not in a control) selects the next query: focus moves to it, and a screen reader hears what it is.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-selected') === 'true', null, { timeout: 5_000 });
  assert(/^Query \d+: .+Decoder layer \d+ of \d+\.$/.test((await page.getByTestId('announce').textContent()) ?? ''), 'selection not announced: ' + (await page.getByTestId('announce').textContent()));
  // arrow key moves one layer
  await page.locator('body').press('ArrowRight');
  await page.waitForTimeout(700);
  assert((await slider.inputValue()) === '2', 'ArrowRight did not go to layer 2');
  assert(new URL(page.url()).searchParams.get('layer') === '2', 'layer not in the URL');
});

test('merging duplicate boxes leaves one box per object', async ({ open }) => {
  const page = await open('?backend=wasm&t=0.05');
  const before = await page.getByTestId('detection-box').count();
  await page.getByTestId('merge-duplicates').check();
  await page.waitForTimeout(300);
  const boxes = await page.locator('.view[data-view="0"] [data-testid=detection-box]').evaluateAll((els) => els.map((e) => ['x', 'y', 'width', 'height'].map((a) => Number(e.getAttribute(a)))));
  const iou = (a: number[], b: number[]) => {
    const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
    const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
    const i = Math.max(0, w) * Math.max(0, h);
    return i / (a[2] * a[3] + b[2] * b[3] - i);
  };
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert(iou(boxes[i], boxes[j]) < 0.7, `boxes ${i} and ${j} overlap by IoU ${iou(boxes[i], boxes[j]).toFixed(2)} after merging`);
  assert(boxes.length > 0 && boxes.length <= before, `${before} boxes before merging, ${boxes.length} after`);
  assert(new URL(page.url()).searchParams.get('merge') === '1', 'merge not in the URL');
});

test('defects: a model change shows its last layer; nothing above the threshold says the best score and offers the top ones', async ({ open }) => {
  const page = await open('?backend=wasm&layer=1');
  // A link's layer stands on the first model.
  assert((await layerShown(page)) === 'layer 1 of 3', 'the link\'s layer: ' + (await layerShown(page)));
  const r0 = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r0 + 1);
  await page.getByTestId('file-input').setInputFiles(await officialDetr());
  await waitRuns(page, r0 + 2, 180_000);
  // The boxes are the last layer's: so is the slider.
  assert((await layerShown(page)) === 'layer 2 of 2', 'after the model change: ' + (await layerShown(page)));

  // Official DETR with formula weights: no score reaches the threshold.
  const empty = page.getByTestId('no-detection');
  await empty.waitFor({ timeout: 10_000 });
  const best = Number(((await page.getByTestId('best-score').textContent()) ?? '').replace('%', '')) / 100;
  assert(best > 0 && best < Number(await page.getByTestId('score-threshold').inputValue()), `best score ${best} not below the threshold`);
  const offer = page.getByTestId('show-top');
  const n = Number(/top (\d+)/.exec((await offer.textContent()) ?? '')?.[1]);
  assert(n === 5, 'offer: ' + (await offer.textContent()));
  await offer.click();
  await page.getByTestId('query-list').locator('li[data-query]').first().waitFor({ timeout: 10_000 });
  const shown = await page.getByTestId('query-list').locator('li[data-query]').count();
  assert(shown === n, `${shown} queries shown after "show the top ${n}"`);
  const top = Number(((await page.getByTestId('query-list').locator('li[data-query] .score').first().textContent()) ?? '').replace('%', '')) / 100;
  assert(Math.abs(top - best) < 0.001, `the first shown (${top}) is not the best score said (${best})`);

  // Back to a bundled model from layer 1: its last layer again.
  await page.getByTestId('layer-slider').fill('1');
  assert((await layerShown(page)) === 'layer 1 of 2', 'slider did not move: ' + (await layerShown(page)));
  const r1 = await runs(page);
  const bundled = await page.getByTestId('model-picker').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).find((v) => !v.startsWith('upload:'))!);
  await page.getByTestId('model-picker').selectOption(bundled);
  await waitRuns(page, r1 + 1, 120_000);
  assert((await layerShown(page)) === 'layer 3 of 3', 'after going back to a bundled model: ' + (await layerShown(page)));
}, 360_000);
