import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { entryDataOffset, readZipDirectory } from '../../src/checkpoint/zip';
import { inspectFile } from '../../scripts/lib/inspectFile';

/**
 * Issue 23, item 6: `npm run inspect` said "ok" for zip files whose tensor bytes failed their
 * CRC-32, because it read no tensor data. Every byte of every entry's data (weights, optimizer
 * state, data.pkl, the version record) is covered by a CRC-32 that catches any one changed
 * byte, so every such mutant must be refused; --quick may pass those outside the weights, and
 * must say it did not check them.
 */
const dir = mkdtempSync(join(tmpdir(), 'inspect-crc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every [start, end) of entry data in the file, with the entry's name. */
async function dataRanges(bytes: Uint8Array): Promise<{ name: string; start: number; end: number }[]> {
  const src = bytesSource(bytes);
  const out = [];
  for (const e of (await readZipDirectory(src)).values()) {
    const start = await entryDataOffset(src, e);
    if (e.compressedSize > 0) out.push({ name: e.name, start, end: start + e.compressedSize });
  }
  return out;
}

describe('inspect checks the CRC-32 of every zip entry it reports on', () => {
  it('mini.pth: every changed byte of every entry is refused as corrupt; --quick says what it skipped', async () => {
    const orig = new Uint8Array(readFileSync('test/fixtures/pth/mini.pth'));
    const ranges = await dataRanges(orig);
    expect(ranges.map((r) => r.name)).toEqual(expect.arrayContaining(['mini/data.pkl', 'mini/version']));
    const silent: string[] = [];
    const quickOk = new Set<string>();
    let n = 0;
    for (const { name, start, end } of ranges) {
      for (let at = start; at < end; at++) {
        const m = orig.slice();
        m[at] ^= 0x01;
        const f = join(dir, `m${n++}.pth`);
        writeFileSync(f, m);
        const r = await inspectFile(f);
        if (r.ok || r.error.code !== 'corrupt') silent.push(`${name} byte ${at}: ${r.ok ? 'ok' : r.error.code}`);
        const q = await inspectFile(f, { quick: true });
        if (q.ok) {
          expect(q.integrity).toMatch(/--quick: the other entries were not checked/);
          quickOk.add(name);
        }
      }
    }
    expect(n).toBe(ranges.reduce((k, r) => k + r.end - r.start, 0));
    expect(silent).toEqual([]);
    // --quick really skips the entries the loader does not read (the optimizer's, the version
    // record), and never data.pkl, which the loader always reads.
    expect(quickOk.size).toBeGreaterThan(0);
    expect([...quickOk].filter((name) => name.endsWith('/data.pkl'))).toEqual([]);
  });
});
