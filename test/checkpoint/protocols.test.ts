import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { openCheckpoint } from '../../src/checkpoint/checkpoint';
import { CheckpointError } from '../../src/checkpoint/errors';
import { unpickle } from '../../src/checkpoint/pickle';
import { toPlain } from '../../src/checkpoint/pyTypes';
import type { TensorRef } from '../../src/checkpoint/tensor';

/**
 * Pickle protocols 0 and 1 (torch.save's `pickle_protocol`): protocol-1 legacy files load as
 * torch.load reads them; protocol 0's text opcodes decode; its text persistent ids, which
 * torch.load cannot read either, are refused by name.
 */
const decodeFile = async (bytes: Uint8Array): Promise<Record<string, unknown>> => {
  const ck = await openCheckpoint(bytesSource(bytes));
  const plain = toPlain(ck.root) as { model: Record<string, TensorRef> } & Record<string, unknown>;
  const model: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(plain.model)) model[k] = [t.dtype, t.shape, Array.from((await t.read()) as Float32Array)];
  return { format: ck.format, ...plain, model };
};

/** What scripts/lib/hostile/legacyProtocols.py saves, as the reader should give it back. */
const EXPECTED = {
  format: 'legacy',
  model: { w: ['float32', [2, 3], [1.5, -2, 3.25, 4, 5, 6]], wt: ['float32', [3, 2], [1.5, 4, -2, 5, 3.25, 6]], b: ['int8', [3], [7, -7, 1]] },
  epoch: 49,
  args: { lr: 1e-4, epochs: 50, name: 'r50', flag: true, big: 2 ** 40, neg: -3, none: null, ratio: 0.5, tup: [1, 2], lst: ['a', 'it\'s "q"\n\\', 'é'] },
};

const run = (text: string) => unpickle(Uint8Array.from(text, (c) => c.charCodeAt(0)), 0, { what: 'test pickle' }).value;

describe('pickle protocols 0 and 1', () => {
  it('legacy_protocol1.pth (text magic number, MARK tuples, copy_reg._reconstructor) decodes', async () => {
    const got = await decodeFile(readFileSync('test/fixtures/pth/legacy_protocol1.pth'));
    expect({ ...got, args: { ...(got.args as object) } }).toEqual(EXPECTED);
  });

  it('legacy_protocol0.pth is refused as unsupported, naming its text persistent ids', async () => {
    const err = await openCheckpoint(bytesSource(readFileSync('test/fixtures/pth/legacy_protocol0.pth'))).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect([(err as CheckpointError).code, (err as CheckpointError).message]).toEqual(['unsupported', expect.stringMatching(/text persistent ids \(pickle protocol 0\), which torch\.load cannot read either/)]);
  });

  it('STRING (S): Python string literals with their escapes', () => {
    expect(run(`S'it\\'s'\n.`)).toBe("it's");
    expect(run(`S"a\\nb\\t\\x41\\101\\\\"\n.`)).toBe('a\nb\tAA\\');
    expect(run(`S'\\q'\n.`)).toBe('\\q');
    expect(() => run(`Sabc\n.`)).toThrow(/must be quoted/);
  });

  it('UNICODE (V): raw-unicode-escape, as protocol 0 writes str', () => {
    expect(run('Vcaf\xe9 \\u20ac \\U0001f600\n.')).toBe('café € 😀');
    expect(run('Va\\u005cu0041\n.')).toBe('a\\u0041');
    expect(run('V\\\\u0041\n.')).toBe('\\\\u0041');
    expect(() => run('V\\u12\n.')).toThrow(CheckpointError);
  });

  it('copy_reg._reconstructor builds nothing but a Namespace', () => {
    const p = (cls: string) => `ccopy_reg\n_reconstructor\n(c${cls}\nc__builtin__\nobject\nNtR.`;
    expect(() => run(p('argparse\nNamespace'))).not.toThrow();
    expect(() => run(p('collections\nOrderedDict'))).toThrow(/refusing/);
  });
});

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasPython())('against CPython\'s own pickler (python3, no torch needed)', () => {
  it('legacy files at protocols 1-5 decode alike; the committed fixtures are what the script writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'protocols-'));
    try {
      for (const p of [0, 1, 2, 3, 4, 5]) {
        const f = join(dir, `p${p}.pth`);
        execFileSync('python3', ['scripts/lib/hostile/legacyProtocols.py', String(p), f]);
        if (p <= 1) expect(Buffer.compare(readFileSync(f), readFileSync(`test/fixtures/pth/legacy_protocol${p}.pth`)), `protocol ${p}`).toBe(0);
        if (p === 0) continue;
        const got = await decodeFile(readFileSync(f));
        expect({ ...got, args: { ...(got.args as object) } }, `protocol ${p}`).toEqual(EXPECTED);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
