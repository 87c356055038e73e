/**
 * Chromium's process memory while the built app loads an official-size checkpoint, runs it at
 * its default input (800 px), keeps it in the browser's storage, and unloads it (back to the
 * bundled model):
 *
 *   npx vite build
 *   npx tsx scripts/make-checkpoint.ts --variant r50_smca_e50 --out /tmp/ck.pth
 *   npx tsx scripts/bench-memory.ts --checkpoint /tmp/ck.pth [--json] [--dist DIR] [--settle-ms 4000]
 *   npx tsx scripts/bench-memory.ts --make-full /tmp/ck-full.pth   (writes, then measures, a ~700 MB
 *     training checkpoint: AdamW state for every parameter, as the official ones hold)
 *
 * Memory is the sum of VmRSS (from /proc/<pid>/status) over the Chromium processes this script
 * started (its descendants), sampled every 200 ms; the largest one (the renderer, where the page
 * and its inference worker live) is also given on its own. RSS counts shared pages once per
 * process, so the sum overstates the total a little; PSS (smaps_rollup) is given beside it.
 *
 * Phases: baseline (the bundled model has run, settled), load (drop to the model installed),
 * run (its first detection), store (until the stored list names it), after (settled),
 * unload (back to the bundled model, its run done, settled). Peaks are per phase; "settled"
 * values are the median of the samples of the last second of a wait.
 */
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '../e2e/server';
import { waitRuns } from '../e2e/appState';
import { formulaCheckpoint, variantConfig } from '../src/checkpoint/formulaCheckpoint';
import { expectedStateDictShapes } from '../src/checkpoint/expectedKeys';
import { openFileSink } from '../src/checkpoint/nodeSink';
import { torchSave } from '../src/checkpoint/torchSave';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MB = 2 ** 20;

interface Sample {
  t: number;
  phase: string;
  rss: number;
  pss: number;
  /** The largest process (the renderer of the page and its worker). */
  top: number;
  topType: string;
  /** RSS summed per process type (browser, renderer, gpu-process, utility, ...). */
  byType: Record<string, number>;
}

