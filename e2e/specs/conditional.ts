/**
 * Conditional DETR in the page: a small model in the official layout, dropped as a .pth, shows the
 * selected query's reference point where the model puts it, its cross-attention beside the
 * spatial and content parts, and goes side by side with the bundled SAM-DETR + SMCA.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { formulaDetrCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { OFFICIAL_CONDITIONAL_DETR_R50, type ModelConfig } from '../../src/model/config';
import { assert, bundledConfig, dropFile, runs, shot, SHOTS, test, waitRuns } from '../harness';

/** ResNet-18 at width 8 and a 2-layer transformer: the official state_dict layout in a few MB. */
const CONFIG: ModelConfig = {
  ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 64, numQueries: 12, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 128,
};
const SEED = 9;

async function checkpointBytes(): Promise<Uint8Array> {
  const sink = new MemorySink();
  await torchSave(sink, formulaDetrCheckpoint(CONFIG, { seed: SEED }));
  return sink.bytes();
}

/**
 * The reference point of query q computed here from the file's weights, without the model library:
 * s = sigmoid(W1 relu(W0 e + b0) + b1), e = query_embed[q]: what the page must draw.
 */
function referencePoint(q: number): [number, number] {
  const d = CONFIG.hiddenDim;
  const w = (name: string, shape: number[]) => formulaTensor(name, shape, SEED);
  const e = w('query_embed.weight', [CONFIG.numQueries, d]).slice(q * d, (q + 1) * d);
  const p = 'transformer.decoder.ref_point_head.layers';
  const [w0, b0, w1, b1] = [w(`${p}.0.weight`, [d, d]), w(`${p}.0.bias`, [d]), w(`${p}.1.weight`, [2, d]), w(`${p}.1.bias`, [2])];
  const h = Array.from({ length: d }, (_, i) => Math.max(0, b0[i] + e.reduce((a, v, j) => a + w0[i * d + j] * v, 0)));
  const out = [0, 1].map((o) => 1 / (1 + Math.exp(-(b1[o] + h.reduce((a, v, j) => a + w1[o * d + j] * v, 0)))));
  return [out[0], out[1]];
}

type Lens = { __lens: { state: () => { query: number }; runs: () => { main: { resized: [number, number]; padded: [number, number] } } } };

/** The marker's centre on screen, and where the point (x, y of the padded input) lies on screen in that view. */
async function markerAndExpected(page: Page, norm: [number, number]) {
  return page.evaluate(({ norm }) => {
    const view = document.querySelector('.view[data-view="0"]')!;
    const marker = view.querySelector('[data-testid=reference-point] circle.ring')!.getBoundingClientRect();
    const svg = view.querySelector('svg.view-svg')!.getBoundingClientRect();
    const t = view.querySelector('g.root')!.getAttribute('transform')!;
    const [, tx, ty, k] = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(t)!.map(Number);
    const { resized, padded } = (window as unknown as Lens).__lens.runs().main;
    const [w, h] = (document.querySelector('[data-testid=image-info]')!.textContent ?? '').split(/[×\s]/).map(Number);
    // Relative to the padded input -> image pixels (as geometry.ts normToImage) -> screen.
    const px = [(norm[0] * padded[1] * w) / resized[1], (norm[1] * padded[0] * h) / resized[0]];
    return {
      marker: [marker.left + marker.width / 2, marker.top + marker.height / 2],
      expected: [svg.left + tx + k * px[0], svg.top + ty + k * px[1]],
    };
  }, { norm });
}

