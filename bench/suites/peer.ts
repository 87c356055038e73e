/**
 * npm run bench -- peer [--json] [--runs 3] [--size 800x1066] [--models resnet50,detr_r50]
 *   [--repo-detr DIR] [--threads N] [--build | --no-build]
 *
 * A peer engine in the same Chromium and the same run: onnxruntime-web (the npm package, its
 * threaded SIMD wasm build served from our own origin, cross-origin isolated, in a module worker)
 * against our engine (the app's inference worker, `bench.html`), with the same thread
 * count (ours as the app starts it, which the peer takes; --threads sets the peer's alone), on
 * - resnet50: the torchvision ResNet-50 to layer4 at [1,3,H,W] (tools/export_onnx.py: torchvision's
 *   resnet50, or tools/tv_resnet.py with its layout where torchvision is not installed), against
 *   our backbone stage of DETR-R50 (the same ResNet-50, plus the mask and sine positions);
 * - detr_r50: the official DETR-R50 (facebookresearch/detr, built by its own build_model from the
 *   checkout --repo-detr, exported through its own ONNX path) against ours (src/bench/officialVariants.ts
 *   official_detr): backbone + encoder + decoder + postprocess, neither side counting preprocessing.
 * Weights: random on the peer side, formula weights on ours; a dense forward's time does not
 * depend on the values (the peer's outputs are checked finite). The ONNX files are made on demand
 * by tools/export_onnx.py with Debian's python3-torch into node_modules/.cache/bench/peer/ (never
 * committed, never downloaded); DETR needs --repo-detr the first time.
 * Order: one warm-up each, then per round ours, peer ResNet-50, peer DETR, so both see the same load;
 * medians of --runs rounds; ratio = ours / peer (>1: we are slower).
 *
 * JSON: peer.{resnet50, detr_r50}.{ours_ms, peer_ms, ratio, ours_runs_ms, peer_runs_ms, peer_load_ms,
 * peer_outputs, peer_finite, onnx} or {skipped} / {error}; threads, input, onnxruntime_web, ours
 * (stage medians), machine, browser.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StageTimes } from '../../src/bench/engineRun';
import { parseCount, parseList, parseSize, type Values } from '../lib/args';
import { BUILD_HELP, BUILD_OPTIONS, browserInfo, call, chromiumArgs, DIST, ensureDist, launch, openBench, serve, watchPage, withTimeout } from '../lib/browser';
import { cacheDir, machine, PYTHON, ROOT, type Json, type Log } from '../lib/machine';
import { medianOf, medians, ratio, round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

const MODELS = ['resnet50', 'detr_r50'] as const;
type PeerModel = (typeof MODELS)[number];
const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
/** The wasm-only ES module build and the threaded SIMD binary it loads (no WebGPU/WebNN parts). */
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/** The peer's worker: onnxruntime-web on the wasm execution provider, one session per model. */
const WORKER = `import * as ort from './ort.wasm.min.mjs';
const sessions = {};
const feeds = {};
self.onmessage = async ({ data }) => {
  const { id, op } = data;
  try {
    let ok = null;
    if (op === 'init') {
      ort.env.wasm.numThreads = data.threads;
      ort.env.wasm.wasmPaths = new URL('./', self.location.href).href;
      ok = { version: ort.env.versions && ort.env.versions.web, crossOriginIsolated: self.crossOriginIsolated };
    } else if (op === 'load') {
      const t0 = performance.now();
      const bytes = new Uint8Array(await (await fetch(data.url)).arrayBuffer());
      const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const n = data.dims.reduce((a, b) => a * b, 1);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = ((i * 7919) % 251) / 62.75 - 2;
      sessions[data.name] = s;
      feeds[data.name] = { [s.inputNames[0]]: new ort.Tensor('float32', x, data.dims) };
      ok = { load_ms: performance.now() - t0, inputs: s.inputNames, outputs: s.outputNames };
    } else if (op === 'run') {
      const t0 = performance.now();
      const out = await sessions[data.name].run(feeds[data.name]);
      const ms = performance.now() - t0;
      const shapes = {};
      let finite = true;
      for (const [k, t] of Object.entries(out)) {
        shapes[k] = t.dims;
        for (const v of t.data) if (!Number.isFinite(v)) { finite = false; break; }
        t.dispose();
      }
      ok = { ms, shapes, finite };
    }
    self.postMessage({ id, ok });
  } catch (e) {
    self.postMessage({ id, error: String((e && e.message) || e) });
  }
};
`;