function readNum(file: string, key: RegExp): number {
  try {
    const m = key.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process below `root` (by parent pid), read from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), closed by its last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(rest[1]));
    } catch {
      // The process ended while listing.
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

function processType(pid: number): string {
  try {
    // Chromium rewrites its command line (setproctitle): the arguments may be one string.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    if (!/chrom/.test(cmd.split(' ')[0] ?? '')) return '';
    return /--type=(\S+)/.exec(cmd)?.[1] ?? 'browser';
  } catch {
    return '';
  }
}

function sampleNow(phase: string, t0: number): Sample {
  let rss = 0;
  let pss = 0;
  let top = 0;
  let topType = '';
  const byType: Record<string, number> = {};
  for (const pid of descendants(process.pid)) {
    const type = processType(pid);
    if (!type) continue;
    const r = readNum(`/proc/${pid}/status`, /VmRSS:\s+(\d+) kB/);
    rss += r;
    byType[type] = (byType[type] ?? 0) + r;
    pss += readNum(`/proc/${pid}/smaps_rollup`, /Pss:\s+(\d+) kB/);
    if (r > top) {
      top = r;
      topType = type;
    }
  }
  return { t: performance.now() - t0, phase, rss, pss, top, topType, byType };
}

/** Writes a training checkpoint like the official ones: the model and AdamW's two moments of every parameter. */
async function makeFull(out: string): Promise<void> {
  const { config, epochs } = variantConfig('r50_smca_e50');
  const all = expectedStateDictShapes(config).map(([n]) => n);
  const sink = await openFileSink(out);
  try {
    await torchSave(sink, formulaCheckpoint(config, { seed: 0, epochs, optimizerStateFor: all }));
  } finally {
    await sink.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' },
      'make-full': { type: 'string' },
      dist: { type: 'string', default: join(ROOT, 'dist') },
      'settle-ms': { type: 'string', default: '4000' },
      json: { type: 'boolean', default: false },
      /** Every sample as JSON lines, for a closer look. */
      samples: { type: 'string' },
      /** Before each settled value, a full garbage collection in the page and its workers (--expose-gc): what is held, not what waits for the collector. */
      gc: { type: 'boolean', default: false },
      /** Measures without the browser's storage (the app then keeps nothing): what storing costs. */
      'no-store': { type: 'boolean', default: false },
    },
  });
  let file = values.checkpoint;
  if (values['make-full']) {
    file = values['make-full'];
    if (!existsSync(file)) {
      console.error(`writing ${file} (model + AdamW state of every parameter)...`);
      await makeFull(file);
    }
  }
  if (!file || !existsSync(file)) throw new Error('--checkpoint FILE.pth (e.g. from scripts/make-checkpoint.ts) or --make-full FILE.pth is required');
  const dist = resolve(values.dist!);
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`${dist}/index.html missing: run npx vite build first`);
  const settleMs = Number(values['settle-ms']);
  const name = basename(file);

  const srv = await serve(dist);
  // A profile on disk, as a user's: in an incognito context the origin-private file system is
  // kept in the browser process's memory, which would count the stored file as memory.
  const profile = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const args = values.gc ? [...ARGS, '--js-flags=--expose-gc'] : ARGS;
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args, viewport: { width: 1440, height: 900 } });
  const samples: Sample[] = [];
  const t0 = performance.now();
  let phase = 'start';
  const timer = setInterval(() => samples.push(sampleNow(phase, t0)), 200);
  const settle = async (label: string) => {
    phase = label;
    if (values.gc) {
      for (const p of context.pages()) {
        // The wasm backend's thread pool workers wait on Atomics and never answer: bounded waits.
        for (const w of p.workers()) await Promise.race([w.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.()).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
        await p.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.());
      }
    }
    await new Promise((r) => setTimeout(r, settleMs));
  };
  const phaseTimes: Record<string, number> = {};
  const mark = (p: string) => {
    phaseTimes[p] = performance.now();
    phase = p;
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (values['no-store']) await page.addInitScript('delete StorageManager.prototype.getDirectory;');
    await page.goto(srv.url + '?backend=wasm');
    await waitRuns(page, 1, 180_000);
    await settle('baseline');
    const runs = async () => Number(await page.getByTestId('status').getAttribute('data-runs'));
    const r = await runs();
    mark('load');
    await page.getByTestId('file-input').setInputFiles(file);
    // Loading ends when the status line stops saying "Reading <file>: <stage>" (the run starts then).
    await page.waitForFunction(() => /^Reading /.test(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 60_000, polling: 50 });
    await page.waitForFunction(() => !/^Reading /.test(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 300_000, polling: 50 });
    mark('run');
    await waitRuns(page, r + 1, 600_000, 100);
    mark('store');
    // Storing runs beside the first detection; this phase is what is left of it.
    const item = page.locator(`[data-testid=stored-checkpoint][data-name="${name}"]`);
    if (!values['no-store']) await item.waitFor({ timeout: 300_000 });
    const storedText = values['no-store'] ? '(not stored: --no-store)' : ((await item.textContent()) ?? '');
    await settle('after');
    mark('unload');
    const r2 = await runs();
    await page.getByTestId('model-picker').selectOption('sam-detr-smca');
    await waitRuns(page, r2 + 1, 300_000);
    await settle('after unload');
    if (errors.length) console.error('page errors: ' + errors.join(' | '));

    const of = (p: string) => samples.filter((s) => s.phase === p);
    type Key = 'rss' | 'pss' | 'top';
    const peak = (p: string, k: Key) => (of(p).length ? Math.max(...of(p).map((s) => s[k])) : null);
    /** The median of a phase's last second (a settled value). */
    const settledSample = (p: string, k: Key) => {
      const s = of(p);
      const last = s.filter((x) => x.t >= s[s.length - 1].t - 1000).sort((a, b) => a[k] - b[k]);
      return last[Math.floor(last.length / 2)];
    };
    const row = (k: Key) => ({
      baseline: settledSample('baseline', k)?.[k] ?? null,
      load_peak: peak('load', k),
      run_peak: peak('run', k),
      store_peak: peak('store', k),
      after: settledSample('after', k)?.[k] ?? null,
      unload_peak: peak('unload', k),
      after_unload: settledSample('after unload', k)?.[k] ?? null,
    });
    const top = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
    const result = {
      checkpoint: { file: name, bytes: statSync(file).size },
      stored: storedText,
      seconds: { load: (phaseTimes.run - phaseTimes.load) / 1000, run: (phaseTimes.store - phaseTimes.run) / 1000 },
      rss: row('rss'),
      pss: row('pss'),
      renderer: row('top'),
      by_type: {
        baseline: settledSample('baseline', 'rss')?.byType,
        peak: { phase: top.phase, ...top.byType },
        after: settledSample('after', 'rss')?.byType,
        after_unload: settledSample('after unload', 'rss')?.byType,
      },
      samples: samples.length,
    };
    if (values.samples) writeFileSync(values.samples, samples.map((x) => JSON.stringify(x)).join('\n') + '\n');
    if (values.json) console.log(JSON.stringify(result));
    else {
      const mb = (v: number | null | undefined) => (v == null ? '-' : (v / MB).toFixed(0));
      console.log(`${name}: ${(result.checkpoint.bytes / MB).toFixed(0)} MiB; load ${result.seconds.load.toFixed(1)} s, first run ${result.seconds.run.toFixed(1)} s; stored: ${storedText}`);
      console.log('MiB           ' + Object.keys(result.rss).map((k) => k.padStart(13)).join(''));
      for (const k of ['rss', 'pss', 'renderer'] as const) {
        console.log(`${k === 'renderer' ? 'renderer RSS' : k === 'rss' ? 'sum of RSS' : 'sum of PSS'}`.padEnd(14) + Object.values(result[k]).map((v) => mb(v).padStart(13)).join(''));
      }
      for (const [when, t] of Object.entries(result.by_type)) {
        console.log(`RSS by process type, ${when}: ` + Object.entries(t ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? mb(v) : v}`).join(', '));
      }
    }
  } finally {
    clearInterval(timer);
    await context.close();
    await srv.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