test('Conditional DETR: a dropped checkpoint shows its reference point, the spatial and content parts of its attention, and goes side by side with SAM-DETR', async ({ open }) => {
  const page = await open('?backend=wasm');
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  await dropFile(page, 'conditional_detr_r18_small.pth', await checkpointBytes(), 'application/octet-stream');
  await waitRuns(page, r + 2, 180_000);
  const report = (await page.getByTestId('checkpoint-report').textContent()) ?? '';
  assert(/Conditional DETR, resnet18/.test(report), 'not reported as Conditional DETR: ' + report);
  assert(((await page.getByTestId('model-details').textContent()) ?? '').includes('Conditional DETR'), 'the model is not titled Conditional DETR');
  await page.getByTestId('score-threshold').fill('0');
  await page.getByTestId('query-list').locator('li[data-query]').first().click();
  const marker = page.locator('.view[data-view="0"] [data-testid=reference-point]');
  await marker.waitFor({ timeout: 30_000 });
  const q = await page.evaluate(() => (window as unknown as Lens).__lens.state().query);
  // The point drawn is the one the file's weights make, and it is drawn where that point is on the image.
  const expected = referencePoint(q);
  const drawn = ((await marker.getAttribute('data-norm')) ?? '').split(',').map(Number) as [number, number];
  assert(drawn.every((v, i) => Math.abs(v - expected[i]) < 1e-3), `query ${q}: reference point drawn at ${drawn}, the weights give ${expected}`);
  const at = await markerAndExpected(page, expected);
  assert(Math.hypot(at.marker[0] - at.expected[0], at.marker[1] - at.expected[1]) < 1.5, `marker at ${at.marker}, expected on screen at ${at.expected}`);
  assert(/same point in every decoder layer/.test((await marker.locator('title').textContent()) ?? ''), 'the marker does not say it is the same in every layer');
  assert((await page.getByTestId('detr-note').count()) === 0, "DETR's note (no reference) shown for Conditional DETR");
  // Layer 1: the same point.
  await page.getByTestId('layer-slider').fill('1');
  await page.waitForFunction(() => document.querySelector('.view[data-view="0"] [data-testid=reference-point]')?.getAttribute('data-layer') === '1');
  assert(((await marker.getAttribute('data-norm')) ?? '').split(',').map(Number).every((v, i) => Math.abs(v - expected[i]) < 1e-3), 'the point moved between layers');
  // The panel: the combined map and both parts, each a distribution over the feature cells.
  const parts = await page.getByTestId('attention-part').evaluateAll((els) => els.map((e) => ({ part: e.getAttribute('data-part'), sum: Number(e.getAttribute('data-sum')), cells: Number(e.getAttribute('data-cells')) })));
  assert(parts.map((p) => p.part).join() === 'attention,spatial,content', 'parts: ' + JSON.stringify(parts));
  assert(parts.every((p) => Math.abs(p.sum - 1) < 1e-3 && p.cells > 1), 'a part is not a distribution over the cells: ' + JSON.stringify(parts));
  // The spatial part alone on the image: from the panel, into the URL, drawn with its legend on the attention scale.
  const heat = () => page.locator('.view[data-view="0"] canvas.view-canvas').getAttribute('data-heat-grid');
  await page.locator('[data-testid=attention-part][data-part=spatial]').click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('overlay') === 'spatial');
  await page.waitForFunction(() => !!document.querySelector('.view[data-view="0"] canvas.view-canvas')?.getAttribute('data-heat-grid'));
  assert(!!(await heat()), 'no spatial map drawn on the image');
  assert((await page.locator('.view[data-view="0"] [data-testid=color-legend]').getAttribute('data-kind')) === 'seq', 'the spatial map is not on the attention scale');
  const caption = (await page.locator('.small-multiples h3').first().textContent()) ?? '';
  assert(/Spatial part alone/.test(caption), 'small multiples caption: ' + caption);
  await page.waitForTimeout(500);
  await page.evaluate(() => document.querySelector('main.center')?.scrollTo(0, 0));
  await shot(page, '40-conditional-detr-spatial');
  await page.getByTestId('conditional-panel').screenshot({ path: join(SHOTS, '40b-conditional-panel.png') });

  // A reload brings the view back whole: the stored checkpoint, the query, the spatial overlay and the marker where it was.
  await page.reload();
  await waitRuns(page, 1, 180_000);
  const url = new URL(page.url()).searchParams;
  assert(url.get('q') === String(q) && url.get('overlay') === 'spatial', 'the query or the overlay was lost on reload: ' + page.url());
  await marker.waitFor({ timeout: 30_000 });
  const again = ((await marker.getAttribute('data-norm')) ?? '').split(',').map(Number);
  assert(again.every((v, i) => Math.abs(v - expected[i]) < 1e-3), `after a reload the reference point is drawn at ${again}, the weights give ${expected}`);

  // Side by side with the bundled SAM-DETR + SMCA: the query's match, both models' maps per layer and the concentration chart.
  await page.locator('[data-testid=attention-part][data-part=attention]').click();
  const r2 = await runs(page);
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await page.getByTestId('second-model').selectOption('sam-detr-smca');
  await waitRuns(page, r2 + 1, 120_000);
  // The selection stays: the second model shows its match.
  const cmp = page.getByTestId('compare-attention');
  await cmp.waitFor({ timeout: 30_000 });
  const samLayers = bundledConfig().decLayers;
  const maps = await page.getByTestId('layer-map').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-model')}:${e.getAttribute('data-layer')}`));
  const want = [...[1, 2].map((l) => `0:${l}`), ...Array.from({ length: samLayers }, (_, l) => `1:${l + 1}`)];
  assert(maps.join() === want.join(), 'layer maps: ' + maps.join());
  const pts = await page.getByTestId('concentration-point').evaluateAll((els) => els.map((e) => ({ m: e.getAttribute('data-model'), v: Number(e.getAttribute('data-value')) })));
  assert(pts.length === 2 * (2 + samLayers) && pts.every((p) => p.v >= 0 && p.v <= 1), 'concentration chart: ' + JSON.stringify(pts));
  assert(new Set(pts.map((p) => p.m)).size === 2, 'the chart lacks one model');
  // The reference point stays on the Conditional DETR side only; SAM-DETR keeps its salient points.
  await page.locator('.view[data-view="1"] [data-testid=salient-point]').first().waitFor({ timeout: 30_000 });
  assert((await page.locator('.view[data-view="1"] [data-testid=reference-point]').count()) === 0, 'a reference point on the SAM-DETR side');
  assert((await page.locator('.view[data-view="0"] [data-testid=reference-point]').count()) === 1, 'no reference point on the Conditional DETR side');
  await page.waitForTimeout(500);
  await page.evaluate(() => document.querySelector('main.center')?.scrollTo(0, 0));
  await shot(page, '41-conditional-vs-sam-detr');
  await cmp.scrollIntoViewIfNeeded();
  await cmp.screenshot({ path: join(SHOTS, '41b-conditional-vs-sam-detr-concentration.png') });
}, 360_000);
