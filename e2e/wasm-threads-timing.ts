/**
 * WASM inference time in headless Chromium, multi-threaded vs single-threaded: same build, same
 * cross-origin isolated server, same browser, runs interleaved (A B A B ...) so that drifts in
 * the machine's load hit both alike.
 *   npx vite build && npx tsx e2e/wasm-threads-timing.ts [runs=12] [threads=auto] [extra query, e.g. '&model=sam-detr']
 * Compares `?threads=<threads>` (auto: the app's default) with `?threads=1` (the single-threaded
 * SIMD build). Prints the median of each stage the app reports (its Timings table) and the ratio.
 */
import type { Page } from 'playwright-core';
import { DIST, launchChromium, serve, waitRuns } from './harness';

async function timings(page: Page): Promise<Record<string, number>> {
  return page.getByTestId('timings').locator('tr').evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector('th')!.textContent!, parseFloat(r.querySelector('td')!.textContent!)])),
  );
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const runs = Number(process.argv[2] ?? 12);
  const threads = process.argv[3] ?? 'auto';
  const query = '?backend=wasm' + (process.argv[4] ?? '');
  const srv = await serve(DIST);
  // Without WebGPU: only wasm is timed here.
  const browser = await launchChromium({ webgpu: false });
  try {
    const configs = [
      { name: 'threaded', url: srv.url + query + (threads === 'auto' ? '' : `&threads=${threads}`) },
      { name: 'single', url: srv.url + query + '&threads=1' },
    ];
    const pages: { name: string; page: Page; threads: string; samples: Record<string, number>[] }[] = [];
    for (const c of configs) {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      await page.goto(c.url);
      await waitRuns(page, 1, 180_000, 100);
      const threads = (await page.getByTestId('backend-badge').getAttribute('data-threads')) ?? '?';
      pages.push({ name: c.name, page, threads, samples: [] });
    }
    // One warm-up rerun each, then interleaved measured reruns.
    for (let i = -1; i < runs; i++) {
      for (const p of i % 2 ? pages : [...pages].reverse()) {
        const n = Number(await p.page.getByTestId('status').getAttribute('data-runs'));
        await p.page.getByTestId('rerun').click();
        await waitRuns(p.page, n + 1, 180_000, 100);
        if (i >= 0) p.samples.push(await timings(p.page));
      }
    }
    const stages = Object.keys(pages[0].samples[0]);
    const total = (s: Record<string, number>) => stages.reduce((a, k) => a + (s[k] ?? 0), 0);
    const med = pages.map((p) => ({ ...Object.fromEntries(stages.map((k) => [k, median(p.samples.map((s) => s[k]))])), total: median(p.samples.map(total)) }));
    console.log(`${runs} interleaved runs each, ${query}, Chromium ${browser.version()}, navigator.hardwareConcurrency ${await pages[0].page.evaluate(() => navigator.hardwareConcurrency)}`);
    console.log(['stage (median ms)', ...pages.map((p) => `${p.name} (${p.threads} thr)`), 'single / threaded'].join(' | '));
    for (const k of [...stages, 'total']) {
      const a = (med[0] as Record<string, number>)[k];
      const b = (med[1] as Record<string, number>)[k];
      console.log([k, a.toFixed(0), b.toFixed(0), a > 0 ? (b / a).toFixed(2) : '-'].join(' | '));
    }
    console.log('totals (ms) threaded:', pages[0].samples.map(total).join(' '));
    console.log('totals (ms) single:  ', pages[1].samples.map(total).join(' '));
  } finally {
    await browser.close();
    await srv.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
