/**
 * npm run bench -- memory [--json] [--parts heap,tensors,chromium] [--variant official]
 *   [--checkpoint F.pth | --full] [--image 720x477] [--input 800] [--runs 20] [--backends wasm,webgl,webgpu]
 *   [--settle-ms 4000] [--gc] [--no-store] [--samples F.jsonl] [--build | --no-build]
 *
 * Three parts, in this order:
 * - heap: one app-style run in Node on tfjs-wasm: the worker's Engine loads an official-size
 *   checkpoint (--checkpoint, or the formula-weight checkpoint of --variant: official = SAM-DETR R50
 *   + SMCA, official_ms = R50-MS + SMCA, official_detr = DETR-R50, written once into
 *   node_modules/.cache/bench/checkpoints/), then detects on a synthetic --image WxH at --input
 *   (shorter side; longer side capped at 1333/800 of it, as the app does). At each stage boundary:
 *   live tensors, their bytes, and the wasm heap, which only grows: its size after the run is the
 *   run's peak (tfjs-wasm's heap is capped at 4 GB; a run that needs more aborts).
 * - tensors: tensors and bytes before and after --runs runs of the bundled model (detect + trace +
 *   decoder-only re-run each), in Node and in Chromium per --backends: a leak shows as a difference.
 * - chromium: Chromium's process memory while the built app loads the same checkpoint (dropped on
 *   the page, --full: a training checkpoint with AdamW's two moments of every parameter, as the
 *   official ones hold), runs it at 800 px, stores it in the origin-private file system, and goes
 *   back to the bundled model. Memory = the sum of VmRSS (/proc/<pid>/status) of the Chromium
 *   processes this bench started, every 200 ms (PSS from smaps_rollup beside it; the largest
 *   process, the renderer of the page and its worker, alone). Phases: baseline (bundled model run,
 *   settled), load, run, store, after (settled), unload, after unload (settled); peaks per phase,
 *   settled = median of the last second of a --settle-ms wait. A profile on disk, as a user's (an
 *   incognito context keeps the stored file in memory). --gc: a full collection before each
 *   settled value; --no-store: without the browser's storage (what storing costs).
 *
 * JSON: heap.{checkpoint, image, input, stages[]: {at, tensors, mib, heap_mib}, peak_heap_mib, kept_mib,
 * timings}; tensors.{node, <backend>_chromium}.{tensors_before, tensors_after, bytes_before, bytes_after,
 * runs}; chromium.{checkpoint, stored, seconds, rss, pss, renderer: {baseline, load_peak, run_peak,
 * store_peak, after, unload_peak, after_unload} (bytes), by_type}; machine, browser.
 */
