/**
 * npm run bench -- page [--json] [--backends wasm,webgl,webgpu] [--loads 3] [--build | --no-build]
 *
 * Page load to the first drawn detections: index.html?backend=B in a fresh browser context (empty
 * cache, no service worker), from navigation start to the app's marks app:backend-ready,
 * app:model-loaded and app:first-detections (src/app/perf.ts), median of --loads fresh loads per
 * backend, on the bundled default model. A backend the app did not start is reported, not timed.
 *
 * JSON: page_load.{<backend>_first_detection_ms, <backend>_model_loaded_ms, <backend>_backend_ready_ms,
 * <backend>_loads} or <backend>_skipped / <backend>_error; machine, browser.
 */
import type { Page } from 'playwright-core';
import { parseCount, parseList, type Values } from '../lib/args';
import { BACKENDS, BUILD_HELP, BUILD_OPTIONS, browserInfo, chromiumArgs, DIST, ensureDist, launch, serve, watchPage } from '../lib/browser';
import { machine, type Json, type Log } from '../lib/machine';
import { fmtMs, median, round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

async function readMarks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('app:')) out[e.name] = e.startTime;
    return out;
  });
}

export const page: Suite = {
  options: { backends: { type: 'string' }, loads: { type: 'string', default: '3' }, ...BUILD_OPTIONS },
  help: { backends: 'backends (default wasm,webgl,webgpu)', loads: 'fresh loads per backend', ...BUILD_HELP },

  async run(v: Values, log: Log): Promise<Json> {
    const backends = parseList(v.backends, BACKENDS, BACKENDS, '--backends');
    const loads = parseCount(v.loads, 3, 'loads');
    ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    const srv = await serve(DIST);
    const browser = await launch({ webgpu: true });
    const out: Json = {};
    try {
      for (const b of backends) {
        const first: number[] = [];
        const model: number[] = [];
        const ready: number[] = [];
        log(`page load on ${b}: ${loads} fresh loads`);
        for (let i = 0; i < loads; i++) {
          const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
          try {
            const p = await ctx.newPage();
            watchPage(p, log);
            await p.goto(`${srv.url}?backend=${b}`);
            await p.waitForFunction(
              () => {
                const err = document.querySelector('[data-testid=error-message]');
                if (err) throw new Error('app error: ' + err.textContent);
                return performance.getEntriesByName('app:first-detections').length > 0;
              },
              null,
              { timeout: 600_000, polling: 100 },
            );
            const badge = await p.getByTestId('backend-badge').textContent();
            if (badge !== b) {
              out[`${b}_skipped`] = `the app started ${badge} instead of ${b}`;
              log(`  skipped: app started ${badge}`);
              break;
            }
            const m = await readMarks(p);
            first.push(m['app:first-detections']);
            model.push(m['app:model-loaded']);
            ready.push(m['app:backend-ready']);
            log(`  load ${i + 1}: backend ready ${round1(m['app:backend-ready'])} ms, model loaded ${round1(m['app:model-loaded'])} ms, first detections ${round1(m['app:first-detections'])} ms`);
          } catch (e) {
            out[`${b}_error`] = (e as Error).message.split('\n')[0];
            log(`  error: ${(e as Error).message.split('\n')[0]}`);
            break;
          } finally {
            await ctx.close();
          }
        }
        if (first.length) {
          out[`${b}_first_detection_ms`] = round1(median(first));
          out[`${b}_model_loaded_ms`] = round1(median(model));
          out[`${b}_backend_ready_ms`] = round1(median(ready));
          out[`${b}_loads`] = first.length;
        }
      }
      return { page_load: out, machine: machine(), browser: browserInfo(browser, chromiumArgs({ webgpu: true })) };
    } finally {
      await browser.close();
      await srv.close();
    }
  },

  format(r: Json): string[] {
    const pl = (r.page_load ?? {}) as Json;
    const lines: string[] = [];
    for (const b of BACKENDS) {
      if (pl[`${b}_first_detection_ms`] !== undefined) {
        lines.push(`page load (${b}, fresh context, median of ${pl[`${b}_loads`]}): backend ready ${fmtMs(pl[`${b}_backend_ready_ms`])}, model loaded ${fmtMs(pl[`${b}_model_loaded_ms`])}, first detections ${fmtMs(pl[`${b}_first_detection_ms`])}`);
      } else if (pl[`${b}_skipped`] || pl[`${b}_error`]) lines.push(`page load (${b}): ${pl[`${b}_skipped`] ?? pl[`${b}_error`]}`);
    }
    return lines;
  },
};
