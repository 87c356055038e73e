/**
 * Headless Chromium for the browser suites: Debian's /usr/bin/chromium driven by playwright-core, on
 * the built app (dist/, rebuilt when older than the sources) served cross-origin isolated by the
 * shared static server (scripts/lib/staticServer.ts), and the benchmark page (`bench.html`,
 * src/bench/benchPage.ts) that runs the app's Engine in its own inference worker.
 */
import type { Browser, Page } from 'playwright-core';
import { chromiumArgs as sharedArgs, launchChromium } from '../../scripts/lib/chromium';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchApi } from '../../src/bench/benchPage';
import type { BackendProbe } from '../../src/bench/benchHandler';
import type { InitResult } from '../../src/worker/messages';
import { ROOT, type Json, type Log } from './machine';

export { serve } from '../../scripts/lib/staticServer';

/**
 * The built app the suites serve. LENS_DIST names another build (`npx vite build --outDir DIR`), as
 * for the e2e suite (e2e/harness/paths.ts); a rebuild then goes there too.
 */
export const DIST = process.env.LENS_DIST ?? join(ROOT, 'dist');
const OUT_DIR = process.env.LENS_DIST ? ['--outDir', DIST, '--emptyOutDir'] : [];
export { CHROMIUM, waitRuns } from '../../scripts/lib/chromium';
export const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * The suites' flags: WebGPU only where asked (on a machine without a GPU it is SwiftShader, which
 * the other backends' rows need not start).
 */
export function chromiumArgs(opts: { webgpu?: boolean; extra?: string[] } = {}): string[] {
  return sharedArgs({ webgpu: !!opts.webgpu, extra: opts.extra });
}

export function launch(opts: { webgpu?: boolean; extra?: string[] } = {}): Promise<Browser> {
  return launchChromium({ webgpu: !!opts.webgpu, extra: opts.extra });
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/** Builds dist/ when it is missing or older than the sources (or with build); never with noBuild. */
export function ensureDist(o: { build?: boolean; noBuild?: boolean }, log: Log): void {
  const built = existsSync(join(DIST, 'index.html')) ? statSync(join(DIST, 'index.html')).mtimeMs : 0;
  const inputs = ['src', 'public', 'index.html', 'parity.html', 'vite.config.ts', 'package.json'].map((p) => join(ROOT, p));
  const newest = Math.max(...inputs.map(newestMtime));
  const why = o.build ? '--build' : !built ? 'dist/ is missing' : newest > built ? 'dist/ is older than the sources' : '';
  if (!why) return;
  if (o.noBuild) {
    if (!built) throw new Error('dist/ is missing: run `npx vite build` (or drop --no-build)');
    log(`note: ${why}; --no-build, so measuring the existing build`);
    return;
  }
  log(`building ${DIST} (${why}): npx vite build ${OUT_DIR.join(' ')}`.trimEnd());
  try {
    execFileSync('npx', ['vite', 'build', ...OUT_DIR], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`vite build failed:\n${`${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`, { cause: e });
  }
}

/** The build options every browser suite takes. */
export const BUILD_OPTIONS = {
  build: { type: 'boolean', default: false },
  'no-build': { type: 'boolean', default: false },
} as const;
export const BUILD_HELP = { build: 'rebuild dist/ first', 'no-build': 'measure dist/ as it is (default: rebuild when older than the sources)' };

/** The bundled default model's name (dist/models/index.json). */
export function bundledName(): string {
  const index = JSON.parse(readFileSync(join(DIST, 'models', 'index.json'), 'utf8')) as { models: { name: string; default?: boolean }[] };
  return (index.models.find((m) => m.default) ?? index.models[0]).name;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export function watchPage(page: Page, log: Log): void {
  page.on('pageerror', (e) => log(`  pageerror: ${e.message.slice(0, 300)}`));
  page.on('console', (m) => m.type() === 'error' && log(`  console: ${m.text().slice(0, 300)}`));
}

/** Calls `window.__bench[fn](...args)` on the benchmark page. */
export async function call<T>(page: Page, fn: keyof BenchApi, args: unknown[] = [], timeoutMs = 600_000): Promise<T> {
  return withTimeout(
    page.evaluate(({ fn, args }) => (window as unknown as { __bench: Record<string, (...a: unknown[]) => Promise<unknown>> }).__bench[fn](...args), { fn, args }) as Promise<T>,
    timeoutMs,
    `__bench.${fn}`,
  );
}

export type OpenedBench = { ctx: Awaited<ReturnType<Browser['newContext']>>; page: Page; init: InitResult & { threadsNote?: string }; probe: BackendProbe };

/** Opens the benchmark page in a fresh context and starts `backend` in its worker; {skipped} if the app fell back. */
export async function openBench(browser: Browser, url: string, backend: Backend, log: Log): Promise<OpenedBench | { skipped: string }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  watchPage(page, log);
  await page.goto(url + 'bench.html');
  await page.waitForFunction(() => !!(window as unknown as { __bench?: unknown }).__bench, null, { timeout: 60_000 });
  const init = await call<InitResult & { threadsNote?: string }>(page, 'init', [backend], 300_000);
  if (init.backend !== backend) {
    const why = init.fallbacks.find((f) => f.backend === backend)?.reason ?? `started ${init.backend} instead`;
    await ctx.close();
    return { skipped: `${backend} did not start in Chromium: ${why}` };
  }
  const probe = await call<BackendProbe>(page, 'probe');
  return { ctx, page, init, probe };
}

/** What a Chromium row says of its backend: threads (wasm), software emulation, device. */
export function rowMeta(init: InitResult & { threadsNote?: string }, probe: BackendProbe): Json {
  const m: Json = { software: probe.software ?? false };
  if (probe.backend === 'wasm') {
    m.threads = probe.threads ?? init.threads;
    if (init.threadsNote) m.threads_note = init.threadsNote;
  }
  if (probe.device) m.device = probe.device;
  return m;
}

/** Chromium's version and flags, for the result. */
export function browserInfo(browser: Browser, args: string[]): Json {
  return { chromium: browser.version(), flags: args.join(' ') };
}
