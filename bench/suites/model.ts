/**
 * npm run bench -- model [--json] [--runs N] [--official-runs N] [--size 800x1066]
 *   [--models official,official_ms,official_detr,bundled] [--where node,chromium]
 *   [--official-backends wasm[,webgl,webgpu]] [--backends wasm,webgl,webgpu] [--gpu-compile off]
 *   [--build | --no-build]
 * npm run bench -- model --profile decoder|encoder|backbone [--variant official] [--dc5] [--top 25] [--size 800x1066]
 *
 * Our engine per stage, medians after one warm-up (src/bench/engineRun.ts: preprocess, backbone,
 * encoder, decoder, postprocess as the engine times them, each ending with a read; trace = the
 * app's slice request for the top query; total = the stages + trace; decoder_rerun = the decoder
 * with the SMCA prior off on the cached encoder output; detect_wall = the whole detect call):
 * - the official-size models of src/bench/officialVariants.ts (SAM-DETR R50 + SMCA, R50-MS + SMCA,
 *   DETR-R50; formula weights: a dense forward's time does not depend on them) at --size, in Node
 *   (tfjs-wasm, 1 thread) and in Chromium on --official-backends (default wasm only: on SwiftShader
 *   webgl/webgpu take many minutes a run; rows not run say so);
 * - the bundled default model (public/models/index.json) at its input size, Node and Chromium on
 *   --backends.
 * Chromium rows run in the app's own inference worker (`bench.html`) and carry threads
 * (wasm), software (SwiftShader or a fallback adapter: not GPU numbers), device, load_ms and the
 * warm-up run (first_*; on WebGPU the compile-only pass and pipeline/dispatch counts;
 * --gpu-compile off runs without that pass, for comparison).
 *
 * --profile: per-kernel tf.profile of one stage of an official-size model on Node wasm after a
 * warm-up of that stage, grouped by kernel and by kernel + input shapes.
 *
 * JSON: official[_ms|_detr].{wasm_node, <backend>_chromium}.{preprocess_ms, backbone_ms,
 * encoder_ms, decoder_ms, postprocess_ms, trace_ms, total_ms, decoder_rerun_ms, detect_wall_ms,
 * runs, ...} or {skipped} / {error}; bundled.{name, wasm_node, <backend>_chromium}; machine, browser.
 * With --profile: profile.{stage, variant, wall_ms, kernel_ms, kernels, by_kernel[], by_shape[]}.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import type { ModelConfig } from '../../src/model/config';
import { formulaWeights } from '../../src/model/formulaWeights';
import { preprocess } from '../../src/model/preprocess';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES, type OfficialVariant } from '../../src/bench/officialVariants';
import { parseCount, parseList, parseSize, type Values } from '../lib/args';
import { BACKENDS, BUILD_HELP, BUILD_OPTIONS, browserInfo, bundledName, chromiumArgs, ensureDist, launch, serve, DIST } from '../lib/browser';
import { machine, type Json, type Log } from '../lib/machine';
import { bundledModelName, chromiumRow, nodeRow, stageTable, type ModelKind } from '../lib/rows';
import { round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

const WHERE = ['node', 'chromium'] as const;
const STAGES = ['decoder', 'encoder', 'backbone'] as const;

export const model: Suite = {
  options: {
    runs: { type: 'string' },
    'official-runs': { type: 'string' },
    size: { type: 'string', default: '800x1066' },
    models: { type: 'string' },
    where: { type: 'string' },
    'official-backends': { type: 'string' },
    backends: { type: 'string' },
    'gpu-compile': { type: 'string' },
    profile: { type: 'string' },
    variant: { type: 'string', default: 'official' },
    dc5: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    ...BUILD_OPTIONS,
  },
  help: {
    runs: 'timed runs after the warm-up (default: Node 5, Chromium bundled 5)',
    'official-runs': 'timed runs of the official-size rows in Chromium (default 3)',
    size: 'official-size input HxW',
    models: `rows (${[...OFFICIAL_VARIANT_NAMES, 'bundled'].join(', ')}; default all)`,
    where: 'node, chromium or both',
    'official-backends': 'Chromium backends of the official-size rows (default wasm)',
    backends: 'Chromium backends of the bundled model (default wasm,webgl,webgpu)',
    'gpu-compile': 'off: no parallel shader compilation of first WebGPU runs',
    profile: 'decoder, encoder or backbone: a per-kernel profile in Node instead of the rows',
    variant: 'the official-size model --profile runs',
    dc5: '--profile with DC5',
    top: '--profile: rows per table',
    ...BUILD_HELP,
  },

  async run(v: Values, log: Log): Promise<Json> {
    const size = parseSize(v.size, '800x1066');
    if (v.profile) return { profile: await profileStage(v, size, log), machine: machine() };
    const all: ModelKind[] = [...OFFICIAL_VARIANT_NAMES, 'bundled'];
    const kinds = parseList<ModelKind>(v.models, all, all, '--models');
    const where = parseList(v.where, WHERE, WHERE, '--where');
    const officialBackends = parseList(v['official-backends'], BACKENDS, ['wasm'], '--official-backends');
    const backends = parseList(v.backends, BACKENDS, BACKENDS, '--backends');
    const nodeRuns = parseCount(v.runs, 5, 'runs');
    const officialRuns = parseCount(v['official-runs'] ?? v.runs, 3, 'official-runs');
    const result: Json = { machine: machine() };
    const group = (k: ModelKind) => (result[k] ??= {}) as Json;
    if (where.includes('chromium')) ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    if (where.includes('node')) {
      for (const k of kinds) group(k).wasm_node = (await nodeRow(k, { runs: nodeRuns, size }, log)).row;
    }
    if (where.includes('chromium')) {
      const srv = await serve(DIST);
      const browser = await launch({ webgpu: true });
      result.browser = browserInfo(browser, chromiumArgs({ webgpu: true }));
      const bundled = bundledName();
      try {
        for (const k of kinds) {
          const official = k !== 'bundled';
          for (const b of BACKENDS) {
            const on = official ? officialBackends.includes(b) : backends.includes(b);
            if (!on) {
              if (official) group(k)[`${b}_chromium`] = { skipped: `opt-in (--official-backends ${b}): on a software (SwiftShader) ${b} the official-size model takes many minutes per run` };
              continue;
            }
            const { row } = await chromiumRow(browser, srv.url, k, b, { runs: official ? officialRuns : parseCount(v.runs, 5, 'runs'), size, bundled, gpuCompile: v['gpu-compile'] !== 'off' }, log);
            group(k)[`${b}_chromium`] = row;
          }
        }
      } finally {
        await browser.close();
        await srv.close();
      }
    }
    if (kinds.includes('bundled')) group('bundled').name = bundledModelName();
    return result;
  },

  format(r: Json): string[] {
    const p = r.profile as Json | undefined;
    if (p) {
      const table = (rows: { key: string; ms: number; n: number; pct: number }[]) => rows.map((e) => `${e.ms.toFixed(1).padStart(9)} ms ${String(e.n).padStart(5)}x  ${e.pct.toFixed(1).padStart(5)}%  ${e.key}`);
      return [
        `${p.stage} of ${p.variant} @${p.size} (Node wasm): wall ${p.wall_ms} ms (profiled), kernel sum ${p.kernel_ms} ms, ${p.kernels} kernels`,
        '-- by kernel', ...table(p.by_kernel as never), '-- by kernel and input shapes', ...table(p.by_shape as never),
      ];
    }
    const name = ((r.bundled as Json | undefined)?.name as string | undefined) ?? '';
    return stageTable([...OFFICIAL_VARIANT_NAMES.map((k) => [OFFICIAL_VARIANTS[k].label, r[k] as Json | undefined] as [string, Json | undefined]), [`bundled ${name}`, r.bundled as Json | undefined]]);
  },
};

/** Per-kernel tf.profile of one stage of an official-size model on Node wasm, after a warm-up of that stage. */
async function profileStage(v: Values, [H, W]: [number, number], log: Log): Promise<Json> {
  const stage = parseList(v.profile, STAGES, ['decoder'], '--profile')[0];
  const variant = parseList<OfficialVariant>(v.variant, OFFICIAL_VARIANT_NAMES, ['official'], '--variant')[0];
  const top = parseCount(v.top, 25, 'top');
  await useBackend('wasm');
  const base = OFFICIAL_VARIANTS[variant].config;
  const config: ModelConfig = v.dc5 ? { ...base, dilation: true } : base;
  const model = buildModel(config, formulaWeights(config, 0));
  const rgb = new Uint8Array(H * W * 3).map((_, i) => (i * 7919) % 251);
  const { batch } = preprocess(rgb, H, W, { shortSide: Math.min(H, W), maxSize: 1333 });
  const enc = stage === 'decoder' ? model.runEncoder(batch) : undefined;
  const run = () => {
    if (stage === 'decoder') disposeDecoder(model.runDecoder(enc!));
    else if (stage === 'encoder') disposeEncoder(model.runEncoder(batch));
    else tf.dispose(model.runBackbone(batch) as unknown as tf.TensorContainer);
  };
  log(`profiling ${stage} of ${variant}${v.dc5 ? ' (DC5)' : ''} @${H}x${W}: warm-up`);
  run();
  const t0 = performance.now();
  const info = await tf.profile(run);
  const wall = performance.now() - t0;
  const byName = new Map<string, { ms: number; n: number }>();
  const byShape = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    for (const [m, key] of [[byName, k.name], [byShape, `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`]] as const) {
      const e = m.get(key) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n += 1;
      m.set(key, e);
    }
  }
  const rows = (m: Map<string, { ms: number; n: number }>) =>
    [...m.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top).map(([key, e]) => ({ key, ms: round1(e.ms), n: e.n, pct: round1((100 * e.ms) / total) }));
  if (enc) disposeEncoder(enc);
  model.dispose();
  return { stage, variant, dc5: !!v.dc5, size: `${H}x${W}`, wall_ms: round1(wall), kernel_ms: round1(total), kernels: info.kernels.length, by_kernel: rows(byName), by_shape: rows(byShape) };
}
