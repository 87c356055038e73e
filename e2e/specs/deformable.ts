/**
 * Deformable DETR (plain and two-stage): a small model in the official layout dropped on the page
 * loads as its family; a selected query's decoder sampling points are drawn (heads x levels x
 * points markers, placed by the slice's values, the head toggles applying), with its reference
 * and, for two-stage, the encoder proposal it came from; the encoder tab samples four levels; and
 * beside the bundled SAM-DETR both get the per-layer concentration chart.
 */
import { join } from 'node:path';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { OFFICIAL_DEFORMABLE_DETR_R50, type ModelConfig } from '../../src/model/config';
import type { QuerySlice } from '../../src/worker/messages';
import { assert, dropFile, runs, shot, SHOTS, test, waitRuns } from '../harness';
import type { Page } from 'playwright-core';

/** ResNet-18 at width 8, hidden 32, the official 8 heads, 4 levels and 4 points; 3 decoder layers. */
const small: ModelConfig = {
  ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 20, numClasses: 10,
  encLayers: 1, decLayers: 3, dimFeedforward: 64,
};

async function tinyDeformable(c: ModelConfig): Promise<Uint8Array> {
  const sink = new MemorySink();
  await torchSave(sink, formulaCheckpoint(c, { seed: 7, epochs: 50 }));
  return sink.bytes();
}

type Mark = { head: number; level: number; w: number; x: number; y: number };
const marks = (page: Page, view = 0): Promise<Mark[]> =>
  page.locator(`.view[data-view="${view}"] [data-testid=sampling-point]`).evaluateAll((els) => els.map((e) => ({
    head: Number(e.getAttribute('data-head')), level: Number(e.getAttribute('data-level')), w: Number(e.getAttribute('data-weight')),
    x: Number(e.getAttribute('data-x')), y: Number(e.getAttribute('data-y')),
  })));
const count = (page: Page, n: number, view = 0) =>
  page.waitForFunction(([n, v]) => document.querySelectorAll(`.view[data-view="${v}"] [data-testid=sampling-point]`).length === n, [n, view] as const, { timeout: 30_000 });

/** Drops a deformable checkpoint, selects the first listed query at layer 1 and waits for its 128 markers; resolves the query. */
async function loadAndSelect(page: Page, name: string, c: ModelConfig, before: number): Promise<number> {
  await dropFile(page, name, await tinyDeformable(c), 'application/octet-stream');
  await waitRuns(page, before + 1, 180_000);
  await page.getByTestId('score-threshold').fill('0');
  await page.getByTestId('query-list').locator('li[data-query]').first().click();
  await count(page, 8 * 4 * 4);
  // The query selected, as the view state has it (the list may have reordered under the new threshold).
  return page.evaluate(() => (window as unknown as { __lens: { state: () => { query: number } } }).__lens.state().query);
}

