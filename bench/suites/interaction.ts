/**
 * npm run bench -- interaction [--json] [--n 10] [--build | --no-build]
 *
 * Redraws without recomputation on the wasm page at threshold 0 (every query's box drawn, the most
 * the overlay draws): the User Timing measures the app records (src/app/perf.ts,
 * `interaction:<name>`) from the input event to the end of the D3/canvas redraw, and
 * `interaction-paint:<name>` to the next frame, each input done --n times, 500 ms apart:
 * select-query-fetch (a query's first selection, whose slice the page asks the worker for),
 * select-query (its slice already in the page), toggle-head, change-layer, change-threshold.
 * Target: <= 16 ms (first selection: <= 30 ms).
 *
 * JSON: interaction.{backend, target_ms, <name>_ms, <name>_max_ms, <name>_paint_ms, <name>_n}
 * (name with underscores: median, max, median to the next frame, count); machine, browser.
 */
import { parseCount, type Values } from '../lib/args';
import { BUILD_HELP, BUILD_OPTIONS, browserInfo, chromiumArgs, DIST, ensureDist, launch, serve, watchPage } from '../lib/browser';
import { machine, type Json, type Log } from '../lib/machine';
import { median, round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

const INTERACTIONS = ['select-query', 'select-query-fetch', 'toggle-head', 'change-layer', 'change-threshold'] as const;

export const interaction: Suite = {
  options: { n: { type: 'string', default: '10' }, ...BUILD_OPTIONS },
  help: { n: 'times each input is done', ...BUILD_HELP },

  async run(v: Values, log: Log): Promise<Json> {
    const n = parseCount(v.n, 10, 'n');
    ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    const srv = await serve(DIST);
    const browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const page = await ctx.newPage();
      watchPage(page, log);
      await page.goto(`${srv.url}?backend=wasm&t=0`);
      await page.waitForFunction(() => performance.getEntriesByName('app:first-detections').length > 0, null, { timeout: 300_000, polling: 100 });
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-busy') === 'false', null, { timeout: 60_000 });
      const count = () => page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction:')).length);
      /** Does one input and waits for its measure (and the 450 ms transitions of the previous draw). */
      const step = async (act: () => Promise<void>) => {
        const c = await count();
        await act();
        await page.waitForFunction((c) => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction:')).length > c, c, { timeout: 20_000, polling: 20 });
        await page.waitForTimeout(500);
      };
      const items = page.getByTestId('query-list').locator('li[data-query]');
      const k = Math.min(await items.count(), n);
      if (k < 2) throw new Error(`only ${k} detections listed: need 2 to alternate selections`);
      log(`interactions (wasm page, ${k} queries listed at threshold 0): ${n} of each`);
      // First selection of k queries fetches each slice; the next passes find them in the page.
      for (let i = 0; i < k + n; i++) await step(() => items.nth(i % k).click());
      for (let i = 0; i < n; i++) await step(() => page.keyboard.press('1'));
      await page.getByTestId('layer-slider').focus();
      for (let i = 0; i < n; i++) await step(() => page.keyboard.press(i % 2 ? 'ArrowRight' : 'ArrowLeft'));
      await page.getByTestId('score-threshold').focus();
      for (let i = 0; i < n; i++) await step(() => page.keyboard.press(i % 2 ? 'PageDown' : 'PageUp'));
      await page.waitForTimeout(100);
      const measures = await page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction')).map((e) => ({ name: e.name, d: e.duration })));
      const out: Json = { backend: 'wasm', target_ms: 16 };
      for (const name of INTERACTIONS) {
        const key = name.replace(/-/g, '_');
        const xs = measures.filter((m) => m.name === `interaction:${name}`).map((m) => m.d);
        const ps = measures.filter((m) => m.name === `interaction-paint:${name}`).map((m) => m.d);
        if (!xs.length) continue;
        out[`${key}_ms`] = round1(median(xs));
        out[`${key}_max_ms`] = round1(Math.max(...xs));
        if (ps.length) out[`${key}_paint_ms`] = round1(median(ps));
        out[`${key}_n`] = xs.length;
      }
      return { interaction: out, machine: machine(), browser: browserInfo(browser, chromiumArgs()) };
    } finally {
      await ctx.close();
      await browser.close();
      await srv.close();
    }
  },

  format(r: Json): string[] {
    const it = (r.interaction ?? {}) as Json;
    return INTERACTIONS.filter((name) => it[`${name.replace(/-/g, '_')}_ms`] !== undefined).map((name) => {
      const key = name.replace(/-/g, '_');
      const target = name === 'select-query-fetch' ? 30 : it.target_ms;
      return `interaction ${name} (${it.backend}): median ${it[`${key}_ms`]} ms, max ${it[`${key}_max_ms`]} ms, to next frame ${it[`${key}_paint_ms`] ?? '-'} ms (n=${it[`${key}_n`]}, target <= ${target} ms)`;
    });
  },
};
