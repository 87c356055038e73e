/**
 * Writes the reader attacks of issue 23 at the sizes the issue measured them (tens to hundreds
 * of MB: too big to commit, so test/fixtures/hostile holds scaled-down copies) into OUTDIR, for
 * timing `npm run inspect` on them:
 *
 *   npx tsx scripts/make-issue23-recipes.ts /tmp/issue23
 *   /usr/bin/time -v npx tsx scripts/inspect.ts --json /tmp/issue23/dicts-25m.pth
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bareTorchZip, billionLaughs, smallArgs, smallModel } from './lib/hostile/fixtures';
import { legacyFile, rawSlot, rawTensor } from './lib/hostile/legacyBuild';
import { concat, op, repeat } from './lib/hostile/pickleOps';
import { deepList, keyAttack, nestedEntries, sharedString } from './lib/hostile/readerFixtures';

const MiB = 1 << 20;

/** `n` EMPTY_DICTs as the whole data.pkl (deflated: 25M of them take 24 KB). */
const dictsZip = (n: number) => bareTorchZip(concat([op(0x80, 2), repeat(op('}'), n), op('N', '.')]));

/**
 * 256 legacy view storages, each all of one 1 MiB int8 root, as the linear weights of 64 + 64
 * layers with dim_feedforward 4096 (1M elements each, so every one is an expected weight the
 * loader reads): 1 GiB of float32 from a 1.09 MB file.
 */
function legacyViews256(): Uint8Array {
  const model = new Map<string, unknown>();
  const raws: Uint8Array[] = [];
  for (const part of ['encoder', 'decoder']) {
    for (let l = 0; l < 64; l++) {
      for (const [w, shape] of [['linear1', [4096, 256]], ['linear2', [256, 4096]]] as const) {
        const n = raws.length;
        raws.push(rawTensor({ cls: 'CharStorage', key: 'shared', numel: MiB, view: [`v${n}`, 0, MiB], offset: 0, shape: [...shape], stride: [shape[1], 1] }));
        model.set(`transformer.${part}.layers.${l}.${w}.weight`, rawSlot(n));
      }
    }
  }
  const args = smallArgs({ hidden_dim: 256, nheads: 8, dim_feedforward: 4096, enc_layers: 64, dec_layers: 64 });
  return legacyFile(new Map<string, unknown>([['model', model], ['args', args]]), raws, [{ key: 'shared', numel: MiB, bytes: new Uint8Array(MiB) }]);
}

/** 1.7M zero-size tensors: a 96 MB header over no data. */
function manyEmptySafetensors(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"e${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  const h = new TextEncoder().encode(`{${parts.join(',')}}`);
  const out = new Uint8Array(8 + h.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

const RECIPES: [string, () => Uint8Array][] = [
  // 1. values per pickle byte
  ['dicts-10m.pth', () => dictsZip(10_000_000)],
  ['dicts-25m.pth', () => dictsZip(25_000_000)],
  ['dicts-60m.pth', () => dictsZip(60_000_000)],
  ['dicts-10m-legacy.pth', () => legacyFile(rawSlot(0), [concat([repeat(op('}'), 10_000_000), op('N')])], [])],
  // 2. foreign root keys beside a valid (small) model
  ['key-billion-laughs.pth', () => keyAttack(billionLaughs(), smallModel())],
  ['key-deep-list.pth', () => keyAttack(deepList(), smallModel())],
  ['key-shared-string.pth', () => keyAttack(sharedString(), smallModel())],
  // 3. distinct bytes
  ['legacy-views-256.pth', legacyViews256],
  ['zip-nested-256.pth', () => nestedEntries(256, MiB / 4)],
  // 5. safetensors header
  ['st-1.7m-empty.safetensors', () => manyEmptySafetensors(1_700_000)],
  // 8. a 2 GB string announced in a 256 MB legacy file
  ['legacy-string-claim-256mb.pth', () => legacyFile(rawSlot(0), [concat([op(0x8d), new Uint8Array(new BigUint64Array([2n ** 31n]).buffer)])], [], new Uint8Array(256 * MiB))],
];

async function main(out: string | undefined) {
  if (!out) throw new Error('usage: npx tsx scripts/make-issue23-recipes.ts OUTDIR');
  await mkdir(out, { recursive: true });
  for (const [file, make] of RECIPES) {
    const bytes = make();
    await writeFile(join(out, file), bytes);
    console.log(`${file.padEnd(32)} ${(bytes.length / 1e6).toFixed(2).padStart(8)} MB`);
  }
}

main(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
