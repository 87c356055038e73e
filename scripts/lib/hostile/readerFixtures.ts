import { crc32 } from '../../../src/checkpoint/crc32';
import { SaveStorage, SaveTensor, TorchPickler, floatTensor } from '../../../src/checkpoint/pickleWriter';
import { type Hostile, PLACEHOLDER, SMALL, bareTorchZip, billionLaughs, checkpoint, smallArgs, smallModel, tinyModel } from './fixtures';
import { legacyFile, rawSlot, rawTensor } from './legacyBuild';
import { MEMO_BASE, concat, get, op, put, repeat } from './pickleOps';
import { buildZip } from './zipBuild';

/**
 * The hostile files of issue 23 (the reader): each one attack, as small as the attack allows.
 */
function safetensors(header: string, dataBytes: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

/** A model (by default one weight) with one extra root key (the attack) whose value is 1. */
export function keyAttack(raw: Uint8Array, model: Map<string, unknown> = tinyModel()): Uint8Array {
  return checkpoint(new Map<string, unknown>([['model', model], ['args', smallArgs()], [PLACEHOLDER, 1]]), raw);
}

/** A list nested 100,000 deep. */
export const deepList = () => concat([repeat(op(']'), 100_000), repeat(op('a'), 99_999)]);

/** A list of 2,000 references to one 1 MB string. */
export const sharedString = () =>
  concat([op(0x58, ...Buffer.from(Uint32Array.of(1 << 20).buffer)), new Uint8Array(1 << 20).fill(0x78), put(MEMO_BASE), op('0', ']', '('), repeat(get(MEMO_BASE), 2000), op('e')]);

/**
 * Stored zip entries nested in one another: entry k's data is entry k+1's local header, name
 * and data, down to one payload of `floats` float32s (4 KB for the fixture, 1 MiB for the
 * issue's recipe); every CRC matches its (overlapping) bytes. Then a data.pkl giving each a
 * tensor, and the directory.
 */
export function nestedEntries(k: number, floats = 1024): Uint8Array {
  const names = Array.from({ length: k }, (_, i) => new TextEncoder().encode(`archive/data/${i}`));
  const local = (name: Uint8Array, data: Uint8Array) => {
    const lh = new DataView(new ArrayBuffer(30));
    lh.setUint32(0, 0x04034b50, true); lh.setUint16(4, 20, true); lh.setUint32(14, crc32(data), true);
    lh.setUint32(18, data.length, true); lh.setUint32(22, data.length, true); lh.setUint16(26, name.length, true);
    return concat([new Uint8Array(lh.buffer), name, data]);
  };
  const datas: Uint8Array[] = new Array(k);
  datas[k - 1] = new Uint8Array(new Float32Array(floats).fill(0.25).buffer);
  for (let i = k - 2; i >= 0; i--) datas[i] = local(names[i + 1], datas[i + 1]);
  const nested = local(names[0], datas[0]);
  const model = new Map(Array.from({ length: k }, (_, i) => [`w${i}`, new SaveTensor(new SaveStorage('float32', floats, () => new Uint8Array(0)), [floats])]));
  const pickler = new TorchPickler();
  const pkl = pickler.dump(new Map([['model', model]]));
  const rest = buildZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/version', data: new TextEncoder().encode('3\n') }]);
  // Re-base the two plain entries after the nested block and write one directory for all.
  const firstCd = Buffer.from(rest).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const body = rest.subarray(0, firstCd);
  const central: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < k; i++) {
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true); cd.setUint16(4, 20, true); cd.setUint16(6, 20, true); cd.setUint32(16, crc32(datas[i]), true);
    cd.setUint32(20, datas[i].length, true); cd.setUint32(24, datas[i].length, true); cd.setUint16(28, names[i].length, true); cd.setUint32(42, offset, true);
    central.push(new Uint8Array(cd.buffer), names[i]);
    offset += 30 + names[i].length;
  }
  const restCentral = rest.slice(firstCd, rest.length - 22);
  const dv = new DataView(restCentral.buffer);
  for (let p = 0; p < restCentral.length; ) {
    dv.setUint32(p + 42, dv.getUint32(p + 42, true) + nested.length, true);
    p += 46 + dv.getUint16(p + 28, true);
  }
  const cdBytes = concat([...central, restCentral]);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true); eocd.setUint16(8, k + 2, true); eocd.setUint16(10, k + 2, true);
  eocd.setUint32(12, cdBytes.length, true); eocd.setUint32(16, nested.length + body.length, true);
  return concat([nested, body, cdBytes, new Uint8Array(eocd.buffer)]);
}

/** Every weight of a 6+6-layer model its own legacy view storage of one 64 KiB root: 2 MiB of float32 out. */
function legacyViewStorages(): Uint8Array {
  const cfg = { ...SMALL, dimFeedforward: 1024, encLayers: 6, decLayers: 6 };
  const rootNumel = 1024 * SMALL.hiddenDim + 64;
  const raws: Uint8Array[] = [];
  const model = smallModel(cfg, (_name, shape) => {
    const n = raws.length;
    const numel = shape.reduce((a, b) => a * b, 1);
    const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    raws.push(rawTensor({ cls: 'FloatStorage', key: 'shared', numel: rootNumel, view: [`view${n}`, n % 64, numel], offset: 0, shape, stride }));
    return rawSlot(n) as unknown as SaveTensor;
  });
  const root = new Map<string, unknown>([['model', model], ['args', smallArgs({ dim_feedforward: 1024, enc_layers: 6, dec_layers: 6 })]]);
  return legacyFile(root, raws, [{ key: 'shared', numel: rootNumel, bytes: new Uint8Array(rootNumel * 4) }]);
}

