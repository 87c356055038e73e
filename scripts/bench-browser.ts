/**
 * The browser half of the benchmark: headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) on the built app (dist/, served cross-origin isolated by e2e/server.ts).
 *
 *   npx tsx scripts/bench-browser.ts [--json] [--build | --no-build] [--runs N] [--official-runs N]
 *     [--size 800x1066] [--skip-official] [--official-backends wasm[,webgl,webgpu]]
 *     [--official-variants official,official_ms,official_detr]
 *     [--backends wasm,webgl,webgpu] [--load-runs N] [--interactions N] [--memory-runs 20]
 *     [--only official,bundled,load,interaction] [--gpu-compile off]
 *
 * dist/ is rebuilt (`vite build`) when it is missing or older than the sources, or with --build;
 * --no-build never builds. `npm run bench` runs this after its Node rows (scripts/bench.ts).
 *
 * What it measures (medians after one warm-up run; each backend in a fresh page and worker):
 * - official, official_ms, official_detr: the official-size models of src/bench/officialVariants.ts
 *   (SAM-DETR R50 + SMCA, R50-MS + SMCA, DETR-R50; formula weights) at 800x1066, per backend of --official-backends (default wasm only: on SwiftShader, webgl/webgpu take many
 *   minutes per run; the rows not run are recorded with `skipped` and the reason).
 * - bundled: the bundled default model (public/models/index.json) at its input size, per backend.
 *   Both run in the app's own inference worker and Engine (`index.html?bench`, src/bench/): stages
 *   preprocess, backbone, encoder, decoder, postprocess as the engine times them, trace = the app's
 *   slice request for the top query, decoder-only re-run with the SMCA prior off on the cached
 *   encoder output; total = the stages + trace. Rows carry `threads` (wasm), `software` (SwiftShader
 *   or a fallback adapter: not GPU numbers) and `device`. Every row adds the warm-up (first) run:
 *   first_run_ms (its total), first_detect_wall_ms, first_decoder_rerun_ms, and on WebGPU
 *   first_compile_ms (the engine's compile-only pass, src/worker/gpuCompile.ts), first_run_programs
 *   (pipelines made), first_run_dispatches, programs_after_runs, dispatches_per_run (later runs).
 *   --gpu-compile off: no compile-only pass (each pipeline made at its first dispatch), for comparison.
 * - memory_chromium: tf.memory() of the bench worker after the warm-up and after --memory-runs more
 *   runs of the bundled model (detect + trace + re-run each), per backend.
 * - page_load: index.html in a fresh browser context (empty cache, no service worker), from
 *   navigation start to the first detections drawn (the app's `app:first-detections` mark), per backend.
 * - interaction: User Timing measures the app records (src/app/perf.ts) from the input event to the
 *   end of the redraw, for select-query (slice already in the page), select-query-fetch (first time:
 *   includes the slice request to the worker), toggle-head, change-layer, change-threshold; wasm page.
 *
 * JSON (--json, one object): official.<backend>_chromium.{preprocess_ms, backbone_ms, encoder_ms,
 * decoder_ms, postprocess_ms, trace_ms, total_ms, decoder_rerun_ms, detect_wall_ms, load_ms, runs,
 * threads, software, device} (or {skipped}), bundled.{name, <backend>_chromium.{...}},
 * memory_chromium.<backend>.{tensors_before, tensors_after, bytes_before, bytes_after, runs},
 * page_load.{<backend>_first_detection_ms, <backend>_model_loaded_ms, <backend>_backend_ready_ms,
 * <backend>_loads}, interaction.{select_query_ms, select_query_max_ms, select_query_paint_ms,
 * select_query_n, ... the same for select_query_fetch, toggle_head, change_layer, change_threshold},
 * browser.{chromium, flags, cross_origin_isolated, hardware_concurrency}.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '../e2e/server';
import type { BenchApi } from '../src/bench/benchPage';
import type { StageTimes } from '../src/bench/engineRun';
import { median, medians } from '../src/bench/engineRun';
import type { BackendProbe, GpuCounts } from '../src/bench/benchHandler';
import type { InitResult } from '../src/worker/messages';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES, type OfficialVariant } from '../src/bench/officialVariants';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The e2e suite's flags (e2e/run.ts): WebGPU enabled (SwiftShader on a machine without a GPU). */
const ARGS = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
type Backend = (typeof BACKENDS)[number];

