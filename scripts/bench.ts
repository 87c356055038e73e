/**
 * npm run bench [-- --json] [--runs N] [--size 800x1066] [--skip-official] [--skip-browser]
 *               [--official-repo-sam DIR] [--official-repo-detr DIR] [--reference-runs N] [--reference-threads N]
 *               [browser options of scripts/bench-browser.ts: --official-backends wasm,webgl,webgpu,
 *                --backends ..., --load-runs N, --interactions N, --memory-runs N, --only ..., --build, --no-build]
 *
 * Node rows (tfjs-wasm in this process, single-threaded SIMD, the project's BatchMatMul), then,
 * unless --skip-browser, the Chromium rows of scripts/bench-browser.ts (see its header), merged
 * into one result. Medians over --runs runs (Node: 5; Chromium: 3 official, 5 bundled) after one
 * warm-up, per stage, through the app's Engine (src/bench/engineRun.ts: the same code in Node and
 * in the browser worker):
 * - official, official_ms, official_detr: the official-size SAM-DETR R50 + SMCA, multi-scale
 *   SAM-DETR R50-MS + SMCA and DETR-R50 (src/bench/officialVariants.ts; formula weights) at 800x1066
 *   (--official-variants picks some; --skip-official skips these rows in Node and Chromium);
 * - bundled: the bundled default model (public/models/index.json) at its own input size;
 * - decoder-only re-run with the SMCA prior off on the cached encoder output (the SMCA on/off view);
 * - tensor count and bytes before and after 20 runs;
 * - reference: a PyTorch ResNet-50 (tools/torch_resnet50_bench.py, 2 threads, same input size) run
 *   right after our Node backbone, reported as a ratio (skipped, with the reason, without python3-torch);
 * - reference.<row>: the official PyTorch model of each official row (tools/official_bench.py:
 *   the official code's own build, CPU, --reference-threads (2), --reference-runs (3) after a
 *   warm-up, same input size), run right after that row's Node timing. It needs a local checkout
 *   of the official code: --official-repo-sam DIR (github.com/ZhangGongjie/SAM-DETR) for official
 *   and official_ms, --official-repo-detr DIR (github.com/facebookresearch/detr) for official_detr.
 *   Nothing is downloaded at run time: without the option the row says so and is skipped.
 *   Ratios go into the Chromium wasm row (same thread count as the reference):
 *   ratio_whole = (backbone + encoder + decoder + postprocess, ours; sum of stage medians)
 *     / official whole (model forward + PostProcess); neither side counts image preprocessing;
 *   ratio_transformer = (encoder + decoder + postprocess, ours) / official after_backbone
 *     (input_proj + Transformer + heads + PostProcess: everything after the backbone Joiner,
 *     whose output, features + mask + sine positions, is also what our backbone stage ends with).
 *
 * JSON keys (--json prints one object):
 *   official[_ms|_detr].wasm_node.{preprocess_ms, backbone_ms, encoder_ms, decoder_ms, postprocess_ms, trace_ms,
 *     total_ms, decoder_rerun_ms, detect_wall_ms, runs}
 *   official.<wasm|webgl|webgpu>_chromium.{the same, load_ms, threads (wasm), software, device}
 *     or {skipped: reason} / {error}
 *   bundled.name, bundled.wasm_node.{...}, bundled.<backend>_chromium.{...}
 *   memory.{numTensorsBefore, numTensorsAfter, numBytesBefore, numBytesAfter, runs, peakRssMiB} (Node)
 *   memory_chromium.<backend>.{tensors_before, tensors_after, bytes_before, bytes_after, runs}
 *   reference.{torch_resnet50_ms, note, backbone_ratio_wasm_node, backbone_ratio_wasm_chromium}
 *   reference.<official|official_ms|official_detr>.{variant, whole_ms, backbone_ms, transformer_ms, encoder_ms,
 *     decoder_ms, heads_ms, postprocess_ms, after_backbone_ms, runs, runs_whole_ms, threads, params, outputs_finite,
 *     blas, layout, torch, torchvision, note} or {skipped: reason} / {error}
 *   <official row>.wasm_chromium.{ratio_whole, ratio_transformer, ratio_threads}
 *   page_load.{<backend>_first_detection_ms, <backend>_model_loaded_ms, <backend>_backend_ready_ms, <backend>_loads}
 *   interaction.{select_query, select_query_fetch, toggle_head, change_layer, change_threshold}_{ms, max_ms, paint_ms, n}
 *   machine.{cpus, cpu, node, backend}, browser.{chromium, flags}
 * Stage meanings: preprocess, backbone, encoder, decoder, postprocess as src/worker/engine.ts times
 * them (each ends with a read so GPU work is counted); trace = the app's slice request for the top
 * query; total = the stages + trace; detect_wall_ms = the whole detect call.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { buildModel } from '../src/model/model';
import type { ModelConfig } from '../src/model/config';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES, type OfficialVariant } from '../src/bench/officialVariants';
import { formulaWeights } from '../src/model/formulaWeights';
import { readSafetensors } from '../src/checkpoint/safetensors';
import { generateScene } from '../src/data/scene';
import { Engine } from '../src/worker/engine';
import { benchInfo, medians, timedEngineRun, type StageTimes } from '../src/bench/engineRun';
import { BROWSER_ARG_OPTIONS, browserOptions, ensureDist, formatTable, gitState, runBrowserBench } from './bench-browser';

const { values } = parseArgs({
  options: {
    ...BROWSER_ARG_OPTIONS, // json, runs, size, skip-official and the browser options
    'skip-browser': { type: 'boolean', default: false },
    'official-repo-sam': { type: 'string' },
    'official-repo-detr': { type: 'string' },
    'reference-runs': { type: 'string', default: '3' },
    'reference-threads': { type: 'string', default: '2' },
  },
});
const RUNS = Number(values.runs ?? 5);
const log = (s: string) => (values.json ? console.error(s) : console.log(s));

type Json = Record<string, unknown>;
/** The recorded official state_dict layouts: tools/official_bench.py checks the model it builds against them. */
const LAYOUTS = 'test/fixtures/pth/official_state_dict_layouts.json';

