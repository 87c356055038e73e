/**
 * npm run parity -- --fixture DIR [--checkpoint FILE.pth] [--backend cpu|wasm] [--detections FILE.json]
 * Builds the model from a fixture's config, with weights from the fixture formula (or a
 * checkpoint), runs the fixture inputs and compares every tensor. Exits 1 on any failure.
 * --detections writes our postprocessed detections, [{"image", "query", "label", "score",
 * "box": [x1, y1, x2, y2]}], so that they can be checked against the fixture independently.
 */
import { writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFixture } from '../src/parity/fixture';
import { runFixture, compareFixture, detectionsOf } from '../src/parity/run';
import { formatRows } from '../src/parity/compare';
import { formulaWeights } from '../src/model/formulaWeights';
import { useBackend } from '../src/backend/useBackend';
import type { StateDict } from '../src/model/types';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { fixture: { type: 'string' }, checkpoint: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, detections: { type: 'string' } } });
  if (!values.fixture) {
    console.error('usage: npm run parity -- --fixture DIR [--checkpoint FILE.pth] [--backend cpu|wasm] [--detections FILE.json]');
    return 2;
  }
  const backend = values.backend as 'cpu' | 'wasm';
  if (backend !== 'cpu' && backend !== 'wasm') {
    console.error(`unknown backend "${backend}" (cpu or wasm in Node)`);
    return 2;
  }
  await useBackend(backend);
  const manifest = await readFile(join(values.fixture, 'manifest.json'), 'utf8');
  const bin = await readFile(join(values.fixture, 'tensors.bin'));
  const fx = parseFixture(manifest, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let weights: StateDict;
  if (values.checkpoint) {
    const { loadCheckpointFile } = await import('./lib/loadCheckpointFile');
    weights = await loadCheckpointFile(values.checkpoint, fx.config);
  } else {
    weights = formulaWeights(fx.config, fx.weightSeed);
  }
  const t0 = performance.now();
  const ours = await runFixture(fx, weights);
  const ms = performance.now() - t0;
  const rows = compareFixture(fx, ours);
  console.log(`fixture ${fx.variant} (${values.fixture}), backend ${backend}, weights ${values.checkpoint ?? `formula seed ${fx.weightSeed}`}, forward+readback ${ms.toFixed(0)} ms`);
  console.log(formatRows(rows));
  if (values.detections) {
    const records = detectionsOf(ours).flatMap((dets, image) => dets.map((d) => ({ image, query: d.query, label: d.label, score: d.score, box: Array.from(d.box) })));
    await writeFile(values.detections, JSON.stringify(records));
    console.log(`wrote ${records.length} detections to ${values.detections}`);
  }
  return rows.every((r) => r.pass) ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`parity: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