export const peer: Suite = {
  options: {
    runs: { type: 'string', default: '3' },
    size: { type: 'string', default: '800x1066' },
    models: { type: 'string' },
    'repo-detr': { type: 'string' },
    threads: { type: 'string' },
    ...BUILD_OPTIONS,
  },
  help: {
    runs: 'timed rounds after a warm-up',
    size: 'input HxW of both models on both sides',
    models: 'resnet50, detr_r50 or both',
    'repo-detr': 'checkout of github.com/facebookresearch/detr, to export the official DETR-R50 once',
    threads: 'the peer\'s wasm threads (default: as many as the app starts ours with)',
    ...BUILD_HELP,
  },

  async run(v: Values, log: Log): Promise<Json> {
    const runs = parseCount(v.runs, 3, 'runs');
    const [H, W] = parseSize(v.size, '800x1066');
    const models = parseList(v.models, MODELS, MODELS, '--models');
    ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    const site = peerSite();
    const result: Json = { input: [1, 3, H, W], machine: machine() };
    const peerRows: Json = {};
    const onnx: Partial<Record<PeerModel, Json>> = {};
    for (const m of models) {
      const made = ensureOnnx(m, site, [H, W], v['repo-detr'] as string | undefined, log);
      if ('skipped' in made || 'error' in made) peerRows[m] = made;
      else onnx[m] = made;
    }
    const ours = await serve(DIST);
    const theirs = await serve(site);
    const browser = await launch();
    result.browser = browserInfo(browser, chromiumArgs());
    try {
      const opened = await openBench(browser, ours.url, 'wasm', log);
      if ('skipped' in opened) throw new Error(opened.skipped);
      if (v.threads !== undefined) log('note: --threads sets the peer only; ours runs as the app starts it (its threads are reported)');
      const threads = parseCount(v.threads, (opened.probe.threads ?? opened.init.threads ?? 1) as number, 'threads');
      result.threads = { ours: opened.probe.threads ?? opened.init.threads, peer: threads };
      const peerPage = await openPeer(browser, theirs.url, log);
      const init = await peerCall<{ version: string; crossOriginIsolated: boolean }>(peerPage, { op: 'init', threads });
      result.onnxruntime_web = { version: init.version, cross_origin_isolated: init.crossOriginIsolated, build: ORT_FILES.join(' + '), num_threads: threads };
      log(`ours: DETR-R50 @${H}x${W} in the app's worker (${result.threads && (result.threads as Json).ours} threads); peer: onnxruntime-web ${init.version}, ${threads} threads`);
      const loaded = await call<{ loadMs: number }>(opened.page, 'loadOfficial', [H, W, 'official_detr'], 900_000);
      const peerLoad: Partial<Record<PeerModel, Json>> = {};
      for (const m of Object.keys(onnx) as PeerModel[]) {
        try {
          peerLoad[m] = await peerCall<Json>(peerPage, { op: 'load', name: m, url: `/${onnxName(m, [H, W])}`, dims: [1, 3, H, W] }, 900_000);
          log(`peer ${m}: session created in ${round1(peerLoad[m]!.load_ms as number)} ms`);
        } catch (e) {
          peerRows[m] = { error: `onnxruntime-web could not load or run ${m}: ${(e as Error).message.split('\n')[0]}` };
          delete onnx[m];
        }
      }
      const ourRuns: StageTimes[] = [];
      const peerRuns: Record<string, { ms: number; shapes: Json; finite: boolean }[]> = {};
      const peerRun = async (m: PeerModel) => {
        if (!onnx[m]) return null;
        try {
          const r = await peerCall<{ ms: number; shapes: Json; finite: boolean }>(peerPage, { op: 'run', name: m }, 1_800_000);
          return r;
        } catch (e) {
          peerRows[m] = { error: `onnxruntime-web failed to run ${m}: ${(e as Error).message.split('\n')[0]}` };
          delete onnx[m];
          return null;
        }
      };
      log('warm-up: ours, then each peer model');
      const warm = await call<StageTimes>(opened.page, 'run', [], 1_800_000);
      log(`  ours ${round1(warm.total_ms)} ms`);
      for (const m of MODELS) {
        const r = await peerRun(m);
        if (r) log(`  peer ${m} ${round1(r.ms)} ms`);
      }
      for (let i = 0; i < runs; i++) {
        const r = await call<StageTimes>(opened.page, 'run', [], 1_800_000);
        ourRuns.push(r);
        const line = [`round ${i + 1}/${runs}: ours backbone ${round1(r.backbone_ms)} ms, DETR ${round1(forwardMs(r))} ms`];
        for (const m of MODELS) {
          const p = await peerRun(m);
          if (!p) continue;
          (peerRuns[m] ??= []).push(p);
          line.push(`peer ${m} ${round1(p.ms)} ms`);
        }
        log('  ' + line.join('; '));
      }
      await call(opened.page, 'unload');
      await opened.ctx.close();
      result.ours = { ...medians(ourRuns), load_ms: round1(loaded.loadMs), runs, model: 'official_detr (DETR-R50, formula weights)' };
      for (const m of models) {
        if (peerRows[m]) continue;
        const pr = peerRuns[m] ?? [];
        const oursOf = (r: StageTimes) => (m === 'resnet50' ? r.backbone_ms : forwardMs(r));
        const oursMs = medianOf(ourRuns, oursOf);
        const peerMs = medianOf(pr, (r) => r.ms);
        peerRows[m] = {
          ours_ms: oursMs, peer_ms: peerMs, ratio: ratio(oursMs, peerMs),
          ours_what: m === 'resnet50' ? 'our backbone stage of DETR-R50 (ResNet-50 + mask + sine positions)' : 'our DETR-R50: backbone + encoder + decoder + postprocess',
          ours_runs_ms: ourRuns.map((r) => round1(oursOf(r))), peer_runs_ms: pr.map((r) => round1(r.ms)),
          peer_load_ms: round1(peerLoad[m]?.load_ms as number), peer_outputs: pr[0]?.shapes, peer_finite: pr.every((r) => r.finite), onnx: onnx[m],
        };
      }
    } finally {
      await browser.close();
      await ours.close();
      await theirs.close();
    }
    result.peer = peerRows;
    return result;
  },

  format(r: Json): string[] {
    const p = (r.peer ?? {}) as Record<string, Json>;
    const t = (r.threads ?? {}) as Json;
    const ort = (r.onnxruntime_web ?? {}) as Json;
    const browser = (r.browser ?? {}) as Json;
    const lines = [
      `input ${(r.input as number[] | undefined)?.join('x')}; Chromium ${browser.chromium}; onnxruntime-web ${ort.version} (cross-origin isolated ${ort.cross_origin_isolated}); threads: ours ${t.ours}, peer ${t.peer}`,
      '| model | ours (ms) | onnxruntime-web (ms) | ours / peer |',
      '|---|---|---|---|',
    ];
    for (const m of MODELS) {
      const row = p[m];
      if (!row) continue;
      if (row.skipped || row.error) lines.push(`| ${m} | ${row.skipped ? 'skipped: ' + row.skipped : 'error: ' + row.error} | | |`);
      else lines.push(`| ${m} | ${row.ours_ms} | ${row.peer_ms} | ${row.ratio} |`);
    }
    return lines;
  },
};

