/**
 * Two models side by side: selection and zoom synchronised, and DETR against SAM-DETR with the
 * matched query's attention per layer and how concentrated it is.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { assert, dropFile, runs, selectFirstQuery, shot, SHOTS, test, tinyDetrFile, tinySamDetr, waitRuns } from '../harness';

test('side by side: SAM-DETR and SAM-DETR + SMCA with synchronised selection and zoom', async ({ open }) => {
  const page = await open('?backend=wasm&t=0');
  const r = await runs(page);
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await waitRuns(page, r + 1);
  await page.locator('.view[data-view="1"] [data-testid=detection-box]').first().waitFor();
  await selectFirstQuery(page);
  await page.waitForFunction(() => document.querySelectorAll('.view[data-view="1"] [data-testid=salient-point]').length === 8, null, { timeout: 30_000 });
  // Per-head small multiples for both models, each captioned with its model.
  await page.waitForFunction(() => document.querySelectorAll('.small-multiples').length === 2, null, { timeout: 30_000 });
  const captions = await page.locator('.small-multiples h3').allTextContents();
  assert(captions.length === 2 && /^SAM-DETR \+ SMCA: /.test(captions[0]) && /^SAM-DETR: /.test(captions[1]), 'small multiples captions: ' + captions.join(' | '));
  assert((await page.locator('[data-testid=attention-map]').count()) === 16, 'expected 8 maps per model');
  const scales = () =>
    page.locator('.view').evaluateAll((vs) =>
      vs.map((v) => {
        const t = v.querySelector('g.root')!.getAttribute('transform')!;
        return Number(/scale\(([\d.]+)\)/.exec(t)![1]);
      }),
    );
  const before = await scales();
  await page.locator('body').press('+');
  await page.locator('body').press('+');
  await page.waitForTimeout(300);
  const after = await scales();
  // Both views zoomed, together, by the key's factor twice (1.25 each).
  assert(after.length === 2 && Math.abs(after[0] - after[1]) / after[0] < 0.01, 'zoom not synchronised: ' + after);
  assert(Math.abs(after[0] / before[0] - 1.25 ** 2) < 0.01, `"+" twice changed the scale by ${after[0] / before[0]}, not 1.25²: ${before} -> ${after}`);
  await shot(page, '10-side-by-side');
});

test('DETR vs SAM-DETR side by side: the matched query, its attention per layer, and how concentrated it is', async ({ open }) => {
  const page = await open('?backend=wasm');
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  await dropFile(page, 'tiny_sam_smca.pth', await tinySamDetr(), 'application/octet-stream');
  await waitRuns(page, r + 2, 120_000);
  await page.locator('[data-testid=stored-checkpoint][data-name="tiny_sam_smca.pth"]').waitFor({ timeout: 30_000 });
  const { file, dir } = await tinyDetrFile('detr-r50-small.pth');
  await page.getByTestId('file-input').setInputFiles(file);
  await waitRuns(page, r + 3, 180_000);
  await page.locator('[data-testid=stored-checkpoint][data-name="detr-r50-small.pth"]').waitFor({ timeout: 60_000 });
  // Side by side, the stored SAM-DETR is the default partner of a DETR checkpoint (from the store, into the second slot).
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await waitRuns(page, r + 4, 120_000);
  assert((await page.getByTestId('second-model').inputValue()) === 'upload:tiny_sam_smca.pth', 'second model: ' + (await page.getByTestId('second-model').inputValue()));
  await page.getByTestId('score-threshold').fill('0');
  await page.getByTestId('query-list').locator('li[data-query]').first().click();
  const cmp = page.getByTestId('compare-attention');
  await cmp.waitFor({ timeout: 30_000 });
  // The match is the box selected in the second view.
  const q1 = Number(await cmp.getAttribute('data-query1'));
  const sel1 = await page.locator('.view[data-view="1"] [data-testid=detection-box][stroke-width="3"]').getAttribute('data-query');
  assert(Number(sel1) === q1, `the chart's match #${q1} is not the query selected in the second view (#${sel1})`);
  // DETR has 2 decoder layers here, the SAM-DETR 3: one map per layer and model.
  const maps = await page.getByTestId('layer-map').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-model')}:${e.getAttribute('data-layer')}`));
  assert(maps.join() === '0:1,0:2,1:1,1:2,1:3', 'layer maps: ' + maps.join());
  const points = () =>
    page.getByTestId('concentration-point').evaluateAll((els) => els.map((e) => ({ m: e.getAttribute('data-model'), l: e.getAttribute('data-layer'), k: e.getAttribute('data-measure'), v: Number(e.getAttribute('data-value')) })));
  const pts = await points();
  assert(pts.length === 10, `${pts.length} chart points, expected 2 measures x 5 model layers`);
  assert(pts.every((p) => p.v >= 0 && p.v <= 1), 'a concentration outside [0, 1]: ' + JSON.stringify(pts));
  const caption = (await cmp.getByTestId('concentration-caption').textContent()) ?? '';
  assert(/attention mass inside the query’s final predicted box/.test(caption) && /divided by log\(HW\)/.test(caption) && /mean over the 8 visible heads/.test(caption), 'caption: ' + caption);
  await shot(page, '19-detr-vs-sam-detr');
  await cmp.scrollIntoViewIfNeeded();
  await cmp.screenshot({ path: join(SHOTS, '19b-concentration.png') });
  // A layer map selects that layer everywhere (slider, URL), by mouse or keyboard.
  await page.locator('[data-testid=layer-map][data-model="0"][data-layer="1"]').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid=layer-slider]') as HTMLInputElement).value === '1');
  assert(new URL(page.url()).searchParams.get('layer') === '1', 'layer not in the URL');
  assert((await page.locator('[data-testid=layer-map][aria-pressed=true]').count()) === 2, 'layer 1 not marked in both rows');
  await page.locator('[data-testid=layer-map][data-model="0"][data-layer="2"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('[data-testid=layer-slider]') as HTMLInputElement).value === '2');
  // Hiding heads changes the means (fewer heads), and the caption says how many.
  await page.locator('[data-testid=head-toggle][data-head="0"]').click();
  await page.waitForFunction(() => /mean over the 7 visible heads/.test(document.querySelector('[data-testid=compare-attention] [data-testid=concentration-caption]')?.textContent ?? ''));
  const after = await points();
  assert(after.some((p, i) => Math.abs(p.v - pts[i].v) > 1e-4), 'hiding a head changed no mean');
  // Another query: the chart follows it.
  const q0 = await cmp.getAttribute('data-query0');
  await page.getByTestId('query-list').locator('li[data-query]').nth(1).click();
  await page.waitForFunction((q) => document.querySelector('[data-testid=compare-attention]')?.getAttribute('data-query0') !== q, q0, { timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  // The bundled trained models side by side, for the docs: the DETR-style baseline against SAM-DETR + SMCA.
  const trained = await open('?backend=wasm&model=detr-baseline&compare=side-by-side&model2=sam-detr-smca&t=0.05', { timeout: 120_000 });
  await waitRuns(trained, 2, 120_000);
  await trained.getByTestId('query-list').locator('li[data-query]').first().click();
  const panel = trained.getByTestId('compare-attention');
  await panel.waitFor({ timeout: 30_000 });
  await trained.waitForTimeout(600);
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: join(SHOTS, '19c-baseline-vs-sam-detr.png') });
}, 360_000);
