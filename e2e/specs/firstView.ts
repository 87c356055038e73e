/**
 * What makes semantic alignment visible (the first view): two models after one training epoch
 * with the claim and the effect panel's measures within the first screen at 1280x720 and
 * 1440x900, one absolute colour scale with a legend on every map (per-map contrast an explicit
 * option), and the training timeline that swaps both models and stays on the object.
 * Their names start with "effect:" (npx tsx e2e/run.ts effect: runs them, with the SMCA ablation
 * note in smca.ts and the snapshots' offline test in offline.ts).
 */
import type { Page } from 'playwright-core';
import { assert, runs, shot, test, waitRuns } from '../harness';

/** The effect table of a scope, once both models' numbers are in it. */
async function effectCells(page: Page, scope: 'selected' | 'mean'): Promise<Record<string, string>> {
  const table = page.locator(`[data-testid=effect-panel] table[data-scope=${scope}]`);
  await table.waitFor({ timeout: 60_000 });
  return table.locator('td[data-measure]').evaluateAll((tds) =>
    Object.fromEntries(tds.map((td) => [`${td.getAttribute('data-measure')}/${td.getAttribute('data-model')}/${td.getAttribute('data-layer')}`, td.textContent ?? ''])),
  );
}

/** Whether an element lies wholly inside the viewport (no scrolling needed to read it). */
async function inViewport(page: Page, selector: string): Promise<string | null> {
  const vp = page.viewportSize()!;
  const box = await page.locator(selector).first().boundingBox();
  if (!box) return `${selector}: not laid out`;
  return box.y >= 0 && box.x >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width
    ? null
    : `${selector} at x ${box.x.toFixed(0)}..${(box.x + box.width).toFixed(0)}, y ${box.y.toFixed(0)}..${(box.y + box.height).toFixed(0)} in a ${vp.width}x${vp.height} window`;
}

test('effect: the first view shows the claim, its measures within the first screen', async ({ open }) => {
  const page = await open('');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByTestId('claim-intro').waitFor();
  const epoch = Number(await page.getByTestId('epoch-slider').getAttribute('data-epoch'));
  assert(epoch >= 1, `the first view is not an early epoch: ${epoch}`);
  // Two views, an object selected, the measures of both models for it and for all objects.
  assert((await page.locator('.views.two').count()) === 1, 'the first view does not compare two models');
  const selected = await effectCells(page, 'selected');
  const mean = await effectCells(page, 'mean');
  for (const cells of [selected, mean]) {
    for (const m of ['0', '1']) {
      const v = Number(cells[`truthShare/${m}/1`]);
      assert(v >= 0 && v <= 1, `model ${m}: layer-1 share in the true box is "${cells[`truthShare/${m}/1`]}"`);
      const e = Number(cells[`entropy/${m}/1`]);
      assert(e >= 0 && e <= 1, `model ${m}: layer-1 entropy is "${cells[`entropy/${m}/1`]}"`);
    }
  }
  for (const [w, h] of [[1280, 720], [1440, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    const off = (await inViewport(page, '[data-testid=effect-panel] table[data-scope=selected]')) ?? (await inViewport(page, '[data-testid=epoch-slider]'))
      ?? (await inViewport(page, '.view-legend [data-testid=color-legend]'));
    assert(off === null, `at ${w}x${h}: ${off}`);
    await shot(page, `30-first-view-${w}x${h}`);
  }
  // Every attention map in view has a legend with numbers, and the scale is absolute by default.
  const legends = page.getByTestId('color-legend');
  assert((await legends.count()) >= 2, `${await legends.count()} colour legends`);
  const texts = await legends.allTextContents();
  assert(texts.every((t) => /\d/.test(t)), 'a legend without numbers: ' + texts.find((t) => !/\d/.test(t)));
  assert((await legends.first().getAttribute('data-contrast')) === 'absolute', 'the default scale is not absolute');
  // The explorer is one click away.
  await page.getByTestId('explore-one').click();
  await page.waitForFunction(() => !document.querySelector('.views.two'), null, { timeout: 30_000 });
  assert((await page.getByTestId('claim-intro').count()) === 0, 'the note stays after "Explore one model"');
}, 240_000);

test('effect: the timeline swaps both models to another epoch and stays on the object', async ({ open }) => {
  const page = await open('');
  const table = page.locator('[data-testid=effect-panel] table[data-scope=selected]');
  await table.waitFor({ timeout: 60_000 });
  const object = await table.getAttribute('data-object');
  assert(object !== null, 'the first view selects no true object');
  const before = await effectCells(page, 'mean');
  const slider = page.getByTestId('epoch-slider');
  const e0 = Number(await slider.getAttribute('data-epoch'));
  const n = await runs(page);
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((e0) => Number(document.querySelector('[data-testid=epoch-slider]')?.getAttribute('data-epoch')) !== e0, e0);
  const e1 = Number(await slider.getAttribute('data-epoch'));
  assert(e1 !== e0, 'the slider did not move');
  await waitRuns(page, n + 1, 120_000);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=effect-panel] table[data-scope=selected]') && document.querySelector('[data-testid=effect-panel] table[data-scope=mean]'),
    null, { timeout: 120_000 },
  );
  const after = await effectCells(page, 'mean');
  assert(JSON.stringify(after) !== JSON.stringify(before), `epoch ${e0} -> ${e1}: the measures did not change`);
  assert((await table.getAttribute('data-object')) === object, `epoch ${e0} -> ${e1}: the selected object changed from ${object} to ${await table.getAttribute('data-object')}`);
  assert(new URL(page.url()).searchParams.get('epoch') === String(e1), 'the URL does not carry the epoch: ' + page.url());
  // The convergence view marks the epoch shown.
  await page.getByRole('button', { name: 'Convergence', exact: true }).click();
  const mark = page.getByTestId('convergence-mark');
  await mark.waitFor({ timeout: 20_000 });
  assert(Number(await mark.getAttribute('data-epoch')) === e1, 'the convergence chart marks another epoch');
  await shot(page, '31-convergence-marked');
}, 300_000);

test('effect: per-map contrast is an explicit, labelled option', async ({ open }) => {
  const page = await open('');
  await page.locator('[data-testid=effect-panel] table[data-scope=selected]').waitFor({ timeout: 60_000 });
  const map = page.locator('[data-testid=attention-map]').first();
  const abs = await map.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
  await page.getByTestId('contrast-select').selectOption('per-map');
  await page.waitForFunction(() => document.querySelector('[data-testid=color-legend]')?.getAttribute('data-contrast') === 'per-map');
  const legend = (await page.getByTestId('color-legend').first().textContent()) ?? '';
  assert(/per-map|each map/i.test(legend), 'the per-map legend does not say so: ' + legend);
  const rel = await map.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
  assert(rel !== abs, 'per-map contrast draws the same pixels as the absolute scale');
}, 240_000);
