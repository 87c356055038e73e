import { execFileSync } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ByteSource, blobSource } from '../../src/checkpoint/byteSource';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaCheckpoint, variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { type LoadProgress, loadStateDict } from '../../src/checkpoint/loadStateDict';
import { openFileSink } from '../../src/checkpoint/nodeSink';
import { openFileSource } from '../../src/checkpoint/nodeSource';
import { torchSave } from '../../src/checkpoint/torchSave';

/**
 * Full-size official-layout checkpoints (about 250 MB with optimizer state), written to the
 * temp folder and loaded back: every weight must equal the formula, the optimizer tensors must
 * never be read, and memory must grow by about the model's size only.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

/** Counts the bytes a loader asks for. */
function counting(src: ByteSource): { bytes: number; src: ByteSource } {
  const c: { bytes: number; src: ByteSource } = {
    bytes: 0,
    src: { ...src, read: (o: number, n: number) => ((c.bytes += n), src.read(o, n)) },
  };
  return c;
}

/** Names, order and shapes of every tensor; values of every 4th tensor and of the tied bbox_embed ones (recomputing all 59M would double the test's time). */
function checkFormula(stateDict: Map<string, { shape: number[]; data: Float32Array }>, variant: string, seed: number) {
  const layout = expectedStateDictShapes(variantConfig(variant).config);
  expect([...stateDict.keys()]).toEqual(layout.map(([k]) => k));
  expect([...stateDict.values()].map((t) => t.shape)).toEqual(layout.map(([, s]) => s));
  const bad = layout
    .filter(([name], i) => i % 4 === 0 || name.includes('bbox_embed'))
    .filter(([name, shape]) => {
      const got = stateDict.get(name)!.data;
      return Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(formulaTensor(name, shape, seed).buffer)) !== 0;
    });
  expect(bad.map(([n]) => n)).toEqual([]);
}

describe('full-size checkpoints', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samdetr-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('r50_smca_e50 (zip, from the script): loads with progress, skips the optimizer, memory ~ model size', async () => {
    // Written by the script in a child process, so this process's RSS holds only what loading adds.
    const file = join(dir, 'r50_smca_e50.pth');
    const { config } = variantConfig('r50_smca_e50');
    const t0 = performance.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/make-checkpoint.ts', '--variant', 'r50_smca_e50', '--seed', '0', '--out', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/wrote .*r50_smca_e50\.pth \(r50_smca_e50, seed 0, zip format\)/);
    const writeS = (performance.now() - t0) / 1000;
    const fileBytes = (await stat(file)).size;

    gc();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const progress: LoadProgress[] = [];
    const file_ = await openFileSource(file);
    const src = counting(file_);
    const t1 = performance.now();
    const r = await loadStateDict(src.src, {
      onProgress(p) {
        progress.push(p);
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    const loadS = (performance.now() - t1) / 1000;
    await file_.close();
    peak = Math.max(peak, process.memoryUsage().rss);

    const modelBytes = [...r.stateDict.values()].reduce((n, t) => n + t.data.byteLength, 0);
    const growth = peak - rss0;
    console.log(
      `full-size zip checkpoint: file ${(fileBytes / MiB).toFixed(1)} MiB written by the script in ${writeS.toFixed(1)} s (incl. tsx start); ` +
        `loaded ${r.stateDict.size} tensors (${(modelBytes / MiB).toFixed(1)} MiB float32) in ${loadS.toFixed(2)} s; ` +
        `read ${(src.bytes / MiB).toFixed(1)} MiB of the file; peak RSS growth ${(growth / MiB).toFixed(0)} MiB`,
    );

    expect(r.format).toBe('zip');
    expect(r.detected).toEqual(config);
    expect(r.epoch).toBe(49);
    expect(r.args).toMatchObject({ smca: true, epochs: 50, dilation: false });
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(r.notes).toEqual([]);
    // Progress: starts at 0, never goes back, ends at the total, which is the model's bytes.
    expect(progress[0]).toEqual({ loaded: 0, total: modelBytes });
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1].loaded)).toBe(true);
    expect(progress.at(-1)!.loaded).toBe(modelBytes);
    // The optimizer's exp_avg tensors (~20 MB) sit in the file but are never read.
    expect(fileBytes - modelBytes).toBeGreaterThan(19 * MiB);
    expect(src.bytes - modelBytes).toBeLessThan(1 * MiB);
    // Memory: the float32 weights themselves, plus slack for the allocator, not the file.
    expect(growth).toBeLessThan(modelBytes + 64 * MiB);
    checkFormula(r.stateDict, 'r50_smca_e50', 0);
  });

  it('r50_e12 (legacy), read through a Blob (the browser path)', async () => {
    const file = join(dir, 'r50_e12_legacy.pth');
    const { config, epochs } = variantConfig('r50_e12');
    const sink = await openFileSink(file);
    await torchSave(sink, formulaCheckpoint(config, { seed: 7, epochs }), { format: 'legacy' });
    await sink.close();
    const t0 = performance.now();
    const r = await loadStateDict(blobSource(await openAsBlob(file), 'r50_e12_legacy.pth'));
    console.log(`full-size legacy checkpoint via Blob: ${r.stateDict.size} tensors in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    expect(r.format).toBe('legacy');
    expect(r.detected).toEqual(variantConfig('r50_e12').config);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    checkFormula(r.stateDict, 'r50_e12', 7);
  });
});
