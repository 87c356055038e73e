import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { openCheckpoint } from '../../src/checkpoint/checkpoint';
import { CheckpointError } from '../../src/checkpoint/errors';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { toPlain } from '../../src/checkpoint/pyTypes';
import { TensorRef } from '../../src/checkpoint/tensor';
import { inspectFile } from '../../scripts/lib/inspectFile';
import { readSafetensorsBlob } from '../../src/checkpoint/safetensors';
import { NO_CHECKSUM_NOTE } from '../../src/checkpoint/integrity';

/**
 * Every hostile file of test/fixtures/hostile (made by scripts/make-hostile-fixtures.ts) through
 * the inspector, i.e. the app's loader: the answer expected.json names, within a time bound
 * that is a safety net (a hang or a superlinear blow-up), not a benchmark.
 */
const DIR = 'test/fixtures/hostile';
const expected: Record<string, { why: string; code?: string; message?: string; ok?: true; warning?: string; note?: string }> = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8'));
const BOUND_MS = 2000;

describe('hostile files: a typed answer, quickly', () => {
  it.each(Object.keys(expected))('%s', async (file) => {
    const e = expected[file];
    const t0 = performance.now();
    const r = await inspectFile(`${DIR}/${file}`);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(BOUND_MS);
    if (e.code) {
      expect(r.ok ? 'loaded' : r.error.code).toBe(e.code);
      if (!r.ok) expect(r.error.message.length).toBeLessThan(300);
      if (!r.ok && e.message) expect(r.error.message).toMatch(new RegExp(e.message));
    } else {
      expect(r.ok ? 'loaded' : `${r.error.code}: ${r.error.message}`).toBe('loaded');
      if (!r.ok) return;
      if (e.warning) expect(r.warnings.join('\n')).toMatch(new RegExp(e.warning));
      else expect(r.warnings).toEqual([]);
      if (e.note) expect(r.notes.join('\n')).toMatch(new RegExp(e.note));
    }
  });

  it('covers every attack class of issue 13', () => {
    // One file per case the issue reports; renaming one without the other fails here.
    for (const f of ['invalid-utf8.pth', 'cd-name-past-end.pth', 'cd-extra-past-end.pth', 'cd-zip64-short.pth', 'null-entry.safetensors',
      'args-self-ref.pth', 'args-deep-list.pth', 'billion-laughs.pth', 'long4-200k.pth', 'marks-1e6.pth', 'memoize-2e6.pth',
      'stride0-views.pth', 'overlapping-views.pth', 'deflate-bomb.pth', 'negative-offset.pth', 'size-mismatch.pth', 'crc-mismatch.pth',
      'duplicate-names.pth', 'nan-weights.pth', 'stray-layer-key.pth', 'zero-hidden-dim.pth']) {
      expect(expected[f], f).toBeDefined();
    }
  });

  it('covers every reader attack class of issue 23', () => {
    for (const f of ['dicts-25m.pth', 'dicts-legacy.pth', 'key-billion-laughs.pth', 'key-deep-list.pth', 'key-shared-string.pth',
      'legacy-view-storages.pth', 'zip-nested-entries.pth', 'legacy-id-collision.pth', 'st-many-empty.safetensors', 'st-duplicate-key.safetensors',
      'st-hole.safetensors', 'st-trailing.safetensors', 'crc-optimizer.pth', 'legacy-string-claim.pth']) {
      expect(expected[f], f).toBeDefined();
    }
  });

  it('all of them in one process under a 512 MB heap: peak memory grows by less than 300 MB', () => {
    // A child with a capped heap: a file that makes the reader build gigabytes kills it
    // (no output, a non-zero status) instead of this test run. maxRSS is the peak, so one
    // reading after all files bounds every one of them.
    const files = Object.keys(expected).map((f) => `${DIR}/${f}`);
    const script = `import { inspectFile } from './scripts/lib/inspectFile.ts';
      const before = process.resourceUsage().maxRSS;
      const codes = [];
      for (const f of process.argv.slice(1)) { const r = await inspectFile(f); codes.push(r.ok ? 'ok' : r.error.code); }
      console.log(JSON.stringify({ codes, growthKiB: process.resourceUsage().maxRSS - before }));`;
    const out = execFileSync(process.execPath, ['--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', script, ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const { codes, growthKiB } = JSON.parse(out.trim().split('\n').pop()!);
    expect(codes).toEqual(Object.values(expected).map((e) => e.code ?? 'ok'));
    expect(growthKiB / 1024).toBeLessThan(300);
  });
});

describe('issue 23: what the answers hold', () => {
  it('foreign root keys are described by type and size', async () => {
    const extras = await Promise.all(['key-billion-laughs.pth', 'key-deep-list.pth', 'key-shared-string.pth'].map(async (f) => {
      const r = await inspectFile(`${DIR}/${f}`);
      return r.ok ? r.extras : [r.error.message];
    }));
    expect(extras).toEqual([['args', '<list of 10 items>'], ['args', '<list of 1 item>'], ['args', '<list of 2000 items>']]);
  });

  it('legacy-id-collision.pth: the int8 root "a/b" keeps its own values beside root "a" viewed as "b"', async () => {
    const ck = await openCheckpoint(bytesSource(readFileSync(`${DIR}/legacy-id-collision.pth`)));
    const model = (toPlain(ck.root) as { model: Record<string, TensorRef> }).model;
    const bias = model['transformer.decoder.layers.0.norm1.bias'];
    const weight = model['transformer.decoder.layers.0.norm1.weight'];
    expect([bias.dtype, Array.from((await bias.read()) as Int8Array)]).toEqual(['int8', [7, 7, 7, 7]]);
    expect([weight.dtype, Array.from((await weight.read()) as Float32Array)]).toEqual(['float32', [1, 1, 1, 1]]);
  });

  it('legacy-string-claim.pth: refused after the first 64 KiB, not after reading the whole file', async () => {
    const bytes = readFileSync(`${DIR}/legacy-string-claim.pth`);
    let read = 0;
    const src = bytesSource(bytes);
    const counted = { ...src, read: (o: number, n: number) => ((read += n), src.read(o, n)) };
    const err = await openCheckpoint(counted).then(() => null, (e: unknown) => e);
    expect((err as CheckpointError).code).toBe('truncated');
    expect(read).toBeLessThanOrEqual(65536 + 8);
    expect(bytes.length).toBeGreaterThan(2 * 65536);
  });

  it('crc-optimizer.pth loads for the app (the model is intact), and inspect --quick says what it skipped', async () => {
    const r = await loadStateDict(bytesSource(readFileSync(`${DIR}/crc-optimizer.pth`)));
    expect(r.format).toBe('zip');
    const quick = await inspectFile(`${DIR}/crc-optimizer.pth`, { quick: true });
    expect(quick.ok && quick.integrity).toMatch(/--quick: the other entries were not checked/);
    const full = await inspectFile('test/fixtures/pth/mini.pth');
    expect(full.ok && full.integrity).toMatch(/^CRC-32 of all \d+ zip entries checked/);
  });

  it('legacy and safetensors files say they carry no checksum', async () => {
    const legacy = await inspectFile('test/fixtures/pth/mini_legacy.pth');
    const st = await inspectFile('test/fixtures/detr-baseline-15-epochs/weights.safetensors');
    expect([legacy.ok && legacy.integrity, st.ok && st.integrity]).toEqual([NO_CHECKSUM_NOTE, NO_CHECKSUM_NOTE]);
  });
});

describe('the loader API reports non-finite weights', () => {
  it('nan-weights.pth: names, counts and one warning sentence', async () => {
    const r = await loadStateDict(bytesSource(readFileSync(`${DIR}/nan-weights.pth`)));
    expect(r.nonFinite.map((n) => [n.name, n.count]).sort()).toEqual([['class_embed.0.bias', 2], ['query_embed.weight', 1]]);
    expect(r.warnings).toHaveLength(1);
  });

  it('a clean model has none', async () => {
    const r = await loadStateDict(bytesSource(readFileSync(`${DIR}/stray-layer-key.pth`)));
    expect(r.nonFinite).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('npm run inspect', () => {
  const cli = (...args: string[]) => {
    try {
      return { status: 0, out: execFileSync(process.execPath, ['--import', 'tsx', 'scripts/inspect.ts', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const x = e as { status: number; stdout: string };
      return { status: x.status, out: x.stdout };
    }
  };

  it('--json: one line per file; exit 0 when all load, 2 when any is refused', () => {
    const ok = cli('--json', 'test/fixtures/pth/mini.pth', 'test/fixtures/pth/mini_legacy.pth');
    expect(ok.status).toBe(0);
    const lines = ok.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l).slice(0, 6))).toEqual([0, 1].map(() => ['file', 'ok', 'family', 'config', 'tensors', 'bytes']));
    expect(lines[0]).toMatchObject({ file: 'mini.pth', ok: true, family: 'SAM-DETR + SMCA', tensors: 1, bytes: 12, epoch: 11, epochs: 12, runnable: false });
    const bad = cli('--json', 'test/fixtures/pth/mini.pth', 'test/fixtures/pth/malicious.pth', `${DIR}/marks-1e6.pth`);
    expect(bad.status).toBe(2);
    expect(bad.out.trim().split('\n').map((l) => JSON.parse(l)).slice(1)).toEqual([
      { file: 'malicious.pth', ok: false, error: { code: 'refused-global', message: expect.stringMatching(/^refusing to load "posix\.system"/) } },
      { file: 'marks-1e6.pth', ok: false, error: { code: 'too-large', message: expect.any(String) } },
    ]);
  });

  it('without --json: a readable summary', () => {
    const r = cli('test/fixtures/pth/mini.pth', `${DIR}/truncated-does-not-exist.pth`);
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/^mini\.pth: SAM-DETR \+ SMCA, zip format\n {2}training: 12-epoch schedule, saved after epoch 12\n {2}model: resnet50, hidden 256, 8 heads, 6 encoder \/ 6 decoder layers/);
    expect(r.out).toMatch(/besides the model: optimizer, lr_scheduler, epoch, args/);
    expect(r.out).toMatch(/\n {2}integrity: CRC-32 of all \d+ zip entries checked/);
    const q = cli('--quick', 'test/fixtures/pth/mini_legacy.pth', `${DIR}/crc-optimizer.pth`);
    expect(q.status).toBe(0);
    expect(q.out).toMatch(/mini_legacy\.pth: [^]*\n {2}integrity: this format carries no checksum/);
    expect(q.out).toMatch(/crc-optimizer\.pth: [^]*\n {2}integrity: CRC-32 checked only for the entries read as weights \(--quick/);
    expect(r.out).toMatch(/truncated-does-not-exist\.pth: refused \(not-a-checkpoint\)/);
  });
});

/** xorshift32: the same mutants on every run. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Loads the file fully (every tensor of the whole tree, optimizer included), as the inspector and app would and more. */
async function readEverything(bytes: Uint8Array): Promise<void> {
  const ck = await openCheckpoint(bytesSource(bytes));
  const stack: unknown[] = [toPlain(ck.root)];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof TensorRef) await v.read().catch((e) => { throw e; });
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) stack.push(...Object.values(v));
  }
}

describe('single-byte mutants of the fixtures: only typed errors', () => {
  it.each(['pth/mini.pth', 'pth/mini_legacy.pth', 'pth/legacy_protocol1.pth', 'hostile/legacy-id-collision.pth'])('%s: 400 mutants each end in a load or a CheckpointError (not "internal")', async (file) => {
    const orig = new Uint8Array(readFileSync(`test/fixtures/${file}`));
    const rand = rng(file.length * 7919);
    const raw: string[] = [];
    let slowest = 0;
    for (let n = 0; n < 400; n++) {
      const m = orig.slice();
      const at = Math.floor(rand() * m.length);
      m[at] = n % 3 === 0 ? m[at] ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      const t0 = performance.now();
      for (const attempt of [() => loadStateDict(bytesSource(m)), () => readEverything(m)]) {
        const e = await attempt().then(() => null, (x: unknown) => x);
        if (e && (!(e instanceof CheckpointError) || e.code === 'internal')) raw.push(`byte ${at}: ${String(e)}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    expect(raw).toEqual([]);
    expect(slowest).toBeLessThan(BOUND_MS);
  });
});

describe('safetensors mutants: only typed errors', () => {
  /** A real header (the baseline model's) over 4 KB of its data: every byte of the header is a target. */
  const whole = new Uint8Array(readFileSync('test/fixtures/detr-baseline-15-epochs/weights.safetensors'));
  it('600 single-byte mutants of a small safetensors file each end in a load or a CheckpointError (not "internal")', async () => {
    const st = new Uint8Array(readFileSync(`${DIR}/st-trailing.safetensors`)).subarray(0, 8 + 56 + 4);
    const headerLen = new DataView(whole.buffer, whole.byteOffset).getUint32(0, true);
    const rand = rng(4242);
    const raw: string[] = [];
    let slowest = 0;
    for (const [orig, n] of [[st, 300], [whole.subarray(0, 8 + headerLen + 4096), 300]] as const) {
      for (let k = 0; k < n; k++) {
        const m = orig.slice();
        const at = Math.floor(rand() * Math.min(m.length, 8 + headerLen + 64));
        m[at] = k % 3 === 0 ? m[at] ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
        const t0 = performance.now();
        const e = await readSafetensorsBlob(new Blob([m])).then(() => null, (x: unknown) => x);
        if (e && (!(e instanceof CheckpointError) || e.code === 'internal')) raw.push(`byte ${at}: ${String(e)}`);
        slowest = Math.max(slowest, performance.now() - t0);
      }
    }
    expect(raw).toEqual([]);
    expect(slowest).toBeLessThan(BOUND_MS);
  });
});