/** Ours without preprocessing (as the peer's input is the normalized tensor). */
function forwardMs(r: StageTimes): number {
  return r.backbone_ms + r.encoder_ms + r.decoder_ms + r.postprocess_ms;
}

const onnxName = (m: PeerModel, [h, w]: [number, number]) => `${m}_${h}x${w}.onnx`;

/** The folder the peer page is served from: onnxruntime-web's files, the worker, the ONNX files. */
function peerSite(): string {
  const dir = cacheDir('peer');
  for (const f of ORT_FILES) {
    if (!existsSync(join(ORT_DIST, f))) throw new Error(`${join(ORT_DIST, f)} is missing: npm ci (onnxruntime-web is a devDependency)`);
    copyFileSync(join(ORT_DIST, f), join(dir, f));
  }
  writeFileSync(join(dir, 'peer.worker.mjs'), WORKER);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>peer</title>');
  return dir;
}

/** The model's ONNX file in the cache, exported by tools/export_onnx.py when missing; its description, or why not. */
function ensureOnnx(m: PeerModel, dir: string, [h, w]: [number, number], repo: string | undefined, log: Log): Json {
  const file = join(dir, onnxName(m, [h, w]));
  const meta = file.replace(/\.onnx$/, '.json');
  if (!existsSync(file) || !existsSync(meta)) {
    if (m === 'detr_r50' && !repo) return { skipped: 'no --repo-detr (a local checkout of github.com/facebookresearch/detr) to export the official DETR-R50 from; the bench never downloads' };
    if (m === 'detr_r50' && !existsSync(repo!)) return { skipped: `--repo-detr ${repo} does not exist` };
    log(`exporting ${m} @${h}x${w} to ONNX (tools/export_onnx.py, ${PYTHON}; a few minutes)`);
    const args = ['tools/export_onnx.py', '--model', m, '--out', file, '--height', String(h), '--width', String(w), ...(m === 'detr_r50' ? ['--repo', repo!] : [])];
    const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', timeout: 30 * 60_000 });
    if (r.status !== 0) return { error: `tools/export_onnx.py: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').pop()}` };
  }
  return JSON.parse(readFileSync(meta, 'utf8')) as Json;
}

async function openPeer(browser: Browser, url: string, log: Log): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  watchPage(page, log);
  await page.goto(url);
  await page.evaluate(() => {
    const w = new Worker('/peer.worker.mjs', { type: 'module' });
    const pending = new Map<number, (m: unknown) => void>();
    let next = 1;
    w.onmessage = (ev) => pending.get(ev.data.id)?.(ev.data);
    w.onerror = (ev) => pending.forEach((f) => f({ error: ev.message || 'the peer worker failed to load' }));
    (window as unknown as { __peer: (req: object) => Promise<unknown> }).__peer = (req) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, (m) => {
          pending.delete(id);
          resolve(m);
        });
        w.postMessage({ ...req, id });
      });
  });
  return page;
}

async function peerCall<T>(page: Page, req: Json, timeoutMs = 300_000): Promise<T> {
  const reply = await withTimeout(
    page.evaluate((req) => (window as unknown as { __peer: (r: object) => Promise<{ ok?: unknown; error?: string }> }).__peer(req), req),
    timeoutMs,
    `peer ${req.op}`,
  );
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.ok as T;
}
