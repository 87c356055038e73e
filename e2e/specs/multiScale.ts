/**
 * Multi-scale SAM-DETR: each decoder layer drawn on the feature level it reads, the levels named,
 * side by side per layer, and the encoder's deformable sampling points per head and level.
 */
import { join } from 'node:path';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import type { ModelConfig } from '../../src/model/config';
import { assert, bundledConfig, dropFile, runs, selectFirstQuery, shot, SHOTS, test, waitRuns } from '../harness';

/** A reduced multi-scale SAM-DETR + SMCA (the bundled model's backbone and width, the official 6 decoder layers) in the official layout, formula weights. */
async function tinyMultiScale(): Promise<Uint8Array> {
  const config: ModelConfig = { ...bundledConfig(), multiscale: true, inputProjGroupNorm: true, dilation: false, smca: true, decLayers: 6 };
  const sink = new MemorySink();
  await torchSave(sink, formulaCheckpoint(config, { seed: 11, epochs: 50 }));
  return sink.bytes();
}

type LevelGrid = { featW: number; featH: number; stride: number };

test('multi-scale SAM-DETR: each decoder layer drawn on the level it reads, levels named; encoder sampling points per head and level', async ({ open }) => {
  const page = await open('?backend=wasm');
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  await dropFile(page, 'tiny_ms_smca.pth', await tinyMultiScale(), 'application/octet-stream');
  await waitRuns(page, r + 2, 180_000);
  assert(/multi-scale/i.test((await page.getByTestId('checkpoint-report').textContent()) ?? ''), 'not reported as multi-scale: ' + (await page.getByTestId('checkpoint-report').textContent()));
  const grids = await page.evaluate(() => (window as unknown as { __lens: { runs: () => { main?: { layerGrids?: LevelGrid[] } } } }).__lens.runs().main?.layerGrids ?? []);
  assert(grids.map((g) => g.stride).join() === '32,32,16,16,8,8', 'layer grids: ' + JSON.stringify(grids));
  const [g32, , g16, , g8] = grids;
  const dims = (g: LevelGrid) => `${g.featW}×${g.featH}`;
  const info = (await page.getByTestId('image-info').textContent()) ?? '';
  const levels = `features ${dims(g8)} (stride 8), ${dims(g16)} (stride 16), ${dims(g32)} (stride 32)`;
  assert(info.includes(levels), `image info "${info}" does not list the levels (${levels})`);

  // Decoder: every view of a layer on that layer's level.
  await page.getByTestId('score-threshold').fill('0');
  await selectFirstQuery(page);
  const slider = page.getByTestId('layer-slider');
  const gridOf = (sel: string) => page.locator(sel).evaluateAll((els) => els.map((e) => `${e.getAttribute('data-grid')}:${e.getAttribute('data-cells')}`));
  for (const layer of [1, 3, 5, 6]) {
    await slider.fill(String(layer));
    const g = grids[layer - 1];
    const grid = `${g.featW}x${g.featH}`;
    await page.waitForFunction((gr) => [...document.querySelectorAll('[data-testid=attention-map]')].every((e) => e.getAttribute('data-grid') === gr), grid, { timeout: 10_000 });
    const maps = await gridOf('[data-testid=attention-map]');
    assert(maps.length === 8 && maps.every((m) => m === `${grid}:${g.featW * g.featH}`), `layer ${layer}: maps ${maps.join(' ')}, expected ${grid}`);
    const sums = await page.getByTestId('attention-map').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-sum'))));
    assert(sums.every((v) => Math.abs(v - 1) < 1e-3), `layer ${layer}: a head's attention does not sum to 1 over its level: ${sums}`);
    const heat = await page.locator('.view[data-view="0"] canvas.view-canvas').getAttribute('data-heat-grid');
    assert(heat === grid, `layer ${layer}: heatmap of ${heat}, expected ${grid}`);
    const note = (await page.getByTestId('layer-level-note').textContent()) ?? '';
    assert(note.includes(`reads stride ${g.stride} (${dims(g)})`), `layer ${layer}: slider note "${note}"`);
    const caption = (await page.locator('.small-multiples h3').first().textContent()) ?? '';
    assert(caption.includes(`decoder layer ${layer} (stride ${g.stride}, ${dims(g)} cells)`), `layer ${layer}: caption "${caption}"`);
    // The RoI is the reference box on the layer's own grid (valid ratio 1: one unpadded image); on another grid it would be scaled.
    await page.waitForTimeout(700);
    const ref = await page.getByTestId('reference-box').evaluate((e) => ['x', 'y', 'width', 'height'].map((a) => Number(e.getAttribute(a))));
    const lines = await page.getByTestId('roi-grid-line').evaluateAll((els) => els.map((e) => ['x1', 'y1', 'x2', 'y2'].map((a) => Number(e.getAttribute(a)))));
    assert(lines.length === 16, `${lines.length} RoI grid lines`);
    const roi = [Math.min(...lines.map((l) => l[0])), Math.min(...lines.map((l) => l[1])), Math.max(...lines.map((l) => l[2])), Math.max(...lines.map((l) => l[3]))];
    const off = Math.max(Math.abs(roi[0] - ref[0]), Math.abs(roi[1] - ref[1]), Math.abs(roi[2] - ref[0] - ref[2]), Math.abs(roi[3] - ref[1] - ref[3]));
    assert(off < 0.5, `layer ${layer}: RoI ${roi} is not the reference box ${ref} (${off.toFixed(2)} px off)`);
    assert((await page.getByTestId('salient-point').count()) === 8, `layer ${layer}: salient points`);
  }
  const table = await page.getByTestId('layer-level').allTextContents();
  assert(table.join() === 'stride 32,stride 32,stride 16,stride 16,stride 8,stride 8', 'layer table levels: ' + table.join());
  // The SMCA prior's maps are on the level too.
  await slider.fill('3');
  await page.getByLabel('Heatmap overlay').selectOption('gaussian');
  await page.waitForFunction((gr) => [...document.querySelectorAll('[data-testid=attention-map]')].every((e) => e.getAttribute('data-grid') === gr && e.getAttribute('data-max')), `${g16.featW}x${g16.featH}`, { timeout: 10_000 });
  await page.getByLabel('Heatmap overlay').selectOption('attention');
  await slider.fill('1');
  await page.waitForTimeout(700);
  await shot(page, '20-multiscale-decoder');

  // Side by side (the same checkpoint in both slots, so every query has its match): six layer maps at three
  // resolutions per model, and a concentration for every layer.
  let n = await runs(page);
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await waitRuns(page, n + 1, 120_000);
  n = await runs(page);
  await page.getByTestId('second-model').selectOption('upload:tiny_ms_smca.pth');
  await waitRuns(page, n + 1, 120_000);
  await page.getByTestId('compare-attention').waitFor({ timeout: 30_000 });
  for (const model of ['0', '1']) {
    // The grid each thumbnail is drawn on, and the cells of the map it draws.
    const row = await page.locator(`[data-testid=layer-map][data-model="${model}"]`).evaluateAll((els) => els.map((e) => `${e.querySelector('canvas')?.getAttribute('data-grid')}:${e.getAttribute('data-cells')}`));
    assert(row.join(' ') === grids.map((g) => `${g.featW}x${g.featH}:${g.featW * g.featH}`).join(' '), `model ${model}: per-layer maps ${row.join(' ')}`);
    const labels = await page.locator(`[data-testid=layer-map][data-model="${model}"] span`).allTextContents();
    assert(labels.join() === 'layer 1 · /32,layer 2 · /32,layer 3 · /16,layer 4 · /16,layer 5 · /8,layer 6 · /8', 'layer labels: ' + labels.join());
    const conc = await page.locator(`[data-testid=concentration-point][data-model="${model}"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert(conc.length === 12 && conc.every((v) => v >= 0 && v <= 1), `model ${model}: ${conc.length} concentration points (expected 2 measures x 6 layers): ${conc}`);
  }
  await page.getByTestId('compare-mode').selectOption('none');

  // Encoder: a click shows where the clicked cell's deformable attention samples.
  await page.getByRole('button', { name: 'Encoder self-attention' }).click();
  await page.getByTestId('deformable-hint').waitFor({ timeout: 10_000 });
  const svg = page.locator('.view[data-view="0"] > svg');
  const box = (await svg.boundingBox())!;
  await svg.click({ position: { x: box.width * 0.45, y: box.height * 0.5 } });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=sampling-point]').length === 96, null, { timeout: 30_000 });
  type Mark = { head: number; level: number; w: number; x: number; y: number };
  const marks = () => page.getByTestId('sampling-point').evaluateAll((els) => els.map((e) => ({
    head: Number(e.getAttribute('data-head')), level: Number(e.getAttribute('data-level')), w: Number(e.getAttribute('data-weight')), x: Number(e.getAttribute('data-x')), y: Number(e.getAttribute('data-y')),
  })));
  const m1: Mark[] = await marks();
  for (let lv = 0; lv < 3; lv++) assert(m1.filter((m) => m.level === lv).length === 32, `level ${lv}: ${m1.filter((m) => m.level === lv).length} points, expected 8 heads x 4`);
  for (let h = 0; h < 8; h++) {
    const sum = m1.filter((m) => m.head === h).reduce((a, m) => a + m.w, 0);
    assert(Math.abs(sum - 1) < 1e-3, `head ${h}: weights sum to ${sum}`);
  }
  assert(m1.every((m) => Number.isFinite(m.x) && Number.isFinite(m.y)), 'a sampling point without a position');
  // Marker area grows with the weight.
  const area = await page.getByTestId('sampling-point').evaluateAll((els) => els.map((e) => { const b = (e as SVGGraphicsElement).getBBox(); return [Number(e.getAttribute('data-weight')), b.width * b.height]; }));
  const heavy = area.reduce((a, b) => (b[0] > a[0] ? b : a));
  const light = area.reduce((a, b) => (b[0] < a[0] ? b : a));
  assert(heavy[1] > light[1] * 2, `markers not sized by weight: ${JSON.stringify([heavy, light])}`);
  const legend = await page.getByTestId('sampling-legend-level').allTextContents();
  assert(legend.join() === [g8, g16, g32].map((g) => `stride ${g.stride} (${dims(g)})`).join(), 'legend: ' + legend.join());
  const shares = await page.getByTestId('sampling-head').evaluateAll((els) => els.map((e) => (e.getAttribute('data-shares') ?? '').split(',').map(Number)));
  assert(shares.length === 8 && shares.every((s) => s.length === 3 && Math.abs(s.reduce((a, v) => a + v, 0) - 1) < 1e-3), 'level shares: ' + JSON.stringify(shares));
  await shot(page, '21-multiscale-encoder-sampling');
  // For the docs: the view with its legend and per-head panels.
  await page.setViewportSize({ width: 1440, height: 1250 });
  await page.waitForTimeout(300);
  await page.locator('main.center').screenshot({ path: join(SHOTS, '21b-multiscale-sampling-panels.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  // Head toggles apply: head 1 hidden, its 12 points and its panel go.
  await page.locator('[data-testid=head-toggle][data-head="0"]').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=sampling-point]').length === 84);
  assert((await page.locator('[data-testid=sampling-point][data-head="0"]').count()) === 0, 'hidden head still drawn');
  assert((await page.getByTestId('sampling-head').count()) === 7, 'hidden head still has a panel');
  await page.locator('body').press('a');
  // The layer control picks the encoder layer.
  const panel = page.getByTestId('sampling-panel');
  assert((await panel.getAttribute('data-layer')) === '1' || (await slider.inputValue()) === (await panel.getAttribute('data-layer')), 'panel layer is not the slider');
  const before = await slider.inputValue();
  const other = before === '1' ? '2' : '1';
  await slider.fill(other);
  await page.waitForFunction((l) => document.querySelector('[data-testid=sampling-panel]')?.getAttribute('data-layer') === l, other, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=sampling-point]').length === 96);
  const m2: Mark[] = await marks();
  const key = (ms: Mark[]) => ms.map((m) => `${m.head}:${m.level}:${m.x}:${m.y}:${m.w}`).sort().join();
  assert(key(m2) !== key(m1), 'another encoder layer samples at the same points with the same weights');
  // By keyboard: the location moves one cell to the right.
  const index = Number(await panel.getAttribute('data-index'));
  const enc = new URL(page.url()).searchParams.get('enc');
  await page.getByTestId('move-location-right').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((i) => Number(document.querySelector('[data-testid=sampling-panel]')?.getAttribute('data-index')) === i + 1, index, { timeout: 30_000 });
  assert(new URL(page.url()).searchParams.get('enc') !== enc, 'the moved location is not in the URL');
}, 360_000);
