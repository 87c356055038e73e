/**
 * Writes the hostile checkpoints of issue 13 into test/fixtures/hostile/ (one file per attack,
 * plus expected.json: what the reader must answer for each). Run after changing
 * scripts/lib/hostile/fixtures.ts; the files are committed so the tests need no generator.
 *
 *   npx tsx scripts/make-hostile-fixtures.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostileFixtures } from './lib/hostile/fixtures';

const DIR = 'test/fixtures/hostile';

async function main() {
  await mkdir(DIR, { recursive: true });
  const list = await hostileFixtures();
  const expected: Record<string, unknown> = {};
  for (const h of list) {
    await writeFile(`${DIR}/${h.file}`, h.bytes);
    const e = h.expect;
    expected[h.file] = {
      why: h.why,
      ...('code' in e ? { code: e.code, ...(e.message ? { message: e.message.source } : {}) } : { ok: true, ...(e.warning ? { warning: e.warning.source } : {}), ...(e.note ? { note: e.note.source } : {}) }),
    };
    console.log(`${h.file.padEnd(30)} ${String(h.bytes.length).padStart(8)} bytes  ${'code' in e ? e.code : 'ok'}`);
  }
  await writeFile(`${DIR}/expected.json`, `${JSON.stringify(expected, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
