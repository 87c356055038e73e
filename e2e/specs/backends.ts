/**
 * Which backend runs the model, and that they agree: auto's choice on a machine without a GPU,
 * WebGPU asked for by name (and its shader compile pass), the WebGL fallback, wasm threaded and
 * single-threaded, cpu.
 */
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, detectionsOf, DIST, launchChromium, serve, shot, test, waitRuns, type Det } from '../harness';

/** The wasm thread count the app reports, and its explanation (the badge's title). */
async function wasmThreads(page: Page): Promise<{ threads: number; why: string }> {
  const badge = page.getByTestId('backend-badge');
  return { threads: Number(await badge.getAttribute('data-threads')), why: (await badge.getAttribute('title')) ?? '' };
}

/** Same queries, scores within 5e-4 (they are shown to 4 decimals), boxes within 0.05 px. */
function sameDetections(a: Det[], b: Det[], what: string) {
  assert(a.length === b.length && a.every((d, i) => d.query === b[i].query), `${what}: different queries shown: ${a.map((d) => d.query)} vs ${b.map((d) => d.query)}`);
  for (const [i, d] of a.entries()) {
    assert(Math.abs(d.score - b[i].score) <= 5e-4, `${what}: query ${d.query} score ${d.score} vs ${b[i].score}`);
    const diff = Math.max(...d.box.map((v, j) => Math.abs(v - b[i].box[j])));
    assert(diff <= 0.05, `${what}: query ${d.query} box differs by ${diff} px`);
  }
}

test('auto passes over a software GPU for wasm and says why', async ({ open }) => {
  // This machine has no GPU: Chromium's WebGPU and WebGL run on SwiftShader, far slower than wasm.
  // (A model named, so the page opens on the published model rather than the first view's early epoch.)
  const page = await open('?model=sam-detr-smca');
  assert((await page.getByTestId('backend-badge').textContent()) === 'wasm', 'auto did not pick wasm: ' + (await page.getByTestId('backend-badge').textContent()));
  const why = (await page.getByTestId('backend-badge').getAttribute('title')) ?? '';
  assert(/webgpu: a software adapter/.test(why) && /webgl: a software renderer/.test(why), 'the badge does not say why the GPU backends were passed over: ' + why);
  assert((await page.getByTestId('detection-box').count()) > 0, 'no detection boxes');
});

test('loads the bundled model and shows detections on WebGPU (asked for by name)', async ({ open }) => {
  const page = await open('?backend=webgpu', { timeout: 240_000 });
  assert((await page.getByTestId('backend-badge').textContent()) === 'webgpu', 'backend is not webgpu: ' + (await page.getByTestId('backend-badge').textContent()));
  const n = await page.getByTestId('detection-box').count();
  assert(n > 0, 'no detection boxes');
  // The default is a trained model: no "untrained placeholder" warning.
  assert((await page.getByTestId('placeholder-warning').count()) === 0, 'the default model is labelled as an untrained placeholder');
  await shot(page, '01-webgpu-detections');
}, 300_000);

