/**
 * npx tsx scripts/bench-ms.ts [--size 800x1066] [--smca] [--runs N] [--backend wasm|cpu] [--json]
 *
 * One forward of the official-size multi-scale SAM-DETR (ResNet-50 layers 2-4, deformable
 * encoder, 300 queries, formula weights) in Node, stage by stage: time (median of --runs after a
 * warm-up); peak TF.js tensor memory per stage (tf.profile's peakBytes: the most bytes held by
 * tensors at any moment, inputs included, a reshape's view counted as new bytes, so it
 * overstates); the wasm heap after the first run (the real peak: that heap never shrinks); and
 * the tensors left afterwards. It shows that the gather-based deformable sampling
 * (src/model/msDeformAttn.ts) fits at 800x1066, where the stride-8 level alone has 13,400 tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { buildModel } from '../src/model/model';
import { OFFICIAL_R50, type ModelConfig } from '../src/model/config';
import { formulaWeights } from '../src/model/formulaWeights';
import { preprocess } from '../src/model/preprocess';
import { disposeDecoder, disposeEncoder } from '../src/model/dispose';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '800x1066' },
    smca: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'boolean', default: false },
  },
});
const log = (s: string) => (values.json ? console.error(s) : console.log(s));
const MiB = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

async function main() {
  await useBackend(values.backend as 'wasm' | 'cpu');
  const [H, W] = values.size!.split('x').map(Number);
  const config: ModelConfig = { ...OFFICIAL_R50, multiscale: true, smca: values.smca! };
  const model = buildModel(config, formulaWeights(config, 0));
  const rgb = new Uint8ClampedArray(H * W * 3).map((_, i) => (i * 7919) % 251);
  const runs = Number(values.runs);
  // tfjs-wasm's heap only grows, so its size after a run is the real peak of everything the
  // backend allocated (tf.memory().numBytes counts a reshape's view as new bytes, so its peak
  // overstates).
  const heapMiB = () => {
    const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
    return wasm ? MiB(wasm.HEAPU8.buffer.byteLength) : null;
  };

  /** One forward: per stage its wall time (ending on a read) and, when profiled, peak bytes. */
  async function forward(profile: boolean) {
    const stages: Record<string, { ms: number; peakMiB?: number }> = {};
    const bytesBefore = tf.memory().numBytes;
    const pre = preprocess(rgb, H, W, { shortSide: Math.min(H, W), maxSize: 1333 });
    const stage = async <T>(name: string, f: () => T, settle: (x: T) => tf.Tensor): Promise<T> => {
      const t0 = performance.now();
      let out!: T;
      if (profile) {
        const info = await tf.profile(async () => {
          out = f();
          await settle(out).data();
          return [];
        });
        stages[name] = { ms: performance.now() - t0, peakMiB: MiB(info.peakBytes) };
      } else {
        out = f();
        await settle(out).data();
        stages[name] = { ms: performance.now() - t0 };
      }
      return out;
    };
    const bb = await stage('backbone', () => model.runBackbone(pre.batch), (x) => x.features);
    const enc = await stage('encoder', () => model.runEncoder(pre.batch, {}, bb), (x) => x.memory);
    tf.dispose(bb.levels!.flatMap((l) => [l.features, l.mask, l.pos]));
    const dec = await stage('decoder', () => model.runDecoder(enc), (x) => x.layers[x.layers.length - 1].predBoxes);
    const shapes = enc.levels!.map((l) => [l.featH, l.featW]);
    const kept = tf.memory().numBytes - bytesBefore;
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([pre.batch.images, pre.batch.mask]);
    return { stages, shapes, keptMiB: MiB(kept), padded: [pre.batch.images.shape[1], pre.batch.images.shape[2]] };
  }

  // CHECK_COMPUTATION_FOR_ERRORS reads every kernel output back while profiling; off, the
  // profiled run costs about what a plain one does.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  // A first run creates the weight tensors (they are uploaded on first use) and warms the kernels.
  const warm = await forward(false);
  log(`warm-up: ${Object.entries(warm.stages).map(([k, v]) => `${k} ${Math.round(v.ms)} ms`).join(', ')}`);
  const weightBytes = tf.memory().numBytes;
  const heapAfterWarmup = heapMiB();
  const tensorsBefore = tf.memory().numTensors;
  const prof = await forward(true);
  log(`levels ${JSON.stringify(prof.shapes)} (padded input ${prof.padded.join('x')}); peak tensor memory per stage (MiB, weights ${MiB(weightBytes)} included): ${Object.entries(prof.stages).map(([k, v]) => `${k} ${v.peakMiB}`).join(', ')}; encoder + decoder outputs held after the run ${prof.keptMiB} MiB`);
  const times: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const r = await forward(false);
    for (const [k, v] of Object.entries(r.stages)) (times[k] ??= []).push(v.ms);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [`${k}_ms`, Math.round(median(v))]));
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  const result = {
    config: `multi-scale SAM-DETR R50${config.smca ? ' + SMCA' : ''}, formula weights`, backend: `${values.backend} (Node)`, size: `${H}x${W}`,
    levels: prof.shapes, ...ms, total_ms: total, runs,
    peak_mib: Object.fromEntries(Object.entries(prof.stages).map(([k, v]) => [k, v.peakMiB])), weights_mib: MiB(weightBytes), outputs_kept_mib: prof.keptMiB,
    wasm_heap_mib: heapAfterWarmup, tensors_leaked: tf.memory().numTensors - tensorsBefore, rss_peak_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  log(`${Object.entries(ms).map(([k, v]) => `${k.replace('_ms', '')} ${v} ms`).join(', ')}, total ${total} ms (median of ${runs}); wasm heap after the first run (its peak, weights included) ${heapAfterWarmup ?? '-'} MiB; tensors leaked ${result.tensors_leaked}; peak RSS ${result.rss_peak_mib} MiB`);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