export interface BrowserBenchOptions {
  json: boolean;
  build?: boolean;
  noBuild?: boolean;
  runs?: number;
  officialRuns?: number;
  size: string;
  skipOfficial: boolean;
  officialBackends: Backend[];
  /** Which official-size models (src/bench/officialVariants.ts); default all three. */
  officialVariants: OfficialVariant[];
  backends: Backend[];
  loadRuns: number;
  interactions: number;
  memoryRuns: number;
  /** WebGPU: the engine's parallel shader compilation of first runs (--gpu-compile off: none, for comparison). */
  gpuCompile?: boolean;
  only?: string[];
}

type Json = Record<string, unknown>;
const round = (x: number) => Math.round(x * 10) / 10;

function parseBackends(s: string | undefined, def: Backend[]): Backend[] {
  if (!s) return def;
  const out = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const b of out) if (!(BACKENDS as readonly string[]).includes(b)) throw new Error(`unknown backend "${b}" (use ${BACKENDS.join(', ')})`);
  return out as Backend[];
}

export const BROWSER_ARG_OPTIONS = {
  json: { type: 'boolean', default: false },
  runs: { type: 'string' },
  size: { type: 'string', default: '800x1066' },
  'skip-official': { type: 'boolean', default: false },
  build: { type: 'boolean', default: false },
  'no-build': { type: 'boolean', default: false },
  'official-runs': { type: 'string' },
  'official-backends': { type: 'string' },
  'official-variants': { type: 'string' },
  backends: { type: 'string' },
  'load-runs': { type: 'string' },
  interactions: { type: 'string' },
  'memory-runs': { type: 'string' },
  'gpu-compile': { type: 'string' },
  only: { type: 'string' },
} as const;

function parseVariants(v: string | undefined): OfficialVariant[] {
  if (!v) return [...OFFICIAL_VARIANT_NAMES];
  const out = v.split(',').map((x) => x.trim());
  const bad = out.filter((x) => !(OFFICIAL_VARIANT_NAMES as string[]).includes(x));
  if (bad.length) throw new Error(`unknown --official-variants ${bad.join(', ')} (known: ${OFFICIAL_VARIANT_NAMES.join(', ')})`);
  return out as OfficialVariant[];
}

