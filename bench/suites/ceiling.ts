/**
 * npm run bench -- ceiling [--json] [--runs 5] [--threads 2[,1]]
 *
 * The arithmetic ceiling: how many GFLOP/s each side reaches on the model's own dense shapes,
 * measured in one run, to tell whether a time ratio to PyTorch is reachable with tfjs-wasm at all.
 * For each op of src/bench/ceilingOps.ts (encoder FFN products, the decoder cross-attention logits,
 * ResNet-50 layer3 3x3 and 1x1 convolutions at 800x1066), the median wall time of --runs runs
 * after 3 s of untimed passes over all ops and one warm-up run, and GFLOP/s at 2 flops per
 * multiply-add, on
 * - tfjs-wasm in headless Chromium, in a module worker started as the app's inference worker starts
 *   wasm (src/bench/ceiling.worker.ts: the threaded SIMD build, cross-origin isolated, the project's
 *   kernels), NHWC convolutions; the worker is built by Vite into node_modules/.cache/bench/ceiling
 *   on every run (so it never measures stale sources);
 * - PyTorch (tools/ceiling_bench.py via /usr/bin/python3), torch.set_num_threads at the same count,
 *   float32, NCHW convolutions.
 * Both run the same thread count, one after the other (Chromium first), per --threads entry.
 * ratio = ours / PyTorch time (>1: we are slower). The per-cycle peaks are assumptions (their
 * derivation is at FLOPS_PER_CYCLE); the clock they are scaled by is measured (measuredGhz), as
 * the VM reports only its nominal one. % of peak: wasm against SIMD128 without FMA, PyTorch
 * against AVX2/AVX-512 FMA, times that side's threads.
 *
 * JSON: ops[] (with gflop), peaks.{ghz, reported_ghz, flops_per_cycle, per_core_gflops},
 * load_average.{start, end}, machine, browser, by_threads.<T>.{chromium: {threads, threadsNote,
 * crossOriginIsolated, results}, torch: {threads, torch, blas, mkldnn, results}, rows[]: {name, what,
 * gflop, wasm_ms, wasm_min_ms, wasm_gflops, wasm_pct_of_peak, torch_ms, torch_min_ms, torch_gflops,
 * torch_pct_of_peak, ratio}}; results.<op>.{median_ms, min_ms, runs_ms}. GFLOP/s, % of peak and
 * ratio are of the medians.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { CEILING_OPS, ceilingFlops, gflops } from '../../src/bench/ceilingOps';
import type { CeilingReply, CeilingRequest } from '../../src/bench/ceiling.worker';
import { parseCount, type Values } from '../lib/args';
import { chromiumArgs, launch, serve } from '../lib/browser';
import { cacheDir, machine, ROOT, runPythonTool, type Json, type Log } from '../lib/machine';
import { round1, round2 } from '../lib/stats';
import type { Suite } from '../lib/suite';

interface Row {
  name: string;
  what: string;
  gflop: number;
  wasm_ms: number;
  wasm_min_ms: number;
  wasm_gflops: number;
  wasm_pct_of_peak: number;
  torch_ms: number | null;
  torch_min_ms: number | null;
  torch_gflops: number | null;
  torch_pct_of_peak: number | null;
  ratio: number | null;
}

/** The clock the (virtual) CPU reports: the nominal (TSC) one; a VM shows no boost clock. */
function reportedGhz(): number {
  const m = /cpu MHz\s*:\s*([\d.]+)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '');
  return m ? Number(m[1]) / 1000 : (cpus()[0]?.speed ?? 0) / 1000;
}

/** Eight dependent one-cycle integer operations per iteration: the loop runs at 8 operations per clock cycle. */
function addChain(n: number, x: number, y: number): number {
  for (let i = 0; i < n; i++) {
    x = (x + y) | 0; x = (x ^ i) | 0; x = (x + y) | 0; x = (x ^ i) | 0;
    x = (x + y) | 0; x = (x ^ i) | 0; x = (x + y) | 0; x = (x ^ i) | 0;
  }
  return x;
}

/**
 * The clock the cores run at under load, measured (no performance counters in this VM): the time of
 * a chain of dependent integer adds and xors, each of which takes one cycle on any x86 core since
 * 2006, so iterations x 8 / seconds is the clock. Median of 5 after a warm-up.
 */
