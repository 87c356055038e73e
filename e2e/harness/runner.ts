/**
 * Runs the registered tests one at a time against the built app: one static server and one
 * browser for the run, a fresh browser context (so fresh storage, caches and service worker) per
 * test. A test fails on a thrown assertion, on its timeout, or on any page or console error it
 * did not declare. Prints a line per test and ends with "e2e: N passed, N failed".
 */
import type { Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../../scripts/lib/staticServer';
import { waitRuns } from './appState';
import { assert } from './assert';
import { launchChromium } from './chromium';
import { DIST } from './paths';
import { registeredTests, type Ctx } from './registry';
import { copyDocsScreenshots, shot } from './screenshots';

/**
 * `args`: the command line after the script. Its first word that is no flag keeps only the tests
 * whose name contains it; `--docs` copies the run's screenshots into docs/screenshots/.
 * Resolves the process's exit code.
 */
export async function runTests(args: string[]): Promise<number> {
  const filter = args.find((a) => !a.startsWith('--'));
  assert(existsSync(join(DIST, 'index.html')), 'dist/ missing: run `npx vite build` first (npm run e2e does)');
  const browser = await launchChromium();
  const srv = await serve(DIST);
  let passed = 0;
  let failed = 0;
  for (const t of registeredTests()) {
    if (filter && !t.name.includes(filter)) continue;
    const ctxPages: Page[] = [];
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const logs: string[] = [];
    const ctx: Ctx = {
      browser,
      url: srv.url,
      open: async (query = '', opts = {}) => {
        const page = await context.newPage();
        ctxPages.push(page);
        page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
        page.on('console', (m) => m.type() === 'error' && logs.push('console: ' + m.text()));
        await page.goto(srv.url + query);
        if (opts.wait !== false) await waitRuns(page, 1, opts.timeout ?? 90_000);
        return page;
      },
    };
    const t0 = Date.now();
    try {
      await Promise.race([t.fn(ctx), new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${t.timeout / 1000} s`)), t.timeout))]);
      const unexpected = logs.filter((l) => !(t.expectConsole && l.startsWith('console: ') && t.expectConsole.test(l)));
      assert(unexpected.length === 0, `${unexpected.length} page/console error(s): ${unexpected[0]?.slice(0, 300)}`);
      passed++;
      console.log(`  ✓ ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`  ✗ ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n      ${(e as Error).message.split('\n')[0]}`);
      for (const l of logs.slice(-5)) console.log('      ' + l.slice(0, 300));
      for (const [i, p] of ctxPages.entries()) await shot(p, `FAILED-${t.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}-${i}`).catch(() => {});
    }
    await context.close();
  }
  await browser.close();
  await srv.close();
  if (args.includes('--docs')) copyDocsScreenshots();
  console.log(`\ne2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