test('Deformable DETR: sampling points per head, level and point, the reference and the two-stage proposal, the encoder, and beside SAM-DETR', async ({ open }) => {
  const page = await open('?backend=wasm');
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  const q = await loadAndSelect(page, 'deformable_detr_tiny.pth', small, r + 1);
  const report = (await page.getByTestId('checkpoint-report').textContent()) ?? '';
  assert(/Deformable DETR/.test(report), 'not reported as Deformable DETR: ' + report);
  const details = (await page.getByTestId('model-details').textContent()) ?? '';
  assert(details.startsWith('Deformable DETR'), 'model panel does not name the family: ' + details.slice(0, 80));

  // 8 heads x 4 levels x 4 points, each level a shape; each head's weights sum to 1.
  const m1 = await marks(page);
  assert(m1.length === 128, `${m1.length} markers`);
  for (let lv = 0; lv < 4; lv++) assert(m1.filter((m) => m.level === lv).length === 32, `level ${lv}: ${m1.filter((m) => m.level === lv).length} markers, expected 8 heads x 4`);
  for (let h = 0; h < 8; h++) {
    const sum = m1.filter((m) => m.head === h).reduce((a, m) => a + m.w, 0);
    assert(Math.abs(sum - 1) < 1e-3, `head ${h}: weights sum to ${sum}`);
  }
  const legend = await page.locator('[data-testid=decoder-sampling] [data-testid=sampling-legend-level]').allTextContents();
  assert(legend.length === 4 && legend.map((t) => /stride (\d+)/.exec(t)?.[1]).join() === '8,16,32,64', 'legend levels: ' + legend.join(' | '));
  assert((await page.getByTestId('reference-point').count()) === 1, 'no reference point');

  // One marker against the slice's values: head 3, level 2, point 1 of the layer shown, at x * padded width in image px.
  const slice = await page.evaluate((q) => (window as unknown as { __lens: { slice: (s: number, q: number) => Promise<QuerySlice> } }).__lens.slice(0, q), q);
  const run = await page.evaluate(() => (window as unknown as { __lens: { runs: () => { main: { resized: [number, number]; padded: [number, number] } } } }).__lens.runs().main);
  const layer = Number(await page.getByTestId('layer-slider').inputValue());
  const [x, y, w] = slice.sampling!.points[layer - 1][3][2][1];
  const mark = await page.locator('.view[data-view="0"] [data-testid=sampling-point][data-head="3"][data-level="2"]').evaluateAll((els) =>
    els.map((e) => ({ w: Number(e.getAttribute('data-weight')), x: Number(e.getAttribute('data-x')), y: Number(e.getAttribute('data-y')) })));
  const hit = mark.find((m) => Math.abs(m.w - w) < 1e-5);
  assert(hit, `no marker of head 3, level 2 at layer ${layer} with weight ${w}: ${JSON.stringify(mark)}`);
  // The image is the scene at 640x480 for checkpoints; the model input is `resized` of it, padded to `padded`.
  const [rh, rw] = run.resized;
  const [ph, pw] = run.padded;
  const ex = (x * pw * 640) / rw;
  const ey = (y * ph * 480) / rh;
  assert(Math.abs(hit.x - ex) < 0.02 && Math.abs(hit.y - ey) < 0.02, `marker at (${hit.x}, ${hit.y}), the slice puts it at (${ex.toFixed(2)}, ${ey.toFixed(2)})`);
  await shot(page, '60-deformable-sampling');
  await page.locator('main.center').screenshot({ path: join(SHOTS, '60b-deformable-sampling-panel.png') });

  // Head toggles apply: head 1 hidden, its 16 markers go; shown again, they come back.
  await page.locator('[data-testid=head-toggle][data-head="0"]').click();
  await count(page, 112);
  assert((await page.locator('[data-testid=sampling-point][data-head="0"]').count()) === 0, 'hidden head still drawn');
  await page.locator('[data-testid=head-toggle][data-head="0"]').click();
  await count(page, 128);
  // Another layer samples elsewhere.
  const other = layer === 1 ? '2' : '1';
  await page.getByTestId('layer-slider').fill(other);
  await page.waitForFunction((l) => document.querySelector('[data-testid=decoder-sampling]')?.getAttribute('data-layer') === l, other, { timeout: 10_000 });
  const m3 = await marks(page);
  const key = (ms: Mark[]) => ms.map((m) => `${m.head}:${m.level}:${m.x}:${m.y}:${m.w}`).sort().join();
  assert(m3.length === 128 && key(m3) !== key(m1), `layer ${other} samples where layer ${layer} does`);

  // The encoder tab: a clicked location samples 4 points on each of the 4 levels per head.
  await page.getByRole('button', { name: 'Encoder self-attention' }).click();
  await page.getByTestId('deformable-hint').waitFor({ timeout: 10_000 });
  const svg = page.locator('.view[data-view="0"] > svg');
  const box = (await svg.boundingBox())!;
  await svg.click({ position: { x: box.width * 0.45, y: box.height * 0.5 } });
  await count(page, 128);
  const encLegend = await page.locator('[data-testid=sampling-panel] [data-testid=sampling-legend-level]').count();
  assert(encLegend === 4, `encoder legend has ${encLegend} levels`);
  assert((await page.getByTestId('sampling-head').count()) === 8, 'encoder per-head panels');
  await shot(page, '61-deformable-encoder');
  await page.getByRole('button', { name: 'Decoder cross-attention' }).click();

  // Beside the bundled SAM-DETR + SMCA: queries matched, both models' concentration per layer.
  const r2 = await runs(page);
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await page.getByTestId('second-model').selectOption('sam-detr-smca');
  await waitRuns(page, r2 + 1, 120_000);
  // The query selected before stays selected (a click on it would toggle it off).
  const selected = await page.evaluate(() => (window as unknown as { __lens: { state: () => { query: number | null } } }).__lens.state().query);
  if (selected === null) await page.getByTestId('query-list').locator('li[data-query]').first().click();
  const cmp = page.getByTestId('compare-attention');
  await cmp.waitFor({ timeout: 30_000 });
  const pts = await page.getByTestId('concentration-point').evaluateAll((els) => els.map((e) => ({ m: e.getAttribute('data-model'), k: e.getAttribute('data-measure'), v: Number(e.getAttribute('data-value')) })));
  const ofModel = (m: string) => pts.filter((p) => p.m === m);
  assert(ofModel('0').length === 2 * 3, `Deformable DETR: ${ofModel('0').length} chart points, expected 2 measures x 3 layers`);
  assert(ofModel('1').length >= 2, `SAM-DETR: ${ofModel('1').length} chart points`);
  assert(pts.every((p) => p.v >= 0 && p.v <= 1), 'a concentration outside [0, 1]: ' + JSON.stringify(pts));
  assert(await page.getByTestId('sampling-concentration-note').isVisible(), 'no note on how the deformable concentration is measured');
  await count(page, 128);
  await page.waitForTimeout(500);
  await shot(page, '62-deformable-vs-sam-detr');
  await cmp.scrollIntoViewIfNeeded();
  await cmp.screenshot({ path: join(SHOTS, '62b-deformable-concentration.png') });
  await page.getByTestId('compare-mode').selectOption('none');

  // Two-stage: the encoder proposal the query came from, drawn and labelled.
  const r3 = await runs(page);
  await loadAndSelect(page, 'deformable_detr_two_stage_tiny.pth', { ...small, withBoxRefine: true, twoStage: true }, r3);
  assert(/two-stage/.test((await page.getByTestId('checkpoint-report').textContent()) ?? ''), 'not reported as two-stage');
  await page.getByTestId('proposal-box').waitFor({ timeout: 10_000 });
  const label = (await page.getByTestId('proposal-label').textContent()) ?? '';
  assert(/^encoder proposal: stride (8|16|32|64) cell \(\d+, \d+\)$/.test(label), 'proposal label: ' + label);
  // Two-stage reads a box in every layer, the first the proposal's.
  assert((await page.getByTestId('reference-box').count()) === 1, 'no reference box for two-stage');
  await shot(page, '63-deformable-two-stage');
  const kind = (await page.locator('[data-testid=stored-checkpoint][data-name="deformable_detr_two_stage_tiny.pth"]').textContent()) ?? '';
  assert(kind.includes('Deformable DETR (two-stage)'), 'stored as: ' + kind);

  // A reload loads the stored model again and draws the same query's points and proposal.
  await page.reload();
  await waitRuns(page, 1, 180_000);
  await count(page, 128);
  await page.getByTestId('proposal-box').waitFor({ timeout: 10_000 });
  assert(((await page.getByTestId('proposal-label').textContent()) ?? '') === label, 'another proposal after the reload');
}, 600_000);
