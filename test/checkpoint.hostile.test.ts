import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../src/checkpoint/byteSource';
import { openCheckpoint } from '../src/checkpoint/checkpoint';
import { CheckpointError } from '../src/checkpoint/errors';
import { loadStateDict } from '../src/checkpoint/loadStateDict';
import { toPlain } from '../src/checkpoint/pyTypes';
import { TensorRef } from '../src/checkpoint/tensor';
import { inspectFile } from '../scripts/lib/inspectFile';

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
  it.each(['mini.pth', 'mini_legacy.pth'])('%s: 400 mutants each end in a load or a CheckpointError (not "internal")', async (file) => {
    const orig = new Uint8Array(readFileSync(`test/fixtures/pth/${file}`));
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