function measuredGhz(): number {
  const n = 20_000_000;
  let sink = addChain(n, 1, 7);
  const ghz: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    sink ^= addChain(n, r, 7);
    ghz.push((n * 8) / ((performance.now() - t0) * 1e6));
  }
  if (sink === 0.5) console.error('unreachable'); // keeps the chains' results alive
  return ghz.sort((a, b) => a - b)[2];
}

/**
 * Peak fp32 flops per core per cycle, for the AMD Zen 4 this VM reports (family 25 model 17):
 * - wasm SIMD128 without FMA (tfjs 4.22's XNNPACK build has no relaxed-SIMD madd): a multiply-add
 *   is f32x4.mul + f32x4.add, two 4-lane instructions. Zen 4 issues 2 vector multiplies (its two
 *   FMA/FMUL pipes) and 2 vector adds (its two FADD pipes) per cycle: 2x4 + 2x4 = 16 flops/cycle.
 * - AVX2 FMA: 2 FMA pipes x 8 lanes x 2 flops = 32 flops/cycle.
 * - AVX-512 FMA: Zen 4 runs a 512-bit op as two 256-bit halves on the same pipes: also 32 (a
 *   core with two full 512-bit FMA units would give 64).
 * So at equal efficiency a wasm product takes at least 2x the time of PyTorch's on this CPU.
 */
const FLOPS_PER_CYCLE = { wasm_simd128_no_fma: 16, avx2_fma: 32, avx512_fma_zen4: 32 };

/** Peak GFLOP/s per core of each kind at `ghz` (assumptions, see above). */
function peaks(ghz: number): Record<keyof typeof FLOPS_PER_CYCLE, number> {
  const out = {} as Record<keyof typeof FLOPS_PER_CYCLE, number>;
  for (const [k, v] of Object.entries(FLOPS_PER_CYCLE)) out[k as keyof typeof FLOPS_PER_CYCLE] = Math.round(v * ghz * 10) / 10;
  return out;
}

/** Builds the ceiling worker as a standalone entry (the app's Vite pipeline: ?url wasm files, ?raw threaded factory). */
async function buildWorker(dir: string) {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false, // the app's public/ (models, service worker) is not needed here
    worker: { format: 'es' },
    build: {
      outDir: dir,
      emptyOutDir: true,
      chunkSizeWarningLimit: 10_000, // one worker bundle with all of tfjs, by design
      rollupOptions: { input: { ceiling: join(ROOT, 'src/bench/ceiling.worker.ts') }, output: { entryFileNames: '[name].js' } },
    },
  });
  // An empty page to start the worker from (the server adds the cross-origin isolation headers).
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>ceiling</title>');
}

async function chromiumSide(dir: string, threads: number, runs: number, log: Log): Promise<CeilingReply & { chromium: string }> {
  const srv = await serve(dir);
  const browser = await launch();
  try {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (e) => log(`  pageerror: ${e.message.slice(0, 300)}`));
    await page.goto(srv.url);
    const req: CeilingRequest = { threads, runs, ops: CEILING_OPS };
    const reply = await page.evaluate(
      (req) =>
        new Promise<{ ok?: CeilingReply; error?: string }>((resolve) => {
          const w = new Worker('/ceiling.js', { type: 'module' });
          w.onmessage = (ev) => resolve(ev.data);
          w.onerror = (ev) => resolve({ error: ev.message || 'worker failed to load' });
          w.postMessage(req);
        }),
      req,
    );
    if (!reply.ok) throw new Error(`Chromium worker: ${reply.error}`);
    return { ...reply.ok, chromium: browser.version() };
  } finally {
    await browser.close();
    await srv.close();
  }
}

function torchSide(threads: number, runs: number): Json {
  return runPythonTool(['tools/ceiling_bench.py', '--ops', JSON.stringify(CEILING_OPS), '--runs', String(runs), '--threads', String(threads)]);
}

