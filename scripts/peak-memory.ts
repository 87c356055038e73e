/**
 * npx tsx scripts/peak-memory.ts [--checkpoint FILE.pth] [--image 720x477] [--input 800]
 *
 * Memory of one app-style run on the wasm backend in Node: the worker's Engine loads the
 * checkpoint (default: a formula-weight official R50 + SMCA checkpoint written to a temp file),
 * then detects on a synthetic image of the given size at the given input size (shorter side,
 * longer side capped at 1333/800 of it, as the app does). Prints, at each stage boundary, live
 * tensors and their bytes, and the size of the wasm heap, which only grows: its final size is
 * the run's peak. tfjs-wasm's heap is capped at 4 GB; a run that needs more aborts.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { openAsBlob } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { useBackend } from '../src/backend/useBackend';
import { Engine } from '../src/worker/engine';

const { values } = parseArgs({ options: { checkpoint: { type: 'string' }, image: { type: 'string', default: '720x477' }, input: { type: 'string', default: '800' } } });
await useBackend('wasm');
const heapMb = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / 2 ** 20).toFixed(0);
const show = (what: string) => {
  const m = tf.memory();
  console.log(`${what.padEnd(28)} ${String(m.numTensors).padStart(5)} tensors ${(m.numBytes / 2 ** 20).toFixed(0).padStart(6)} MB   wasm heap ${heapMb().padStart(5)} MB`);
};

let file = values.checkpoint;
if (!file) {
  file = join(mkdtempSync(join(tmpdir(), 'lens-')), 'SAM-DETR-R50-SMCA.pth');
  execFileSync('npx', ['tsx', 'scripts/make-checkpoint.ts', '--variant', 'r50_smca_e50', '--out', file], { stdio: 'inherit' });
}
const engine = new Engine(() => 'wasm');
show('start');
await engine.loadCheckpoint(0, await openAsBlob(file), file.split('/').pop()!, () => {});
show('loaded');
const [W, H] = values.image!.split('x').map(Number);
const rgb = new Uint8ClampedArray(W * H * 4).map((_, i) => (i * 2654435761) >>> 24);
const r = await engine.detect(0, rgb, W, H, { inputSize: Number(values.input) }, (p) => show(`before ${p.stage}`));
show('after the run (traces kept)');
console.log(`input ${r.padded[1]}x${r.padded[0]}, features ${r.featW}x${r.featH}; ` + r.timings.map((t) => `${t.stage} ${t.ms.toFixed(0)} ms`).join(', '));
console.log(`peak wasm heap: ${heapMb()} MB`);