async function benchEngine(label: string, engine: Engine, rgb: Uint8ClampedArray, w: number, h: number, opts: { inputSize: number; maxSize: number }, smca: boolean, memoryRuns = 0) {
  const one = () => timedEngineRun(engine, 0, rgb, w, h, opts, smca);
  const warm = await one();
  log(`${label}: warm-up ${Math.round(warm.total_ms)} ms`);
  const before = tf.memory();
  const runs: StageTimes[] = [];
  for (let i = 0; i < Math.max(RUNS, memoryRuns); i++) {
    const r = await one();
    if (i < RUNS) {
      runs.push(r);
      if (r.total_ms > 5000) log(`  run ${i + 1}/${RUNS}: total ${Math.round(r.total_ms)} ms`);
    }
  }
  const after = tf.memory();
  const out: Json = { ...medians(runs), runs: RUNS };
  log(`${label}: ${Object.entries(out).filter(([k]) => k.endsWith('_ms')).map(([k, v]) => `${k.replace('_ms', '')} ${v} ms`).join(', ')}`);
  const memory = { tensors_before: before.numTensors, tensors_after: after.numTensors, bytes_before: before.numBytes, bytes_after: after.numBytes, runs: Math.max(RUNS, memoryRuns) };
  return { out, memory };
}

/**
 * PyTorch ResNet-50 at the same input size and 2 threads (tools/torch_resnet50_bench.py), run right
 * after our backbone so both see the same machine load. Null (with the reason) when python3 has no torch.
 */
function torchResnet50(h: number, w: number): { ms: number | null; note: string } {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['tools/torch_resnet50_bench.py', '--height', String(h), '--width', String(w), '--runs', String(RUNS), '--threads', '2'], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = /No module named 'torch'/.test(r.stderr ?? '') ? 'python3-torch is not installed (apt-get install python3-torch)' : (r.stderr || r.error?.message || 'failed').trim().split('\n').pop();
    return { ms: null, note: `skipped: ${why}` };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ms: Math.round(out.median_ms * 10) / 10, note: `PyTorch ${out.torch}, ${out.threads} threads, ResNet-50 to layer4, median of ${RUNS}` };
}

/**
 * The official PyTorch model of an official row (tools/official_bench.py), from the local checkout
 * given on the command line; {skipped} without one (no download at run time), {error} if it fails.
 */
