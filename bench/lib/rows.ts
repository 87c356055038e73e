/**
 * One timed row of a model through the app's Engine (src/bench/engineRun.ts: detect with its stage
 * timings, the top query's trace, the decoder-only re-run with the SMCA prior off), medians after
 * one warm-up: in Node (tfjs-wasm in this process, single-threaded SIMD, the project's kernels) or
 * in Chromium (the benchmark page's worker, i.e. the app's inference worker). Tensor counts before
 * and after the timed runs come with each row (`memory`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Browser } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import { formulaWeights } from '../../src/model/formulaWeights';
import type { ModelConfig } from '../../src/model/config';
import { readSafetensors } from '../../src/checkpoint/safetensors';
import { generateScene } from '../../src/data/scene';
import { Engine } from '../../src/worker/engine';
import { benchInfo, timedEngineRun, type StageTimes } from '../../src/bench/engineRun';
import { OFFICIAL_VARIANTS, type OfficialVariant } from '../../src/bench/officialVariants';
import type { GpuCounts } from '../../src/bench/benchHandler';
import { call, openBench, rowMeta, type Backend } from './browser';
import { ROOT, type Json, type Log } from './machine';
import { medians, round1 } from './stats';

export type ModelKind = OfficialVariant | 'bundled';

/** The pixels every official-size row runs on: fixed pseudo-random RGB. */
export function officialImage(h: number, w: number): Uint8ClampedArray {
  return new Uint8ClampedArray(h * w * 3).map((_, i) => (i * 7919) % 251);
}

interface Tensors {
  tensors_before: number;
  tensors_after: number;
  bytes_before: number;
  bytes_after: number;
  runs: number;
}

export interface RowResult {
  row: Json;
  memory: Tensors;
}

let nodeReady: Promise<unknown> | null = null;

/** Starts tfjs-wasm in this process once (the project's kernels installed). */
export function nodeBackend(): Promise<unknown> {
  nodeReady ??= useBackend('wasm');
  return nodeReady;
}

/** Runs `kind` in Node `runs` times after a warm-up (`memoryRuns` more for the tensor counts). */
export async function nodeRow(kind: ModelKind, o: { runs: number; size: [number, number]; memoryRuns?: number }, log: Log): Promise<RowResult> {
  await nodeBackend();
  const engine = new Engine(() => 'wasm');
  let rgb: Uint8ClampedArray;
  let w: number;
  let h: number;
  let opts: { inputSize: number; maxSize: number };
  let smca: boolean;
  let label: string;
  if (kind === 'bundled') {
    const b = bundledModel();
    engine.install(0, buildModel(b.config, b.stateDict), benchInfo(b.name, b.config, b.size, b.maxSize));
    const scene = generateScene(12345, { width: b.size, height: b.size });
    rgb = Uint8ClampedArray.from(scene.pixels);
    [h, w] = [b.size, b.size];
    opts = { inputSize: b.size, maxSize: b.maxSize };
    smca = b.config.smca && b.config.decoder === 'sam';
    label = `bundled ${b.name} @${b.size}x${b.size}`;
  } else {
    const v = OFFICIAL_VARIANTS[kind];
    [h, w] = o.size;
    engine.install(0, buildModel(v.config, formulaWeights(v.config, 0)), benchInfo(kind, v.config, Math.min(h, w), 1333));
    rgb = officialImage(h, w);
    opts = { inputSize: Math.min(h, w), maxSize: 1333 };
    smca = v.smca;
    label = `${v.label} @${h}x${w}`;
  }
  try {
    const one = () => timedEngineRun(engine, 0, rgb, w, h, opts, smca);
    const warm = await one();
    log(`${label} (wasm, Node): warm-up ${Math.round(warm.total_ms)} ms`);
    const before = tf.memory();
    const runs: StageTimes[] = [];
    const total = Math.max(o.runs, o.memoryRuns ?? 0);
    for (let i = 0; i < total; i++) {
      const r = await one();
      if (i < o.runs) {
        runs.push(r);
        if (r.total_ms > 5000) log(`  run ${i + 1}/${o.runs}: total ${Math.round(r.total_ms)} ms`);
      }
    }
    const after = tf.memory();
    const row: Json = { ...medians(runs), runs: o.runs, first_run_ms: round1(warm.total_ms) };
    log(`  ${Object.entries(row).filter(([k]) => k.endsWith('_ms')).map(([k, v]) => `${k.replace('_ms', '')} ${v} ms`).join(', ')}`);
    return { row, memory: { tensors_before: before.numTensors, tensors_after: after.numTensors, bytes_before: before.numBytes, bytes_after: after.numBytes, runs: total } };
  } finally {
    engine.disposeAll();
  }
}

/** The bundled default model (public/models/index.json), read from disk for Node. */
export function bundledModelName(): string {
  const list = JSON.parse(readFileSync(join(ROOT, 'public/models/index.json'), 'utf8')).models as { name: string; default?: boolean }[];
  return (list.find((m) => m.default) ?? list[0]).name;
}

export function bundledModel(): { name: string; config: ModelConfig; stateDict: ReturnType<typeof readSafetensors>['stateDict']; size: number; maxSize: number } {
  const name = bundledModelName();
  const card = JSON.parse(readFileSync(join(ROOT, `public/models/${name}/model.json`), 'utf8'));
  const { stateDict } = readSafetensors(readFileSync(join(ROOT, `public/models/${name}/weights.safetensors`)));
  return { name, config: card.config as ModelConfig, stateDict, size: card.inputSize as number, maxSize: (card.maxSize ?? card.inputSize) as number };
}

