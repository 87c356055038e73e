/**
 * npm run bench [-- --json] [--runs 5] [--size 800x1066] [--skip-official]
 *
 * Medians over several runs after a warm-up, per stage, on the wasm backend in Node:
 * - official: the official-size model (ResNet-50, SMCA, 300 queries, formula weights) at 800x1066;
 * - bundled: the bundled default model at its own input size (when public/models has it);
 * - decoder-only re-run on cached encoder memory (what the SMCA on/off comparison runs);
 * - tensor count and bytes before and after 20 runs.
 * - reference: a PyTorch ResNet-50 (tools/torch_resnet50_bench.py, 2 threads, same input size) run
 *   right after our backbone, reported as a ratio (skipped, with the reason, without python3-torch).
 * With --json prints one JSON object: { official: { wasm_node: { preprocess_ms, backbone_ms,
 * encoder_ms, decoder_ms, postprocess_ms, trace_ms, total_ms, decoder_rerun_ms } }, bundled: {...},
 * reference: { torch_resnet50_ms, backbone_ratio_wasm_node, note }, memory: { ..., peakRssMiB }, machine: {...} }.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/model/backends';
import { buildModel, type SamDetrModel } from '../src/model/model';
import { OFFICIAL_R50, type ModelConfig } from '../src/model/config';
import { formulaWeights } from '../src/model/formulaWeights';
import { preprocess } from '../src/model/preprocess';
import { postprocess } from '../src/model/postprocess';
import { disposeDecoder, disposeEncoder } from '../src/model/dispose';
import { readSafetensors } from '../src/weights/safetensors';
import { generateScene } from '../src/data/scene';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, runs: { type: 'string', default: '5' }, size: { type: 'string', default: '800x1066' }, 'skip-official': { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Times one full inference split by stage; each stage ends with a readback so the time is real. */
async function timedForward(model: SamDetrModel, rgb: Uint8Array, h: number, w: number, shortSide: number, maxSize: number) {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const { batch, resized } = preprocess(rgb, h, w, { shortSide, maxSize });
  await batch.images.data();
  t.preprocess_ms = performance.now() - t0;
  t0 = performance.now();
  const bb = model.runBackbone(batch);
  await bb.features.data();
  t.backbone_ms = performance.now() - t0;
  tf.dispose([bb.features, bb.mask, bb.pos]);
  // runEncoder recomputes the backbone; its encoder time is the difference.
  t0 = performance.now();
  const enc = model.runEncoder(batch);
  await enc.memory.data();
  t.encoder_ms = performance.now() - t0 - t.backbone_ms;
  t0 = performance.now();
  const dec = model.runDecoder(enc);
  const last = dec.layers[dec.layers.length - 1];
  await last.predLogits.data();
  t.decoder_ms = performance.now() - t0;
  t0 = performance.now();
  const dets = await postprocess(last, [resized], 100);
  t.postprocess_ms = performance.now() - t0;
  // Trace of the selected query (the top detection): per layer its boxes, points and per-head maps.
  t0 = performance.now();
  const q = dets[0][0].query;
  for (const L of dec.layers) {
    const parts = [L.crossAttn.slice([0, 0, q, 0], [1, -1, 1, -1]), L.referenceBoxes.slice([0, q, 0], [1, 1, 4])];
    if (L.salientPoints) parts.push(L.salientPoints.slice([0, q, 0, 0], [1, 1, -1, -1]));
    if (L.gaussian) parts.push(L.gaussian.slice([0, 0, q, 0], [1, -1, 1, -1]));
    await Promise.all(parts.map((p) => p.data()));
    tf.dispose(parts);
  }
  t.trace_ms = performance.now() - t0;
  t.total_ms = t.preprocess_ms + t.backbone_ms + t.encoder_ms + t.decoder_ms + t.postprocess_ms + t.trace_ms;
  t0 = performance.now();
  const rerun = model.runDecoder(enc, { smcaPrior: false });
  await rerun.layers[rerun.layers.length - 1].predLogits.data();
  t.decoder_rerun_ms = performance.now() - t0;
  disposeDecoder(rerun);
  disposeDecoder(dec);
  disposeEncoder(enc);
  tf.dispose([batch.images, batch.mask]);
  return t;
}

async function benchModel(label: string, model: SamDetrModel, rgb: Uint8Array, h: number, w: number, shortSide: number, maxSize: number) {
  await timedForward(model, rgb, h, w, shortSide, maxSize); // warm-up
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timedForward(model, rgb, h, w, shortSide, maxSize));
  const out: Record<string, number> = {};
  for (const k of Object.keys(runs[0])) out[k] = Math.round(median(runs.map((r) => r[k])) * 10) / 10;
  if (!values.json) console.log(`${label}: ${Object.entries(out).map(([k, v]) => `${k.replace('_ms', '')} ${v} ms`).join(', ')}`);
  return out;
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

async function main() {
  await useBackend('wasm');
  const result: Record<string, unknown> = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, backend: 'wasm (Node, single-threaded, SIMD)' } };
  if (!values['skip-official']) {
    const [H, W] = values.size!.split('x').map(Number);
    const config: ModelConfig = { ...OFFICIAL_R50, smca: true, inputProjGroupNorm: false };
    const model = buildModel(config, formulaWeights(config, 0));
    const rgb = new Uint8Array(H * W * 3).map((_, i) => (i * 7919) % 251);
    const t = await benchModel(`official R50 SMCA @${H}x${W} (wasm, Node)`, model, rgb, H, W, Math.min(H, W), 1333);
    result.official = { wasm_node: t };
    model.dispose();
    const ref = torchResnet50(H, W);
    result.reference = { torch_resnet50_ms: ref.ms, note: ref.note, backbone_ratio_wasm_node: ref.ms ? Math.round((t.backbone_ms / ref.ms) * 100) / 100 : null };
    if (!values.json) console.log(ref.ms ? `reference: PyTorch ResNet-50 @${H}x${W} ${ref.ms} ms; our backbone (wasm, Node) is ${(t.backbone_ms / ref.ms).toFixed(2)}x that` : `reference: ${ref.note}`);
  }
  const index = 'public/models/index.json';
  if (existsSync(index)) {
    const list = JSON.parse(readFileSync(index, 'utf8')).models as { name: string; default?: boolean }[];
    const def = list.find((m) => m.default) ?? list[0];
    const card = JSON.parse(readFileSync(`public/models/${def.name}/model.json`, 'utf8'));
    const { stateDict } = readSafetensors(readFileSync(`public/models/${def.name}/weights.safetensors`));
    const model = buildModel(card.config, stateDict);
    const size = card.inputSize as number;
    const scene = generateScene(12345, { width: size, height: size });
    const t = await benchModel(`bundled ${def.name} @${size}x${size} (wasm, Node)`, model, Uint8Array.from(scene.pixels), size, size, size, card.maxSize ?? size);
    // Memory: 20 inferences must not grow tensors.
    const before = tf.memory();
    for (let i = 0; i < 20; i++) await timedForward(model, Uint8Array.from(scene.pixels), size, size, size, card.maxSize ?? size);
    const after = tf.memory();
    result.bundled = { name: def.name, wasm_node: t };
    result.memory = { numTensorsBefore: before.numTensors, numTensorsAfter: after.numTensors, numBytesBefore: before.numBytes, numBytesAfter: after.numBytes, runs: 20, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
    if (!values.json) console.log(`memory over 20 runs: tensors ${before.numTensors} -> ${after.numTensors}, bytes ${before.numBytes} -> ${after.numBytes}`);
    model.dispose();
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