export const ceiling: Suite = {
  options: { runs: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' } },
  help: { runs: 'timed runs per op after the warm-up', threads: 'thread counts, comma-separated (both sides run each)' },

  async run(v: Values, log: Log): Promise<Json> {
    const runs = parseCount(v.runs, 5, 'runs');
    const threads = String(v.threads ?? '2').split(',').map((t) => parseCount(t.trim(), 2, 'threads'));
    const dir = cacheDir('ceiling');
    log(`building the ceiling worker (vite) into ${dir}`);
    await buildWorker(dir);
    const load0 = loadavg();
    const ghz = measuredGhz();
    const perCore = peaks(ghz);
    log(`clock: ${round2(ghz)} GHz measured (the VM reports ${round2(reportedGhz())} GHz nominal)`);
    const result: Json = {
      ops: CEILING_OPS.map((op) => ({ ...op, gflop: ceilingFlops(op) / 1e9 })),
      peaks: { ghz: round2(ghz), reported_ghz: round2(reportedGhz()), flops_per_cycle: FLOPS_PER_CYCLE, per_core_gflops: perCore },
      machine: machine(),
      by_threads: {} as Json,
    };
    for (const t of threads) {
      log(`${t} thread(s): Chromium tfjs-wasm`);
      const ours = await chromiumSide(dir, t, runs, log);
      if (ours.threads !== t) log(`  note: wasm runs ${ours.threads} thread(s), not ${t}${ours.threadsNote ? ` (${ours.threadsNote})` : ''}`);
      log(`${t} thread(s): PyTorch`);
      const torch = torchSide(t, runs);
      const tr = torch.results as Record<string, { median_ms: number; min_ms: number }> | undefined;
      const rows = CEILING_OPS.map((op): Row => {
        const w = ours.results[op.name].median_ms;
        const p = tr?.[op.name]?.median_ms;
        const pg = p !== undefined ? gflops(op, p) : undefined;
        return {
          name: op.name, what: op.what, gflop: round2(ceilingFlops(op) / 1e9),
          wasm_ms: round1(w), wasm_min_ms: round1(ours.results[op.name].min_ms), wasm_gflops: round1(gflops(op, w)), wasm_pct_of_peak: Math.round((100 * gflops(op, w)) / (perCore.wasm_simd128_no_fma * ours.threads)),
          torch_ms: p !== undefined ? round1(p) : null, torch_min_ms: tr?.[op.name] ? round1(tr[op.name].min_ms) : null, torch_gflops: pg !== undefined ? round1(pg) : null,
          torch_pct_of_peak: pg !== undefined ? Math.round((100 * pg) / (perCore.avx2_fma * (torch.threads as number))) : null,
          ratio: p !== undefined ? round2(w / p) : null,
        };
      });
      (result.by_threads as Json)[t] = { chromium: ours, torch, rows };
      result.browser = { chromium: ours.chromium, flags: chromiumArgs().join(' ') };
    }
    result.load_average = { start: load0.map(round2), end: loadavg().map(round2) };
    return result;
  },

  format(result: Json): string[] {
    const lines: string[] = [];
    for (const [t, v] of Object.entries(result.by_threads as Record<string, Json>)) {
      const ours = v.chromium as CeilingReply;
      const torch = v.torch as Json;
      lines.push(`${t} thread(s): wasm ${ours.threads} thread(s) (Chromium ${(result.browser as Json).chromium}, cross-origin isolated ${ours.crossOriginIsolated}); `
        + (torch.error ? `PyTorch error: ${torch.error}` : `PyTorch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas}, mkldnn ${torch.mkldnn}`));
      lines.push('| op | GFLOP | wasm ms (fastest) | wasm GFLOP/s (% of peak) | PyTorch ms (fastest) | PyTorch GFLOP/s (% of peak) | ours / PyTorch time |', '|---|---|---|---|---|---|---|');
      for (const r of v.rows as Row[]) {
        lines.push(`| ${r.name}: ${r.what} | ${r.gflop} | ${r.wasm_ms} (${r.wasm_min_ms}) | ${r.wasm_gflops} (${r.wasm_pct_of_peak}%) | ${r.torch_ms ?? '-'} (${r.torch_min_ms ?? '-'}) | `
          + `${r.torch_gflops ?? '-'} (${r.torch_pct_of_peak ?? '-'}%) | ${r.ratio ?? '-'} |`);
      }
      lines.push('');
    }
    const p = result.peaks as Json;
    const perCore = p.per_core_gflops as Record<string, number>;
    lines.push(`assumed peaks (header) at the measured ${p.ghz} GHz (reported ${p.reported_ghz} GHz), GFLOP/s per core: `
      + `wasm SIMD128 without FMA ${perCore.wasm_simd128_no_fma}, AVX2 FMA ${perCore.avx2_fma}, AVX-512 FMA on Zen 4 ${perCore.avx512_fma_zen4}; `
      + '% of peak: wasm against SIMD128, PyTorch against FMA, times each side\'s threads');
    const la = result.load_average as { start: number[]; end: number[] };
    lines.push(`load average (1, 5, 15 min): ${la.start.join(', ')} at the start, ${la.end.join(', ')} at the end`);
    return lines;
  },
};