/**
 * One Chromium row of `kind` on `backend`, in a fresh page and worker. Every row adds its warm-up
 * run (first_run_ms, first_detect_wall_ms, first_decoder_rerun_ms; on WebGPU first_compile_ms and
 * the pipelines and dispatches of the first and later runs). {skipped} or {error} rows say why.
 */
export async function chromiumRow(
  browser: Browser, url: string, kind: ModelKind, backend: Backend,
  o: { runs: number; size: [number, number]; bundled: string; memoryRuns?: number; gpuCompile?: boolean }, log: Log,
): Promise<{ row: Json; memory?: Tensors }> {
  const official = kind !== 'bundled';
  const t0 = Date.now();
  log(`${kind} on ${backend} (Chromium): starting`);
  try {
    const opened = await openBench(browser, url, backend, log);
    if ('skipped' in opened) {
      log(`  skipped: ${opened.skipped}`);
      return { row: { skipped: opened.skipped } };
    }
    const { ctx, page, init, probe } = opened;
    try {
      const perRun = official ? 3_600_000 : 900_000;
      const [H, W] = o.size;
      const load = official
        ? await call<{ loadMs: number }>(page, 'loadOfficial', [H, W, kind], 900_000)
        : await call<{ loadMs: number }>(page, 'loadBundled', [o.bundled], 300_000);
      if (o.gpuCompile === false) await call(page, 'parallelCompile', [false]);
      const gpu0 = await call<GpuCounts | null>(page, 'gpu');
      const warm = await call<StageTimes>(page, 'run', [], perRun);
      const gpu1 = await call<GpuCounts | null>(page, 'gpu');
      log(`  warm-up ${round1(warm.total_ms)} ms (detect ${round1(warm.detect_wall_ms)} ms)${gpu0 && gpu1 ? `, ${gpu1.programs - gpu0.programs} programs compiled, ${gpu1.dispatches - gpu0.dispatches} dispatches` : ''}`);
      const before = await call<{ numTensors: number; numBytes: number }>(page, 'memory');
      const timed: StageTimes[] = [];
      const total = Math.max(o.runs, o.memoryRuns ?? 0);
      for (let i = 0; i < total; i++) {
        const r = await call<StageTimes>(page, 'run', [], perRun);
        if (i < o.runs) {
          timed.push(r);
          log(`  run ${i + 1}/${o.runs}: total ${round1(r.total_ms)} ms (backbone ${round1(r.backbone_ms)}, encoder ${round1(r.encoder_ms)}, decoder ${round1(r.decoder_ms)})`);
        }
      }
      const after = await call<{ numTensors: number; numBytes: number }>(page, 'memory');
      const row: Json = { ...medians(timed), load_ms: round1(load.loadMs), runs: o.runs, ...rowMeta(init, probe) };
      row.runs_ms = timed.map((r) => round1(r.total_ms));
      row.first_run_ms = round1(warm.total_ms);
      if (warm.compile_ms !== undefined) row.first_compile_ms = round1(warm.compile_ms);
      if (gpu0 && o.gpuCompile === false) row.gpu_compile = 'off';
      row.first_detect_wall_ms = round1(warm.detect_wall_ms);
      if (warm.decoder_rerun_ms !== undefined) row.first_decoder_rerun_ms = round1(warm.decoder_rerun_ms);
      if (gpu0 && gpu1) {
        const gpu2 = await call<GpuCounts | null>(page, 'gpu');
        row.first_run_programs = gpu1.programs - gpu0.programs;
        row.first_run_dispatches = gpu1.dispatches - gpu0.dispatches;
        row.programs_after_runs = gpu2!.programs - gpu0.programs;
        row.dispatches_per_run = Math.round((gpu2!.dispatches - gpu1.dispatches) / total);
      }
      if (official) row.size = `${H}x${W}`;
      await call(page, 'unload');
      return { row, memory: { tensors_before: before.numTensors, tensors_after: after.numTensors, bytes_before: before.numBytes, bytes_after: after.numBytes, runs: total } };
    } finally {
      await ctx.close();
      log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } catch (e) {
    log(`  error: ${(e as Error).message.split('\n')[0]}`);
    return { row: { error: (e as Error).message.split('\n')[0] } };
  }
}

/** Table lines of model rows: `rows[label][key]` with key like wasm_node or webgpu_chromium. */
export function stageTable(rows: [string, Json | undefined][]): string[] {
  const n = (v: unknown) => (typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`) : '');
  const cols = ['preprocess_ms', 'backbone_ms', 'encoder_ms', 'decoder_ms', 'postprocess_ms', 'trace_ms', 'total_ms', 'decoder_rerun_ms'];
  const lines = [`| model | backend | ${cols.map((c) => c.replace('_ms', '').replace('decoder_rerun', 'decoder re-run')).join(' | ')} |`, `|---|---|${cols.map(() => '---').join('|')}|`];
  for (const [label, group] of rows) {
    for (const [k, v] of Object.entries(group ?? {})) {
      if (!/_(chromium|node)$/.test(k) || typeof v !== 'object' || !v) continue;
      const row = v as Json;
      if (row.skipped || row.error) {
        lines.push(`| ${label} | ${k} | ${row.skipped ? 'skipped: ' + row.skipped : 'error: ' + row.error} |`);
        continue;
      }
      const meta = [row.threads !== undefined ? `${row.threads} thr` : '', row.software ? 'software (SwiftShader)' : ''].filter(Boolean).join(', ');
      lines.push(`| ${label} | ${k}${meta ? ` (${meta})` : ''} | ${cols.map((c) => n(row[c])).join(' | ')} |`);
    }
  }
  return lines;
}
