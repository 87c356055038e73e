import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend/useBackend';
import { formulaWeights } from '../model/formulaWeights';
import { parseFixture } from './fixture';
import { runFixture, compareFixture } from './run';
import { formatRows, type CompareRow } from './compare';
import { CPU_TOLERANCE, webgpuTolerance } from './tolerance';

/** Runs a parity fixture in the browser on the chosen backend and publishes the rows on window.__parity. */
async function main(): Promise<void> {
  const out = document.getElementById('out')!;
  const q = new URLSearchParams(location.search);
  const name = q.get('fixture') ?? 'r50_dc5_smca_e12';
  const backend = (q.get('backend') ?? 'webgpu') as 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  // ?tolerance=webgpu: the per-tensor WebGPU bounds of tolerance.ts; otherwise the cpu/wasm one.
  const w = window as unknown as { __parity?: { rows?: CompareRow[]; error?: string; backend?: string; ms?: number } };
  try {
    await useBackend(backend);
    const base = `fixtures/official/${name}/`;
    const [manifest, bin] = await Promise.all([fetch(base + 'manifest.json').then((r) => r.text()), fetch(base + 'tensors.bin').then((r) => r.arrayBuffer())]);
    const fx = parseFixture(manifest, bin);
    const t0 = performance.now();
    const tolerance = q.get('tolerance') === 'webgpu' ? webgpuTolerance(fx.config) : CPU_TOLERANCE;
    const rows = compareFixture(fx, await runFixture(fx, formulaWeights(fx.config, fx.weightSeed)), tolerance);
    const ms = performance.now() - t0;
    out.textContent = `fixture ${name} on ${tf.getBackend()} (${ms.toFixed(0)} ms), tolerance ${q.get('tolerance') ?? 'cpu'}\n${formatRows(rows)}`;
    w.__parity = { rows, backend: tf.getBackend(), ms };
  } catch (e) {
    out.textContent = `parity failed: ${e instanceof Error ? e.message : String(e)}`;
    w.__parity = { error: String(e) };
  }
}

void main();