/** Options from parsed command-line values (shared with scripts/bench.ts). */
export function browserOptions(v: Record<string, string | boolean | undefined>): BrowserBenchOptions {
  return {
    json: !!v.json,
    build: !!v.build,
    noBuild: !!v['no-build'],
    runs: v.runs !== undefined ? Number(v.runs) : undefined,
    officialRuns: v['official-runs'] !== undefined ? Number(v['official-runs']) : undefined,
    size: (v.size as string) ?? '800x1066',
    skipOfficial: !!v['skip-official'],
    officialBackends: parseBackends(v['official-backends'] as string | undefined, ['wasm']),
    officialVariants: parseVariants(v['official-variants'] as string | undefined),
    backends: parseBackends(v.backends as string | undefined, [...BACKENDS]),
    loadRuns: Number(v['load-runs'] ?? 3),
    interactions: Number(v.interactions ?? 10),
    memoryRuns: Number(v['memory-runs'] ?? 20),
    gpuCompile: v['gpu-compile'] !== 'off',
    only: v.only ? String(v.only).split(',') : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// dist/ freshness

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/** Builds dist/ when it is missing or older than the sources (or with --build); never with --no-build. */
export function ensureDist(o: BrowserBenchOptions, log: (s: string) => void) {
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
  log(`building dist/ (${why}): npx vite build`);
  try {
    execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`vite build failed:\n${`${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`, { cause: e });
  }
}

/** The commit measured, and how many files differ from it (a dirty tree is measured as it is). */
export function gitState(): { commit: string; dirty_files: number } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, dirty_files: dirty };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

type BenchCall = keyof BenchApi;
async function call<T>(page: Page, fn: BenchCall, args: unknown[] = [], timeoutMs = 600_000): Promise<T> {
  return withTimeout(
    page.evaluate(({ fn, args }) => (window as unknown as { __bench: Record<string, (...a: unknown[]) => Promise<unknown>> }).__bench[fn](...args), { fn, args }) as Promise<T>,
    timeoutMs,
    `__bench.${fn}`,
  );
}

function watchPage(page: Page, log: (s: string) => void) {
  page.on('pageerror', (e) => log(`  pageerror: ${e.message.slice(0, 300)}`));
  page.on('console', (m) => m.type() === 'error' && log(`  console: ${m.text().slice(0, 300)}`));
}

/** Opens the bench page in a fresh context and starts `backend` in its worker; null + reason if it fell back. */
async function openBench(browser: Browser, url: string, backend: Backend, log: (s: string) => void) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  watchPage(page, log);
  await page.goto(url + '?bench');
  await page.waitForFunction(() => !!(window as unknown as { __bench?: unknown }).__bench, null, { timeout: 60_000 });
  const init = await call<InitResult & { threadsNote?: string }>(page, 'init', [backend], 300_000);
  if (init.backend !== backend) {
    const why = init.fallbacks.find((f) => f.backend === backend)?.reason ?? `started ${init.backend} instead`;
    await ctx.close();
    return { skipped: `${backend} did not start in Chromium: ${why}` } as const;
  }
  const probe = await call<BackendProbe>(page, 'probe');
  return { ctx, page, init, probe } as const;
}

function rowMeta(init: InitResult & { threadsNote?: string }, probe: BackendProbe): Json {
  const m: Json = { software: probe.software ?? false };
  if (probe.backend === 'wasm') {
    m.threads = probe.threads ?? init.threads;
    if (init.threadsNote) m.threads_note = init.threadsNote;
  }
  if (probe.device) m.device = probe.device;
  return m;
}

// ---------------------------------------------------------------------------------------------
// a/b/e: model timings and memory in the bench worker

async function modelRows(
  browser: Browser, url: string, kind: OfficialVariant | 'bundled', backends: Backend[], o: BrowserBenchOptions, log: (s: string) => void, bundledName: string,
): Promise<{ rows: Json; memory: Json }> {
  const official = kind !== 'bundled';
  const rows: Json = {};
  const memory: Json = {};
  const [H, W] = o.size.split('x').map(Number);
  const runs = official ? (o.officialRuns ?? o.runs ?? 3) : (o.runs ?? 5);
  for (const b of backends) {
    const key = `${b}_chromium`;
    const t0 = Date.now();
    log(`${kind} on ${b} (Chromium): starting`);
    try {
      const opened = await openBench(browser, url, b, log);
      if ('skipped' in opened) {
        rows[key] = { skipped: opened.skipped };
        log(`  skipped: ${opened.skipped}`);
        continue;
      }
      const { ctx, page, init, probe } = opened;
      try {
        const perRun = official ? 3_600_000 : 900_000;
        const load = official
          ? await call<{ loadMs: number }>(page, 'loadOfficial', [H, W, kind], 900_000)
          : await call<{ loadMs: number }>(page, 'loadBundled', [bundledName], 300_000);
        // WebGPU: programs compiled and dispatched by the first run (the counters start before it).
        if (o.gpuCompile === false) await call(page, 'parallelCompile', [false]);
        const gpu0 = await call<GpuCounts | null>(page, 'gpu');
        const warm = await call<StageTimes>(page, 'run', [], perRun);
        const gpu1 = await call<GpuCounts | null>(page, 'gpu');
        log(`  warm-up ${round(warm.total_ms)} ms (detect ${round(warm.detect_wall_ms)} ms)${gpu0 && gpu1 ? `, ${gpu1.programs - gpu0.programs} programs compiled, ${gpu1.dispatches - gpu0.dispatches} dispatches` : ''}`);
        const before = kind === 'bundled' ? await call<{ numTensors: number; numBytes: number }>(page, 'memory') : null;
        const timed: StageTimes[] = [];
        const total = kind === 'bundled' ? Math.max(runs, o.memoryRuns) : runs;
        for (let i = 0; i < total; i++) {
          const r = await call<StageTimes>(page, 'run', [], perRun);
          if (i < runs) {
            timed.push(r);
            log(`  run ${i + 1}/${runs}: total ${round(r.total_ms)} ms (backbone ${round(r.backbone_ms)}, encoder ${round(r.encoder_ms)}, decoder ${round(r.decoder_ms)})`);
          }
        }
        const row: Json = { ...medians(timed), load_ms: round(load.loadMs), runs, ...rowMeta(init, probe) };
        row.first_run_ms = round(warm.total_ms);
        if (warm.compile_ms !== undefined) row.first_compile_ms = round(warm.compile_ms);
        if (gpu0 && o.gpuCompile === false) row.gpu_compile = 'off';
        row.first_detect_wall_ms = round(warm.detect_wall_ms);
        if (warm.decoder_rerun_ms !== undefined) row.first_decoder_rerun_ms = round(warm.decoder_rerun_ms);
        if (gpu0 && gpu1) {
          const gpu2 = await call<GpuCounts | null>(page, 'gpu');
          row.first_run_programs = gpu1.programs - gpu0.programs;
          row.first_run_dispatches = gpu1.dispatches - gpu0.dispatches;
          row.programs_after_runs = gpu2!.programs - gpu0.programs;
          row.dispatches_per_run = Math.round((gpu2!.dispatches - gpu1.dispatches) / total);
        }
        if (o.size !== '800x1066' && official) row.size = o.size;
        rows[key] = row;
        if (before) {
          const after = await call<{ numTensors: number; numBytes: number }>(page, 'memory');
          memory[b] = { tensors_before: before.numTensors, tensors_after: after.numTensors, bytes_before: before.numBytes, bytes_after: after.numBytes, runs: total };
          log(`  memory over ${total} runs: tensors ${before.numTensors} -> ${after.numTensors}, bytes ${before.numBytes} -> ${after.numBytes}`);
        }
        await call(page, 'unload');
      } finally {
        await ctx.close();
      }
    } catch (e) {
      rows[key] = { error: (e as Error).message.split('\n')[0] };
      log(`  error: ${(e as Error).message.split('\n')[0]}`);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { rows, memory };
}

// ---------------------------------------------------------------------------------------------
// c: page load to first detections

async function readMarks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('app:')) out[e.name] = e.startTime;
    return out;
  });
}

async function pageLoad(browser: Browser, url: string, backends: Backend[], o: BrowserBenchOptions, log: (s: string) => void): Promise<Json> {
  const out: Json = {};
  for (const b of backends) {
    const first: number[] = [];
    const model: number[] = [];
    const ready: number[] = [];
    log(`page load on ${b}: ${o.loadRuns} fresh loads`);
    for (let i = 0; i < o.loadRuns; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      try {
        const page = await ctx.newPage();
        watchPage(page, log);
        await page.goto(`${url}?backend=${b}`);
        await page.waitForFunction(
          () => {
            const err = document.querySelector('[data-testid=error-message]');
            if (err) throw new Error('app error: ' + err.textContent);
            return performance.getEntriesByName('app:first-detections').length > 0;
          },
          null,
          { timeout: 600_000, polling: 100 },
        );
        const badge = await page.getByTestId('backend-badge').textContent();
        if (badge !== b) {
          out[`${b}_skipped`] = `the app started ${badge} instead of ${b}`;
          log(`  skipped: app started ${badge}`);
          break;
        }
        const m = await readMarks(page);
        first.push(m['app:first-detections']);
        model.push(m['app:model-loaded']);
        ready.push(m['app:backend-ready']);
        log(`  load ${i + 1}: backend ready ${round(m['app:backend-ready'])} ms, model loaded ${round(m['app:model-loaded'])} ms, first detections ${round(m['app:first-detections'])} ms`);
      } catch (e) {
        out[`${b}_error`] = (e as Error).message.split('\n')[0];
        log(`  error: ${(e as Error).message.split('\n')[0]}`);
        break;
      } finally {
        await ctx.close();
      }
    }
    if (first.length) {
      out[`${b}_first_detection_ms`] = round(median(first));
      out[`${b}_model_loaded_ms`] = round(median(model));
      out[`${b}_backend_ready_ms`] = round(median(ready));
      out[`${b}_loads`] = first.length;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// d: interactions without recomputation

const INTERACTIONS = ['select-query', 'select-query-fetch', 'toggle-head', 'change-layer', 'change-threshold'] as const;

async function interactions(browser: Browser, url: string, o: BrowserBenchOptions, log: (s: string) => void): Promise<Json> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const n = o.interactions;
  try {
    const page = await ctx.newPage();
    watchPage(page, log);
    // wasm, threshold 0: every query's box is drawn (the most the overlay draws).
    await page.goto(`${url}?backend=wasm&t=0`);
    await page.waitForFunction(() => performance.getEntriesByName('app:first-detections').length > 0, null, { timeout: 300_000, polling: 100 });
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-busy') === 'false', null, { timeout: 60_000 });
    const count = () => page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction:')).length);
    /** Does one input and waits for its measure (and the next frame's). */
    const step = async (act: () => Promise<void>) => {
      const c = await count();
      await act();
      await page.waitForFunction((c) => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction:')).length > c, c, { timeout: 20_000, polling: 20 });
      await page.waitForTimeout(500); // let the 450 ms transitions of the previous draw finish
    };
    const items = page.getByTestId('query-list').locator('li[data-query]');
    const k = Math.min(await items.count(), n);
    if (k < 2) throw new Error(`only ${k} detections listed: need 2 to alternate selections`);
    log(`interactions (wasm page, ${k} queries listed at threshold 0): ${n} of each`);
    // First selection of k queries fetches each slice; the next passes find them in the page.
    for (let i = 0; i < k + n; i++) await step(() => items.nth(i % k).click());
    // With a query selected (points, grid, maps drawn): heads, layers, threshold.
    for (let i = 0; i < n; i++) await step(() => page.keyboard.press('1'));
    const layer = page.getByTestId('layer-slider');
    await layer.focus();
    for (let i = 0; i < n; i++) await step(() => page.keyboard.press(i % 2 ? 'ArrowRight' : 'ArrowLeft'));
    const thr = page.getByTestId('score-threshold');
    await thr.focus();
    for (let i = 0; i < n; i++) await step(() => page.keyboard.press(i % 2 ? 'PageDown' : 'PageUp'));
    await page.waitForTimeout(100);
    const measures = await page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('interaction')).map((e) => ({ name: e.name, d: e.duration })));
    const out: Json = { backend: 'wasm', target_ms: 16 };
    for (const name of INTERACTIONS) {
      const key = name.replace(/-/g, '_');
      const xs = measures.filter((m) => m.name === `interaction:${name}`).map((m) => m.d);
      const ps = measures.filter((m) => m.name === `interaction-paint:${name}`).map((m) => m.d);
      if (!xs.length) continue;
      out[`${key}_ms`] = round(median(xs));
      out[`${key}_max_ms`] = round(Math.max(...xs));
      if (ps.length) out[`${key}_paint_ms`] = round(median(ps));
      out[`${key}_n`] = xs.length;
    }
    return out;
  } finally {
    await ctx.close();
  }
}

// ---------------------------------------------------------------------------------------------

export function formatTable(r: Json): string[] {
  const lines: string[] = [];
  const n = (v: unknown) => (typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`) : '');
  const cols = ['preprocess_ms', 'backbone_ms', 'encoder_ms', 'decoder_ms', 'postprocess_ms', 'trace_ms', 'total_ms', 'decoder_rerun_ms'];
  const rowsOf = (label: string, group: Json | undefined) => {
    if (!group) return;
    for (const [k, v] of Object.entries(group)) {
      if (!/_(chromium|node)$/.test(k) || typeof v !== 'object' || !v) continue;
      const row = v as Json;
      if (row.skipped || row.error) {
        lines.push(`| ${label} | ${k} | ${row.skipped ? 'skipped: ' + row.skipped : 'error: ' + row.error} |`);
        continue;
      }
      const meta = [row.threads !== undefined ? `${row.threads} thr` : '', row.software ? 'software (SwiftShader)' : ''].filter(Boolean).join(', ');
      lines.push(`| ${label} | ${k}${meta ? ` (${meta})` : ''} | ${cols.map((c) => n(row[c])).join(' | ')} |`);
    }
  };
  lines.push(`| model | backend | ${cols.map((c) => c.replace('_ms', '').replace('decoder_rerun', 'decoder re-run')).join(' | ')} |`);
  lines.push(`|---|---|${cols.map(() => '---').join('|')}|`);
  for (const v of OFFICIAL_VARIANT_NAMES) rowsOf(OFFICIAL_VARIANTS[v].label, r[v] as Json | undefined);
  rowsOf(`bundled ${((r.bundled as Json | undefined)?.name as string) ?? ''}`, r.bundled as Json | undefined);
  const mem = r.memory_chromium as Record<string, Json> | undefined;
  if (mem) for (const [b, m] of Object.entries(mem)) lines.push(`memory (Chromium ${b}) over ${m.runs} runs: tensors ${m.tensors_before} -> ${m.tensors_after}, bytes ${m.bytes_before} -> ${m.bytes_after}`);
  const pl = r.page_load as Json | undefined;
  if (pl) {
    for (const b of BACKENDS) {
      if (pl[`${b}_first_detection_ms`] !== undefined) {
        lines.push(`page load (${b}, fresh context, median of ${pl[`${b}_loads`]}): backend ready ${n(pl[`${b}_backend_ready_ms`])}, model loaded ${n(pl[`${b}_model_loaded_ms`])}, first detections ${n(pl[`${b}_first_detection_ms`])}`);
      } else if (pl[`${b}_skipped`] || pl[`${b}_error`]) lines.push(`page load (${b}): ${pl[`${b}_skipped`] ?? pl[`${b}_error`]}`);
    }
  }
  const it = r.interaction as Json | undefined;
  if (it) {
    for (const name of INTERACTIONS) {
      const key = name.replace(/-/g, '_');
      if (it[`${key}_ms`] === undefined) continue;
      lines.push(`interaction ${name} (${it.backend}): median ${it[`${key}_ms`]} ms, max ${it[`${key}_max_ms`]} ms, to next frame ${it[`${key}_paint_ms`] ?? '-'} ms (n=${it[`${key}_n`]}, target <= ${it.target_ms} ms)`);
    }
  }
  return lines;
}

export async function runBrowserBench(o: BrowserBenchOptions, log: (s: string) => void = (s) => console.error(s)): Promise<Json> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  ensureDist(o, log);
  const want = (part: string) => !o.only || o.only.includes(part);
  const index = JSON.parse(readFileSync(join(DIST, 'models', 'index.json'), 'utf8')) as { models: { name: string; default?: boolean }[] };
  const bundledName = (index.models.find((m) => m.default) ?? index.models[0]).name;
  const srv = await serve(DIST);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const result: Json = { browser: { chromium: browser.version(), flags: ARGS.join(' '), note: 'headless Chromium; software-emulated rows are marked software: true', git: gitState() } };
  try {
    if (want('official')) {
      if (o.skipOfficial) log('official-size rows skipped (--skip-official)');
      else {
        const skipped: Json = {};
        for (const b of BACKENDS) {
          if (!o.officialBackends.includes(b)) skipped[`${b}_chromium`] = { skipped: `opt-in (--official-backends ${b}): on a software (SwiftShader) ${b} the official-size model takes many minutes per run` };
        }
        for (const variant of o.officialVariants) {
          const { rows } = await modelRows(browser, srv.url, variant, o.officialBackends, o, log, bundledName);
          result[variant] = { ...rows, ...skipped };
        }
      }
    }
    if (want('bundled')) {
      const { rows, memory } = await modelRows(browser, srv.url, 'bundled', o.backends, o, log, bundledName);
      result.bundled = { name: bundledName, ...rows };
      result.memory_chromium = memory;
    }
    if (want('load')) result.page_load = await pageLoad(browser, srv.url, o.backends, o, log);
    if (want('interaction')) {
      try {
        result.interaction = await interactions(browser, srv.url, o, log);
      } catch (e) {
        result.interaction = { error: (e as Error).message.split('\n')[0] };
        log(`interactions: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    await browser.close();
    await srv.close();
  }
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: BROWSER_ARG_OPTIONS,
  });
  const o = browserOptions(values);
  const result = await runBrowserBench(o);
  if (o.json) console.log(JSON.stringify(result, null, 2));
  else for (const l of formatTable(result)) console.log(l);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
