/**
 * DAB-DETR in the page: a small 3-pattern checkpoint in the official training layout (formula
 * weights) dropped on the page loads as DAB-DETR, a query of a pattern slot past numQueries can be
 * selected (and survives a reload), the anchor box each layer reads is drawn where the worker's
 * trace puts it and moves between layers as the refinement says, and it goes side by side with
 * a bundled SAM-DETR with both models' concentration charts.
 */
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { OFFICIAL_DAB_DETR_R50, type ModelConfig } from '../../src/model/config';
import { assert, bundledConfig, dropFile, runs, shot, SHOTS, test, waitRuns } from '../harness';

/** ResNet-50 at a quarter of its width and a small transformer: 10 anchors x 3 patterns = 30 query slots. */
const DAB: ModelConfig = { ...OFFICIAL_DAB_DETR_R50, backboneWidth: 16, hiddenDim: 64, numQueries: 10, numPatterns: 3, encLayers: 1, decLayers: 3, dimFeedforward: 128 };
const SLOTS = DAB.numQueries * DAB.numPatterns!;
const FILE = 'dab_detr_r50_pat3_small.pth';
/** The scene size the page opens checkpoints on (App.tsx: 640x480 for checkpoints). */
const [IMG_W, IMG_H] = [640, 480];

async function dabCheckpoint(): Promise<Uint8Array> {
  const sink = new MemorySink();
  await torchSave(sink, formulaCheckpoint(DAB, { seed: 7, epochs: 50 }));
  return sink.bytes();
}

type Slice = { query: number; layers: number; referenceBoxes: number[][] | null };
type RunInfo = { resized: [number, number]; padded: [number, number] };

/** The worker's trace of `query` in slot 0 and the main run's sizes, read through the page's test hook. */
async function traceOf(page: Page, query: number): Promise<{ slice: Slice; run: RunInfo }> {
  return page.evaluate(async (q) => {
    const lens = (window as unknown as { __lens: { slice: (slot: number, q: number) => Promise<Slice>; runs: () => { main: RunInfo } } }).__lens;
    return { slice: await lens.slice(0, q), run: lens.runs().main };
  }, query);
}

/** A sigmoid cxcywh box of the padded input -> x, y, width, height in image px (as the view's rects). */
function imageRect(b: number[], run: RunInfo): number[] {
  const [rh, rw] = run.resized;
  const [ph, pw] = run.padded;
  const sx = (pw * IMG_W) / rw;
  const sy = (ph * IMG_H) / rh;
  return [(b[0] - b[2] / 2) * sx, (b[1] - b[3] / 2) * sy, b[2] * sx, b[3] * sy];
}

/** Waits (through the move animation) until the element's rect is `want` within 0.5 px; fails with what it is. */
async function rectIs(page: Page, testid: string, want: number[], what: string) {
  const sel = `.view[data-view="0"] [data-testid=${testid}]`;
  try {
    await page.waitForFunction(({ sel, want }) => {
      const el = document.querySelector(sel);
      return !!el && ['x', 'y', 'width', 'height'].every((a, i) => Math.abs(Number(el.getAttribute(a)) - want[i]) < 0.5);
    }, { sel, want }, { timeout: 5_000, polling: 100 });
  } catch {
    const got = await page.locator(sel).first().evaluate((el) => ['x', 'y', 'width', 'height'].map((a) => Number(el.getAttribute(a)).toFixed(1)).join(', ')).catch(() => 'none drawn');
    throw new Error(`${what}: drawn at [${got}], the trace says [${want.map((v) => v.toFixed(1)).join(', ')}]`);
  }
}

async function setLayer(page: Page, layer: number) {
  await page.getByTestId('layer-slider').fill(String(layer));
  await page.waitForFunction((l) => (document.querySelector('[data-testid=layer-slider]') as HTMLInputElement).value === String(l), layer);
}