function officialReference(row: OfficialVariant, h: number, w: number): Json {
  const v = OFFICIAL_VARIANTS[row];
  const detr = v.config.decoder === 'detr';
  const opt = detr ? 'official-repo-detr' : 'official-repo-sam';
  const repo = values[opt];
  const where = detr ? 'github.com/facebookresearch/detr' : 'github.com/ZhangGongjie/SAM-DETR';
  if (!repo) return { variant: v.variant, skipped: `no --${opt} (a local checkout of ${where}; the bench never downloads)` };
  if (!existsSync(repo)) return { variant: v.variant, skipped: `--${opt} ${repo} does not exist` };
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const args = ['tools/official_bench.py', '--repo', repo, '--variant', v.variant, '--height', String(h), '--width', String(w),
    '--threads', values['reference-threads']!, '--runs', values['reference-runs']!];
  if (existsSync(LAYOUTS)) args.push('--layouts', LAYOUTS);
  const r = spawnSync(py, args, { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) {
    const last = (r.stderr || r.error?.message || 'failed').trim().split('\n').pop();
    return { variant: v.variant, error: /No module named '(torch|torchvision)'/.test(r.stderr ?? '') ? `${last} (apt-get install python3-torch python3-torchvision)` : last };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Json;
}

/** Ratios of one official row's Chromium wasm stages to its official PyTorch reference (see the header). */
function officialRatios(row: Json | undefined, ref: Json | undefined): Json | undefined {
  if (!row || !ref || typeof ref.whole_ms !== 'number' || typeof row.backbone_ms !== 'number') return undefined;
  const n = (k: string) => row[k] as number;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const afterBackbone = n('encoder_ms') + n('decoder_ms') + n('postprocess_ms');
  return {
    ratio_whole: r2((n('backbone_ms') + afterBackbone) / ref.whole_ms),
    ratio_transformer: r2(afterBackbone / (ref.after_backbone_ms as number)),
    ratio_threads: `wasm ${row.threads ?? '?'} / torch ${ref.threads}`,
  };
}

async function main() {
  const browserOpts = browserOptions(values);
  // Build dist/ (if stale) before the Node rows, so that both halves measure the same sources.
  if (!values['skip-browser']) ensureDist(browserOpts, log);
  await useBackend('wasm');
  const result: Json = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, backend: 'wasm (Node, single-threaded, SIMD)', git: gitState() } };
  const engine = new Engine(() => 'wasm');
  if (!values['skip-official']) {
    const [H, W] = values.size!.split('x').map(Number);
    const short = Math.min(H, W);
    const rgb = new Uint8ClampedArray(H * W * 3).map((_, i) => (i * 7919) % 251);
    for (const variant of browserOpts.officialVariants) {
      const v = OFFICIAL_VARIANTS[variant];
      engine.install(0, buildModel(v.config, formulaWeights(v.config, 0)), benchInfo(variant, v.config, short, 1333));
      const { out } = await benchEngine(`${v.label} @${H}x${W} (wasm, Node)`, engine, rgb, W, H, { inputSize: short, maxSize: 1333 }, v.smca);
      result[variant] = { wasm_node: out };
      engine.disposeAll();
      const oref = officialReference(variant, H, W);
      result.reference = { ...(result.reference as Json | undefined), [variant]: oref };
      log(typeof oref.whole_ms === 'number'
        ? `reference: official PyTorch ${v.variant} @${H}x${W}, ${oref.threads} threads: whole ${oref.whole_ms} ms (backbone ${oref.backbone_ms}, transformer ${oref.transformer_ms}, after backbone ${oref.after_backbone_ms}); ${oref.layout ?? ''}`
        : `reference: official PyTorch ${v.variant}: ${oref.skipped ? 'skipped: ' + oref.skipped : 'error: ' + oref.error}`);
      if (variant !== 'official') continue;
      const ref = torchResnet50(H, W);
      const bb = out.backbone_ms as number;
      result.reference = { ...(result.reference as Json | undefined), torch_resnet50_ms: ref.ms, note: ref.note, backbone_ratio_wasm_node: ref.ms ? Math.round((bb / ref.ms) * 100) / 100 : null };
      log(ref.ms ? `reference: PyTorch ResNet-50 @${H}x${W} ${ref.ms} ms; our backbone (wasm, Node) is ${(bb / ref.ms).toFixed(2)}x that` : `reference: ${ref.note}`);
    }
  }
  const index = 'public/models/index.json';
  if (existsSync(index)) {
    const list = JSON.parse(readFileSync(index, 'utf8')).models as { name: string; default?: boolean }[];
    const def = list.find((m) => m.default) ?? list[0];
    const card = JSON.parse(readFileSync(`public/models/${def.name}/model.json`, 'utf8'));
    const { stateDict } = readSafetensors(readFileSync(`public/models/${def.name}/weights.safetensors`));
    const config = card.config as ModelConfig;
    const size = card.inputSize as number;
    const maxSize = card.maxSize ?? size;
    engine.install(0, buildModel(config, stateDict), benchInfo(def.name, config, size, maxSize));
    const scene = generateScene(12345, { width: size, height: size });
    const smca = config.smca && config.decoder === 'sam';
    const { out, memory } = await benchEngine(`bundled ${def.name} @${size}x${size} (wasm, Node)`, engine, Uint8ClampedArray.from(scene.pixels), size, size, { inputSize: size, maxSize }, smca, 20);
    result.bundled = { name: def.name, wasm_node: out };
    result.memory = {
      numTensorsBefore: memory.tensors_before, numTensorsAfter: memory.tensors_after, numBytesBefore: memory.bytes_before, numBytesAfter: memory.bytes_after,
      runs: memory.runs, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    log(`memory over ${memory.runs} runs (Node): tensors ${memory.tensors_before} -> ${memory.tensors_after}, bytes ${memory.bytes_before} -> ${memory.bytes_after}`);
    engine.disposeAll();
  }
  if (!values['skip-browser']) {
    const b = await runBrowserBench({ ...browserOpts, build: false, noBuild: true }, log);
    for (const [k, v] of Object.entries(b)) {
      const cur = result[k];
      result[k] = cur && typeof cur === 'object' && v && typeof v === 'object' ? { ...(cur as Json), ...(v as Json) } : v;
    }
    // The reference ran beside the Node backbone; against the Chromium one it is only indicative (another moment's load).
    const ref = result.reference as Json | undefined;
    const chromiumBb = ((result.official as Json | undefined)?.wasm_chromium as Json | undefined)?.backbone_ms;
    if (ref && typeof ref.torch_resnet50_ms === 'number' && typeof chromiumBb === 'number') ref.backbone_ratio_wasm_chromium = Math.round((chromiumBb / ref.torch_resnet50_ms) * 100) / 100;
    for (const variant of browserOpts.officialVariants) {
      const row = (result[variant] as Json | undefined)?.wasm_chromium as Json | undefined;
      const ratios = officialRatios(row, ref?.[variant] as Json | undefined);
      if (row && ratios) Object.assign(row, ratios);
    }
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log('');
    for (const l of formatTable(result)) console.log(l);
    const mem = result.memory as Json | undefined;
    if (mem) console.log(`memory (Node wasm) over ${mem.runs} runs: tensors ${mem.numTensorsBefore} -> ${mem.numTensorsAfter}, bytes ${mem.numBytesBefore} -> ${mem.numBytesAfter}, peak RSS ${mem.peakRssMiB} MiB`);
    const ref = result.reference as Json | undefined;
    if (ref && 'torch_resnet50_ms' in ref) console.log(`reference: PyTorch ResNet-50 ${ref.torch_resnet50_ms ?? '-'} ms (${ref.note}); backbone ratio wasm Node ${ref.backbone_ratio_wasm_node ?? '-'}, wasm Chromium ${ref.backbone_ratio_wasm_chromium ?? '-'}`);
    for (const variant of OFFICIAL_VARIANT_NAMES) {
      const o = ref?.[variant] as Json | undefined;
      if (!o) continue;
      const label = `reference: official PyTorch ${o.variant} (row ${variant})`;
      if (typeof o.whole_ms !== 'number') {
        console.log(`${label}: ${o.skipped ? 'skipped: ' + o.skipped : 'error: ' + o.error}`);
        continue;
      }
      const c = (result[variant] as Json | undefined)?.wasm_chromium as Json | undefined;
      console.log(`${label}, ${o.threads} threads: whole ${o.whole_ms} ms, backbone ${o.backbone_ms}, transformer ${o.transformer_ms} (encoder ${o.encoder_ms}, decoder ${o.decoder_ms}), heads ${o.heads_ms}, postprocess ${o.postprocess_ms}, after backbone ${o.after_backbone_ms} ms`
        + (c?.ratio_whole !== undefined ? `; wasm Chromium (${c.ratio_threads}): whole ${c.ratio_whole}x, encoder+decoder+postprocess ${c.ratio_transformer}x` : ''));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