import * as tf from '@tensorflow/tfjs';
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, openAsBlob, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES, type OfficialVariant } from '../../src/bench/officialVariants';
import { formulaCheckpoint, variantCheckpoint, variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { openFileSink } from '../../src/checkpoint/nodeSink';
import { torchSave } from '../../src/checkpoint/torchSave';
import { Engine } from '../../src/worker/engine';
import { parseCount, parseList, parseSize, type Values } from '../lib/args';
import { BACKENDS, BUILD_HELP, BUILD_OPTIONS, browserInfo, bundledName, chromiumArgs, CHROMIUM, DIST, ensureDist, launch, serve, waitRuns } from '../lib/browser';
import { cacheDir, machine, type Json, type Log } from '../lib/machine';
import { chromiumRow, nodeBackend, nodeRow } from '../lib/rows';
import { round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

const PARTS = ['heap', 'tensors', 'chromium'] as const;
const MiB = 2 ** 20;
const mib = (n: number) => round1(n / MiB);

export const memory: Suite = {
  options: {
    parts: { type: 'string' },
    variant: { type: 'string', default: 'official' },
    checkpoint: { type: 'string' },
    full: { type: 'boolean', default: false },
    image: { type: 'string', default: '720x477' },
    input: { type: 'string', default: '800' },
    runs: { type: 'string', default: '20' },
    backends: { type: 'string' },
    'settle-ms': { type: 'string', default: '4000' },
    gc: { type: 'boolean', default: false },
    'no-store': { type: 'boolean', default: false },
    samples: { type: 'string' },
    ...BUILD_OPTIONS,
  },
  help: {
    parts: 'heap, tensors, chromium (default all three)',
    variant: `the formula checkpoint of heap and chromium (${OFFICIAL_VARIANT_NAMES.join(', ')})`,
    checkpoint: 'a .pth file to use instead',
    full: 'a training checkpoint with AdamW state of every parameter (~700 MB for official)',
    image: 'heap: the synthetic image, WxH',
    input: 'heap: the input size (shorter side)',
    runs: 'tensors: runs of the bundled model',
    backends: 'tensors: Chromium backends (default wasm,webgl,webgpu)',
    'settle-ms': 'chromium: the wait before a settled value',
    gc: 'chromium: a full garbage collection before each settled value',
    'no-store': 'chromium: without the browser\'s storage',
    samples: 'chromium: every sample as JSON lines into this file',
    ...BUILD_HELP,
  },

  async run(v: Values, log: Log): Promise<Json> {
    const parts = parseList(v.parts, PARTS, PARTS, '--parts');
    const variant = parseList<OfficialVariant>(v.variant, OFFICIAL_VARIANT_NAMES, ['official'], '--variant')[0];
    const result: Json = { machine: machine() };
    const needsFile = parts.includes('heap') || parts.includes('chromium');
    const file = needsFile ? (v.checkpoint as string | undefined) ?? (await formulaCheckpointFile(variant, !!v.full, log)) : '';
    if (needsFile && !existsSync(file)) throw new Error(`--checkpoint ${file} does not exist`);
    if (parts.includes('chromium') || (parts.includes('tensors'))) ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    if (parts.includes('heap')) result.heap = await heapRun(file, parseSize(v.image, '720x477', 'wh', 'image'), parseCount(v.input, 800, 'input'), log);
    if (parts.includes('tensors')) {
      const runs = parseCount(v.runs, 20, 'runs');
      const tensors: Json = { node: (await nodeRow('bundled', { runs: 1, memoryRuns: runs, size: [0, 0] }, log)).memory };
      const srv = await serve(DIST);
      const browser = await launch({ webgpu: true });
      result.browser = browserInfo(browser, chromiumArgs({ webgpu: true }));
      try {
        for (const b of parseList(v.backends, BACKENDS, BACKENDS, '--backends')) {
          const r = await chromiumRow(browser, srv.url, 'bundled', b, { runs: 1, memoryRuns: runs, size: [0, 0], bundled: bundledName() }, log);
          tensors[`${b}_chromium`] = r.memory ?? r.row;
        }
      } finally {
        await browser.close();
        await srv.close();
      }
      result.tensors = tensors;
    }
    if (parts.includes('chromium')) result.chromium = await chromiumRss(file, v, log);
    return result;
  },

  format(r: Json): string[] {
    const lines: string[] = [];
    const h = r.heap as Json | undefined;
    if (h) {
      lines.push(`heap (Node wasm): ${h.checkpoint}, image ${h.image} at input ${h.input} (padded ${h.padded}, features ${h.features}); ${h.timings}`);
      for (const s of h.stages as Json[]) lines.push(`  ${String(s.at).padEnd(28)} ${String(s.tensors).padStart(5)} tensors ${String(s.mib).padStart(8)} MiB   wasm heap ${String(s.heap_mib).padStart(7)} MiB`);
      lines.push(`  peak wasm heap ${h.peak_heap_mib} MiB; tensors kept after the run ${h.kept_mib} MiB`);
    }
    const t = r.tensors as Record<string, Json> | undefined;
    if (t) for (const [k, m] of Object.entries(t)) lines.push(m.tensors_before !== undefined ? `tensors (${k}) over ${m.runs} runs: ${m.tensors_before} -> ${m.tensors_after}, bytes ${m.bytes_before} -> ${m.bytes_after}` : `tensors (${k}): ${m.skipped ?? m.error}`);
    const c = r.chromium as Json | undefined;
    if (c) {
      const s = c.seconds as Json;
      lines.push(`chromium: ${c.checkpoint} (${mib(c.bytes as number)} MiB); load ${s.load} s, first run ${s.run} s; stored: ${c.stored}`);
      const keys = Object.keys(c.rss as Json);
      lines.push('MiB           ' + keys.map((k) => k.padStart(13)).join(''));
      for (const [k, label] of [['rss', 'sum of RSS'], ['pss', 'sum of PSS'], ['renderer', 'renderer RSS']] as const) {
        lines.push(label.padEnd(14) + keys.map((x) => { const n = (c[k] as Json)[x]; return (typeof n === 'number' ? (n / MiB).toFixed(0) : '-').padStart(13); }).join(''));
      }
      for (const [when, byType] of Object.entries(c.by_type as Json)) lines.push(`RSS by process type, ${when}: ` + Object.entries((byType ?? {}) as Json).map(([k, n]) => `${k} ${typeof n === 'number' ? (n / MiB).toFixed(0) : n}`).join(', '));
    }
    return lines;
  },
};

/** The formula-weight checkpoint of an official-size variant in the cache, written once (torch.save format). */
async function formulaCheckpointFile(variant: OfficialVariant, full: boolean, log: Log): Promise<string> {
  const name = OFFICIAL_VARIANTS[variant].variant;
  const file = join(cacheDir('checkpoints'), `${name}${full ? '_full' : ''}.pth`);
  if (existsSync(file)) return file;
  log(`writing ${file} (formula weights${full ? ', AdamW state of every parameter' : ''})`);
  let ck: Record<string, unknown>;
  if (full) {
    const { config, epochs } = variantConfig(name);
    ck = formulaCheckpoint(config, { seed: 0, epochs, optimizerStateFor: expectedStateDictShapes(config).map(([n]) => n) });
  } else ck = variantCheckpoint(name, 0);
  const sink = await openFileSink(file + '.part');
  try {
    await torchSave(sink, ck);
  } finally {
    await sink.close();
  }
  renameSync(file + '.part', file);
  return file;
}

async function heapRun(file: string, [h, w]: [number, number], input: number, log: Log): Promise<Json> {
  await nodeBackend();
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const stages: Json[] = [];
  const at = (what: string) => {
    const m = tf.memory();
    stages.push({ at: what, tensors: m.numTensors, mib: mib(m.numBytes), heap_mib: mib(heap()) });
    log(`  ${what}: ${m.numTensors} tensors, ${mib(m.numBytes)} MiB, wasm heap ${mib(heap())} MiB`);
  };
  const engine = new Engine(() => 'wasm');
  at('start');
  await engine.loadCheckpoint(0, await openAsBlob(file), basename(file), () => {});
  at('loaded');
  const before = tf.memory().numBytes;
  const rgb = new Uint8ClampedArray(w * h * 4).map((_, i) => (i * 2654435761) >>> 24);
  let stage = '';
  const r = await engine.detect(0, rgb, w, h, { inputSize: input }, (p) => {
    if (p.stage !== stage) at(`before ${(stage = p.stage)}`);
  });
  at('after the run (traces kept)');
  const out = {
    checkpoint: basename(file), image: `${w}x${h}`, input, padded: `${r.padded[1]}x${r.padded[0]}`, features: `${r.featW}x${r.featH}`,
    stages, peak_heap_mib: mib(heap()), kept_mib: mib(tf.memory().numBytes - before),
    timings: r.timings.map((t) => `${t.stage} ${t.ms.toFixed(0)} ms`).join(', '),
  };
  engine.disposeAll();
  return out;
}

// ---- chromium: process memory through a dropped checkpoint ----

interface Sample {
  t: number;
  phase: string;
  rss: number;
  pss: number;
  /** The largest process (the renderer of the page and its worker). */
  top: number;
  /** RSS summed per process type (browser, renderer, gpu-process, utility, ...). */
  byType: Record<string, number>;
}

function readKb(file: string, key: RegExp): number {
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
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
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
  const s: Sample = { t: performance.now() - t0, phase, rss: 0, pss: 0, top: 0, byType: {} };
  for (const pid of descendants(process.pid)) {
    const type = processType(pid);
    if (!type) continue;
    const r = readKb(`/proc/${pid}/status`, /VmRSS:\s+(\d+) kB/);
    s.rss += r;
    s.byType[type] = (s.byType[type] ?? 0) + r;
    s.pss += readKb(`/proc/${pid}/smaps_rollup`, /Pss:\s+(\d+) kB/);
    s.top = Math.max(s.top, r);
  }
  return s;
}

async function chromiumRss(file: string, v: Values, log: Log): Promise<Json> {
  const settleMs = parseCount(v['settle-ms'], 4000, 'settle-ms');
  const name = basename(file);
  const srv = await serve(DIST);
  const profile = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const args = chromiumArgs({ extra: v.gc ? ['--js-flags=--expose-gc'] : [] });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args, viewport: { width: 1440, height: 900 } });
  const samples: Sample[] = [];
  const t0 = performance.now();
  let phase = 'start';
  const timer = setInterval(() => samples.push(sampleNow(phase, t0)), 200);
  const phaseTimes: Record<string, number> = {};
  const mark = (p: string) => {
    phaseTimes[p] = performance.now();
    phase = p;
    log(`  phase: ${p}`);
  };
  const settle = async (label: string) => {
    mark(label);
    if (v.gc) {
      for (const p of context.pages()) {
        // The wasm backend's pthread workers wait on Atomics and never answer: bounded waits.
        for (const w of p.workers()) await Promise.race([w.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.()).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
        await p.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.());
      }
    }
    await new Promise((r) => setTimeout(r, settleMs));
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (v['no-store']) await page.addInitScript('delete StorageManager.prototype.getDirectory;');
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
    const item = page.locator(`[data-testid=stored-checkpoint][data-name="${name}"]`);
    if (!v['no-store']) await item.waitFor({ timeout: 300_000 });
    const stored = v['no-store'] ? '(not stored: --no-store)' : ((await item.textContent()) ?? '');
    await settle('after');
    mark('unload');
    const r2 = await runs();
    await page.getByTestId('model-picker').selectOption(bundledName());
    await waitRuns(page, r2 + 1, 300_000);
    await settle('after unload');
    if (errors.length) log('page errors: ' + errors.join(' | '));
    const of = (p: string) => samples.filter((s) => s.phase === p);
    type Key = 'rss' | 'pss' | 'top';
    const peak = (p: string, k: Key) => (of(p).length ? Math.max(...of(p).map((s) => s[k])) : null);
    const settled = (p: string) => {
      const s = of(p);
      return s.length ? s.filter((x) => x.t >= s[s.length - 1].t - 1000) : [];
    };
    /** The median sample of a phase's last second by `k` (a settled value). */
    const settledSample = (p: string, k: Key) => {
      const last = settled(p).sort((a, b) => a[k] - b[k]);
      return last.length ? last[Math.floor(last.length / 2)] : undefined;
    };
    const settledValue = (p: string, k: Key) => settledSample(p, k)?.[k] ?? null;
    const row = (k: Key) => ({
      baseline: settledValue('baseline', k), load_peak: peak('load', k), run_peak: peak('run', k), store_peak: peak('store', k),
      after: settledValue('after', k), unload_peak: peak('unload', k), after_unload: settledValue('after unload', k),
    });
    const top = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
    if (v.samples) writeFileSync(v.samples as string, samples.map((x) => JSON.stringify(x)).join('\n') + '\n');
    return {
      checkpoint: name, bytes: statSync(file).size, stored,
      seconds: { load: round1((phaseTimes.run - phaseTimes.load) / 1000), run: round1((phaseTimes.store - phaseTimes.run) / 1000) },
      rss: row('rss'), pss: row('pss'), renderer: row('top'),
      by_type: { baseline: settledSample('baseline', 'rss')?.byType, peak: { phase: top.phase, ...top.byType }, after: settledSample('after', 'rss')?.byType, after_unload: settledSample('after unload', 'rss')?.byType },
      samples: samples.length, chromium: context.browser()?.version() ?? null,
    };
  } finally {
    clearInterval(timer);
    await context.close();
    await srv.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