test('first WebGPU run compiles its shaders in parallel first: no tensor left, the same detections as a second run and as wasm', async ({ open }) => {
  // The app's inference worker and Engine behind the benchmark page (src/bench/): one detect at a time.
  type Det = { score: number; label: number; query: number; box: number[] };
  type Bench = {
    init(b: string): Promise<{ backend: string }>; loadBundled(n: string): Promise<unknown>; detect(): Promise<{ detections: Det[]; stages: string[] }>;
    memory(): Promise<{ numTensors: number }>; gpu(): Promise<{ programs: number; dispatches: number; byProgram: Record<string, number> } | null>;
  };
  const call = <T,>(page: Page, fn: keyof Bench, ...args: unknown[]) =>
    page.evaluate(([f, a]) => (window as unknown as { __bench: Record<string, (...x: unknown[]) => Promise<unknown>> }).__bench[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;
  const index = JSON.parse(readFileSync(join(DIST, 'models', 'index.json'), 'utf8')) as { models: { name: string; default?: boolean }[] };
  const name = (index.models.find((m) => m.default) ?? index.models[0]).name;
  const start = async (backend: string) => {
    const page = await open('bench.html', { wait: false });
    await page.waitForFunction(() => !!(window as unknown as { __bench?: unknown }).__bench, null, { timeout: 60_000 });
    const init = await call<{ backend: string }>(page, 'init', backend);
    assert(init.backend === backend, `${backend} did not start: ${init.backend}`);
    await call(page, 'loadBundled', name);
    return page;
  };
  const gpu = await start('webgpu');
  type Counts = { programs: number; byProgram: Record<string, number> };
  const g0 = (await call<Counts>(gpu, 'gpu'))!;
  const first = await call<{ detections: Det[]; stages: string[] }>(gpu, 'detect');
  const g1 = (await call<Counts>(gpu, 'gpu'))!;
  const m1 = await call<{ numTensors: number }>(gpu, 'memory');
  const second = await call<{ detections: Det[]; stages: string[] }>(gpu, 'detect');
  const g2 = (await call<Counts>(gpu, 'gpu'))!;
  const m2 = await call<{ numTensors: number }>(gpu, 'memory');
  assert(first.stages.includes('compile shaders'), 'the first run had no compile-only pass: ' + first.stages.join(', '));
  assert(!second.stages.includes('compile shaders'), 'the second run at the same size compiled again');
  assert(g1.programs - g0.programs > 20, `the first run made ${g1.programs - g0.programs} pipelines`);
  assert(g2.programs === g1.programs, `the second run made ${g2.programs - g1.programs} more pipelines: the pass missed them`);
  // Attention's products take the vec4 path (src/model/attention.ts attendVec4): no product with B transposed.
  const transposedB = Object.entries(g2.byProgram).filter(([k, n]) => /B\^T/.test(k) && n > (g1.byProgram[k] ?? 0));
  assert(transposedB.length === 0, 'products with B transposed in the second run: ' + JSON.stringify(transposedB));
  // The pass leaves nothing: the second run (its trace replacing the first's) holds as many tensors.
  assert(m2.numTensors === m1.numTensors, `tensors after the first run ${m1.numTensors}, after the second ${m2.numTensors}`);
  assert(JSON.stringify(first.detections) === JSON.stringify(second.detections), 'the first run\'s detections differ from the second\'s');
  // Not garbage in both (a parameter cached by the pass would be): the same as on wasm, to float32 differences.
  const wasm = await call<{ detections: Det[] }>(await start('wasm'), 'detect');
  const top = wasm.detections.filter((d) => d.score > 0.2);
  assert(top.length > 0, 'no wasm detection above 0.2');
  for (const d of top) {
    const g = first.detections.find((x) => x.query === d.query && x.label === d.label);
    assert(g && Math.abs(g.score - d.score) < 1e-3 && g.box.every((v, i) => Math.abs(v - d.box[i]) < 0.05),
      `wasm detection (query ${d.query}, label ${d.label}, score ${d.score.toFixed(4)}) is not among WebGPU's first run: ${g ? `score ${g.score.toFixed(4)}, box ${g.box.map((v) => v.toFixed(2))} vs ${d.box.map((v) => v.toFixed(2))}` : 'missing'}`);
  }
}, 400_000);

test('without WebGPU it falls back to WebGL and says why', async ({ url }) => {
  const browser = await launchChromium({ webgpu: false });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // WebGPU asked for by name: the chain goes on to WebGL (software here, but the user chose GPUs).
    await page.goto(url + '?backend=webgpu');
    await waitRuns(page, 1, 180_000);
    const badge = await page.getByTestId('backend-badge').textContent();
    assert(badge === 'webgl', 'expected the webgl fallback, got ' + badge);
    const notice = (await page.locator('.notice').first().textContent()) ?? '';
    assert(/webgpu — /.test(notice), 'no fallback reason shown: ' + notice);
    assert((await page.getByTestId('detection-box').count()) > 0, 'no detections on webgl');
    await shot(page, '03-webgl-fallback');
    // Read once, the note can go.
    await page.getByRole('button', { name: 'Dismiss backend notice' }).click();
    await page.getByTestId('backend-notice').waitFor({ state: 'detached', timeout: 5_000 });
  } finally {
    await browser.close();
  }
}, 240_000);

test('loads the bundled model and shows detections on WASM', async ({ open }) => {
  const page = await open('?backend=wasm');
  assert((await page.getByTestId('backend-badge').textContent()) === 'wasm', 'backend is not wasm');
  // The e2e server sends COOP/COEP: the worker runs the multi-threaded SIMD build.
  const { isolated, cores } = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  assert(isolated, 'the page is not cross-origin isolated');
  const { threads, why } = await wasmThreads(page);
  if (cores >= 2) assert(threads >= 2, `wasm runs ${threads} thread(s) on ${cores} cores although cross-origin isolated: ${why}`);
  const boxes = page.getByTestId('detection-box');
  assert((await boxes.count()) > 0, 'no detection boxes');
  const s = Number(await boxes.first().getAttribute('data-score'));
  assert(s >= 0 && s <= 1, 'bad data-score');
  assert((await boxes.first().getAttribute('data-query')) !== null, 'no data-query');
  await shot(page, '02-wasm-detections');
});

test('WASM threaded, WASM single-threaded (not isolated, or ?threads=1) and cpu give the same detections', async ({ browser, open }) => {
  const all = '?backend=wasm&t=0';
  const threaded = await open(all);
  const t = await wasmThreads(threaded);
  assert(t.threads >= 2 || (await threaded.evaluate(() => navigator.hardwareConcurrency)) < 2, `threaded page runs ${t.threads} thread(s): ${t.why}`);
  const a = await detectionsOf(threaded);
  assert(a.length > 0, 'no detections on threaded wasm');
  // The same build served without COOP/COEP: no SharedArrayBuffer, so the single-threaded build.
  const plain = await serve(DIST, 0, { isolated: false });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(plain.url + all);
    await waitRuns(page, 1);
    assert(!(await page.evaluate(() => self.crossOriginIsolated)), 'the plain server page is cross-origin isolated');
    const s = await wasmThreads(page);
    assert(s.threads === 1, `expected 1 thread without isolation, got ${s.threads}`);
    assert(/cross-origin isolated/.test(s.why), 'no reason given for running single-threaded: ' + s.why);
    const b = await detectionsOf(page);
    // ?threads=1 asks for the single-threaded build on an isolated page.
    const one = await open(all + '&threads=1');
    const o = await wasmThreads(one);
    assert(o.threads === 1 && /1 thread was asked for/.test(o.why), `?threads=1 gave ${o.threads} thread(s): ${o.why}`);
    const c = await detectionsOf(await open('?backend=cpu&t=0', { timeout: 180_000 }));
    sameDetections(a, c, 'threaded wasm vs cpu');
    sameDetections(b, c, 'single-threaded wasm (not isolated) vs cpu');
    sameDetections(await detectionsOf(one), c, 'wasm ?threads=1 vs cpu');
  } finally {
    await context.close();
    await plain.close();
  }
}, 300_000);
