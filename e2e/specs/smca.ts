/**
 * The SMCA prior: switching it off re-runs the decoder and changes the maps, the prior-off
 * comparison with its difference and Gaussian overlays, and the note that switching it off is an
 * ablation of a model trained with it.
 */
import type { Page } from 'playwright-core';
import { assert, idle, selectFirstQuery, shot, test } from '../harness';

/** The per-head attention maps' pixels, to see whether they changed. */
async function mapPixels(page: Page): Promise<string[]> {
  return page.locator('[data-testid=attention-map]').evaluateAll((els) => (els as HTMLCanvasElement[]).map((c) => c.toDataURL()));
}

test('SMCA: the prior toggle changes the attention maps; prior-off comparison and difference view', async ({ open }) => {
  const page = await open('?backend=wasm&model=sam-detr-smca&t=0');
  await selectFirstQuery(page);
  const toggle = page.getByTestId('smca-toggle');
  assert((await toggle.getAttribute('aria-checked')) === 'true', 'prior should start on');
  const on = await mapPixels(page);
  await toggle.click();
  await page.waitForFunction(() => document.querySelector('[data-testid=smca-toggle]')?.getAttribute('aria-checked') === 'false');
  await idle(page);
  await page.waitForFunction((before) => {
    const now = [...document.querySelectorAll('[data-testid=attention-map]')].map((c) => (c as HTMLCanvasElement).toDataURL());
    return now.length === 8 && now.some((u, i) => u !== before[i]);
  }, on, { timeout: 30_000 });
  // prior on vs off side by side, with the difference overlay. Asked for while the prior is off,
  // the comparison still puts the prior-on run beside the prior-off one (not off beside off).
  await page.getByTestId('compare-mode').selectOption('prior-off');
  await page.waitForFunction(() => document.querySelector('[data-testid=smca-toggle]')?.getAttribute('aria-checked') === 'true');
  const title0 = await page.locator('.view[data-view="0"] .view-title').textContent();
  assert(/SMCA prior on$/.test(title0 ?? ''), `prior-off comparison's main view is titled "${title0}"`);
  await page.getByLabel('Heatmap overlay').selectOption('diff');
  await idle(page);
  await page.locator('.view[data-view="1"]').waitFor();
  await page.waitForTimeout(800);
  assert(await page.getByText(/Detections that change without the prior/).isVisible(), 'no change list');
  await shot(page, '08-smca-prior-off-diff');
  // The difference maps are prior-on minus prior-off attention: two softmaxes over the same
  // keys, so each map has both signs and sums to zero, and it is not the attention itself.
  const stats = (attr: string) =>
    page.locator('[data-testid=attention-map]').evaluateAll((els, a) => els.map((e) => ({ head: Number(e.getAttribute('data-head')), v: Number(e.getAttribute(a)) })), attr);
  const [dmin, dmax, dsum] = await Promise.all(['data-min', 'data-max', 'data-sum'].map(stats));
  assert(dmin.length === 8, `${dmin.length} difference maps, not 8`);
  for (let i = 0; i < 8; i++) {
    assert(dmin[i].v < 0 && dmax[i].v > 0, `head ${dmin[i].head}: difference map not signed (${dmin[i].v}..${dmax[i].v})`);
    assert(Math.abs(dsum[i].v) <= 1e-4, `head ${dmin[i].head}: difference map sums to ${dsum[i].v}, not 0`);
  }
  assert(/difference/i.test((await page.locator('.small-multiples h3').first().textContent()) ?? ''), 'small multiples caption does not say difference');
  await page.getByLabel('Heatmap overlay').selectOption('gaussian');
  await page.waitForTimeout(600);
  // Each head's SMCA Gaussian peaks in the feature cell of that head's salient point.
  const points = await page.locator('.view[data-view="0"] [data-testid=salient-point]').evaluateAll((els) =>
    els.map((e) => ({ head: Number(e.getAttribute('data-head')), x: Number(e.getAttribute('data-x')), y: Number(e.getAttribute('data-y')) })),
  );
  const peaks = await page.locator('[data-testid=attention-map]').evaluateAll((els) =>
    els.map((e) => ({ head: Number(e.getAttribute('data-head')), x: Number(e.getAttribute('data-peak-x')), y: Number(e.getAttribute('data-peak-y')), cell: Number(e.getAttribute('data-cell')), min: Number(e.getAttribute('data-min')) })),
  );
  assert(peaks.length === 8 && points.length === 8, `${peaks.length} Gaussian maps and ${points.length} salient points, not 8 each`);
  for (const pk of peaks) {
    const pt = points.find((q) => q.head === pk.head)!;
    assert(pk.min >= 0, `head ${pk.head}: Gaussian map has negative values (${pk.min}): not the prior`);
    assert(Math.abs(pk.x - pt.x) <= 0.55 * pk.cell && Math.abs(pk.y - pt.y) <= 0.55 * pk.cell, `head ${pk.head}: Gaussian peak at (${pk.x}, ${pk.y}), salient point at (${pt.x}, ${pt.y}), cell ${pk.cell} px`);
  }
  await shot(page, '09-smca-gaussian');
  // Leaving the comparison (and the difference overlay) takes the change table away; so does the encoder tab.
  await page.getByTestId('compare-mode').selectOption('prior-off');
  await page.getByLabel('Heatmap overlay').selectOption('diff');
  await page.getByText(/Detections that change without the prior/).waitFor();
  await page.getByRole('button', { name: 'Encoder self-attention' }).click();
  await page.getByText(/Detections that change without the prior/).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Decoder cross-attention' }).click();
  await page.getByTestId('compare-mode').selectOption('none');
  await page.getByLabel('Heatmap overlay').selectOption('attention');
  await page.getByText(/Detections that change without the prior/).waitFor({ state: 'detached' });
});

test('effect: switching the SMCA prior off says it is an ablation, and offers the model trained without it', async ({ open }) => {
  const page = await open('?model=sam-detr-smca');
  await page.locator('body').press('s');
  await page.waitForFunction(() => document.querySelector('[data-testid=smca-toggle]')?.getAttribute('aria-checked') === 'false', null, { timeout: 30_000 });
  const note = page.getByTestId('ablation-note');
  await note.waitFor({ timeout: 20_000 });
  assert(/trained with/i.test((await note.textContent()) ?? ''), 'the note does not say the model was trained with the prior: ' + (await note.textContent()));
  await page.getByTestId('trained-without').click();
  await page.waitForFunction(() => !!document.querySelector('.views.two'), null, { timeout: 60_000 });
  const url = new URL(page.url());
  assert(url.searchParams.get('model2') === 'sam-detr', 'trained-without compares with ' + url.searchParams.get('model2'));
}, 240_000);