/** Root "a" (float32, 1.0) seen through view "b", and root "a/b" (int8, 7): two storages, one id "a/b" before. */
function legacyIdCollision(): Uint8Array {
  const model = new Map<string, unknown>([
    ['transformer.decoder.layers.0.norm1.weight', rawSlot(0)],
    ['transformer.decoder.layers.0.norm1.bias', rawSlot(1)],
  ]);
  return legacyFile(new Map([['model', model]]), [
    rawTensor({ cls: 'FloatStorage', key: 'a', numel: 4, view: ['b', 0, 4], offset: 0, shape: [4], stride: [1] }),
    rawTensor({ cls: 'CharStorage', key: 'a/b', numel: 4, offset: 0, shape: [4], stride: [1] }),
  ], [
    { key: 'a', numel: 4, bytes: new Uint8Array(new Float32Array([1, 1, 1, 1]).buffer) },
    { key: 'a/b', numel: 4, bytes: Uint8Array.of(7, 7, 7, 7) },
  ]);
}

/** One optimizer tensor byte changed: the model loads, only a check of every entry sees it. */
function crcOptimizer(): Uint8Array {
  const exp = floatTensor([8], () => new Float32Array(8).fill(0.5));
  const b = checkpoint(new Map<string, unknown>([['model', tinyModel()], ['optimizer', new Map([['state', new Map([[0, new Map([['exp_avg', exp]])]])]])], ['args', smallArgs()]])).slice();
  const name = Buffer.from('archive/data/1');
  const at = Buffer.from(b).indexOf(name) + name.length + 5;
  b[at] ^= 0x40;
  return b;
}

export async function readerFixtures(): Promise<Hostile[]> {
  const list: Hostile[] = [];
  const add = (file: string, why: string, bytes: Uint8Array, expect: Hostile['expect']) => list.push({ file, why, bytes, expect });

  // 1. Values per pickle byte
  add('dicts-25m.pth', '25,000,000 EMPTY_DICTs deflated into 24 KB (heap out of memory at 4.4 GB)',
    bareTorchZip(concat([op(0x80, 2), repeat(op('}'), 25_000_000), op('N', '.')])), { code: 'too-large', message: /builds more values than/ });
  add('dicts-legacy.pth', '24,000 EMPTY_DICTs in a 24 KB legacy file (more values than its bytes justify)',
    legacyFile(rawSlot(0), [concat([repeat(op('}'), 24_000), op('N')])], []), { code: 'too-large', message: /builds more values than/ });

  // 2. Foreign root keys, described, never expanded
  add('key-billion-laughs.pth', 'a root key that is a list of lists shared through the memo, 10^9 strings deep (57 s, then RangeError)', keyAttack(billionLaughs()), { ok: true });
  add('key-deep-list.pth', 'a root key that is a list nested 100,000 deep (stack overflow)', keyAttack(deepList()), { ok: true });
  add('key-shared-string.pth', 'a root key that is a list of 2,000 references to one 1 MB string (RangeError)', keyAttack(sharedString()), { ok: true });

  // 3. Distinct bytes, not storages
  add('legacy-view-storages.pth', 'every weight its own legacy view storage over one 64 KiB root, 2 MiB of float32 out (the budget counted each view storage)', legacyViewStorages(), { code: 'too-large', message: /distinct bytes/ });
  add('zip-nested-entries.pth', '16 stored zip entries nested in one another with matching CRCs (16 storages from one 4 KB payload)', nestedEntries(16), { code: 'corrupt', message: /overlap/ });

  // 4. Storage identity
  add('legacy-id-collision.pth', 'legacy root "a/b" (int8 7s) and root "a" viewed as "b" (float32 1s): one id "a/b" gave the int8 weight the float32 values', legacyIdCollision(), { ok: true });

  // 5. safetensors as the reference parser reads it
  const empties = Array.from({ length: 1100 }, (_, i) => `"e${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',');
  add('st-many-empty.safetensors', '1,100 zero-size tensors in a file without data (1.7M in a 96 MB header took 21 s and 2.4 GB)', safetensors(`{${empties}}`, 0), { code: 'too-large' });
  add('st-duplicate-key.safetensors', 'a tensor named twice (JSON.parse kept the last)',
    safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), { code: 'corrupt', message: /twice/ });
  add('st-hole.safetensors', '4 bytes between two tensors that belong to neither',
    safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', 12), { code: 'corrupt', message: /belong to no tensor/ });
  add('st-trailing.safetensors', '4 bytes after the last tensor',
    safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8), { code: 'corrupt', message: /after the last tensor/ });

  // 6. Integrity: every entry inspect reports on
  add('crc-optimizer.pth', 'one optimizer tensor byte changed (inspect said ok: it read only the model)', crcOptimizer(), { code: 'corrupt', message: /CRC-32/ });

  // 8. Lengths checked against the file before reading it
  add('legacy-string-claim.pth', 'a legacy pickle announcing a 2 GB string in a 160 KB file (the whole file was read first)',
    legacyFile(rawSlot(0), [concat([op(0x8d), new Uint8Array(new BigUint64Array([2n ** 31n]).buffer)])], [], new Uint8Array(160_000)), { code: 'truncated' });
  return list;
}