test('DAB-DETR: a 3-pattern checkpoint loads, a pattern slot past numQueries is selectable, its anchor box is drawn and refined layer by layer, side by side with SAM-DETR', async ({ open }) => {
  const page = await open('?backend=wasm');
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  await dropFile(page, FILE, await dabCheckpoint(), 'application/octet-stream');
  await waitRuns(page, r + 2, 180_000);
  const details = (await page.getByTestId('model-details').textContent()) ?? '';
  assert(details.includes(`DAB-DETR (3 patterns) — ${FILE}`), 'the model is not named DAB-DETR: ' + details);
  assert(details.includes(`10 anchors × 3 patterns = ${SLOTS} query slots`), 'the slot count is not said: ' + details);

  // Every slot can be listed; pick one of pattern 3 (slot >= 2 x numQueries).
  await page.getByTestId('score-threshold').fill('0');
  const listed = await page.getByTestId('query-list').locator('li[data-query]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-query'))));
  const q = listed.find((x) => x >= 2 * DAB.numQueries);
  assert(q !== undefined && listed.every((x) => x < SLOTS), `no pattern-3 slot listed, or one past ${SLOTS}: ${listed.join()}`);
  await page.locator(`[data-testid=query-list] li[data-query="${q}"]`).click();
  await page.locator('.view[data-view="0"] [data-testid=reference-box]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=attention-map]').first().waitFor({ timeout: 30_000 });
  assert(new URL(page.url()).searchParams.get('q') === String(q), 'the URL does not keep the slot: ' + page.url());
  const legend = (await page.locator('.view[data-view="0"] [data-testid=anchor-legend]').textContent()) ?? '';
  assert(legend.includes(`query #${q} = pattern 3 of 3 × anchor ${q! % DAB.numQueries}`), 'legend: ' + legend);

  // The anchor box each layer reads, where the worker's trace puts it; the previous layer's beside it.
  const { slice, run } = await traceOf(page, q!);
  assert(slice.layers === DAB.decLayers && slice.referenceBoxes?.length === DAB.decLayers, 'trace: ' + JSON.stringify(slice).slice(0, 200));
  const anchors = slice.referenceBoxes!.map((b) => imageRect(b, run));
  for (let l = 1; l <= DAB.decLayers; l++) {
    await setLayer(page, l);
    await rectIs(page, 'reference-box', anchors[l - 1], `layer ${l}'s anchor`);
    if (l > 1) await rectIs(page, 'reference-box-previous', anchors[l - 2], `layer ${l - 1}'s anchor shown at layer ${l}`);
    else assert((await page.locator('[data-testid=reference-box-previous]').count()) === 0, 'layer 1 has no previous anchor, yet one is drawn');
    const current = await page.locator('.view[data-view="0"] [data-testid=anchor-centre][data-current=true]').getAttribute('data-layer');
    assert(current === String(l), `the trail marks layer ${current} as current at layer ${l}`);
  }
  assert((await page.locator('.view[data-view="0"] [data-testid=anchor-centre]').count()) === DAB.decLayers, 'one trail point per layer');
  // The refinement moves the anchor (otherwise the checks above could pass on one box drawn thrice).
  const moved = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  assert(moved(anchors[0], anchors[1]) > 2 && moved(anchors[1], anchors[2]) > 2, 'the anchors barely move: ' + JSON.stringify(anchors));
  await shot(page, '40-dab-detr-anchor-refinement');

  // A link naming the slot survives a reload: the stored checkpoint comes back with the slot selected.
  await page.reload();
  await waitRuns(page, 1, 180_000);
  assert(new URL(page.url()).searchParams.get('q') === String(q), 'the slot was dropped on reload: ' + page.url());
  await page.locator('.view[data-view="0"] [data-testid=reference-box]').waitFor({ timeout: 30_000 });
  await rectIs(page, 'reference-box', anchors[DAB.decLayers - 1], `after a reload, layer ${DAB.decLayers}'s anchor`);

  // Side by side with a bundled SAM-DETR: both models' attention per layer and its concentration.
  const r2 = await runs(page);
  await page.getByTestId('compare-mode').selectOption('side-by-side');
  await waitRuns(page, r2 + 1, 120_000);
  const second = await page.getByTestId('second-model').inputValue();
  assert(/^sam-detr/.test(second), 'the second model is not a bundled SAM-DETR: ' + second);
  const cmp = page.getByTestId('compare-attention');
  await cmp.waitFor({ timeout: 30_000 });
  assert(Number(await cmp.getAttribute('data-query0')) === q, 'the chart is not of the selected slot');
  const samLayers = bundledConfig().decLayers;
  const pts = await page.getByTestId('concentration-point').evaluateAll((els) => els.map((e) => ({ m: e.getAttribute('data-model'), v: Number(e.getAttribute('data-value')) })));
  const per = (m: string) => pts.filter((p) => p.m === m).length;
  assert(per('0') === 2 * DAB.decLayers && per('1') === 2 * samLayers, `chart points: ${per('0')} DAB-DETR, ${per('1')} SAM-DETR; expected 2 measures x ${DAB.decLayers} and x ${samLayers} layers`);
  assert(pts.every((p) => p.v >= 0 && p.v <= 1), 'a concentration outside [0, 1]: ' + JSON.stringify(pts));
  const titles = await page.locator('.view-title').allTextContents();
  assert(titles[0] === 'DAB-DETR (3 patterns)' && /^SAM-DETR/.test(titles[1] ?? ''), 'view titles: ' + titles.join(' | '));
  await shot(page, '41-dab-detr-vs-sam-detr');
  await cmp.scrollIntoViewIfNeeded();
  await cmp.screenshot({ path: join(SHOTS, '41b-dab-detr-vs-sam-detr-concentration.png') });
}, 420_000);
