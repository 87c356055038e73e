import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../../src/checkpoint/crc32';
import type { CheckpointErrorCode } from '../../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../../src/checkpoint/expectedKeys';
import { formulaTensor } from '../../../src/checkpoint/formulaWeights';
import { MemorySink } from '../../../src/checkpoint/byteSink';
import { SaveStorage, SaveTensor, TorchPickler, floatTensor } from '../../../src/checkpoint/pickleWriter';
import { PyNamespace } from '../../../src/checkpoint/pyTypes';
import { torchSave } from '../../../src/checkpoint/torchSave';
import { type ModelConfig, OFFICIAL_R50 } from '../../../src/model/config';
import { buildZip, type RawEntry } from './zipBuild';
import { MEMO_BASE, concat, get, op, put, repeat, str } from './pickleOps';
import { readerFixtures } from './readerFixtures';

/**
 * The hostile files of test/fixtures/hostile: each one attack from issue 13 (issue 23's in readerFixtures.ts), with what the
 * reader must answer (an error code, or a load with a warning / note). Large pickles are
 * deflated inside the zip so the committed files stay small; the reader inflates them first.
 */
export interface Hostile {
  file: string;
  why: string;
  bytes: Uint8Array;
  /** `message`: when the code alone cannot tell which check answered. */
  expect: { code: CheckpointErrorCode; message?: RegExp } | { ok: true; warning?: RegExp; note?: RegExp };
}

/** A SAM-DETR small enough to commit several times over (33k parameters, 130 KB). */
export const SMALL: ModelConfig = {
  ...OFFICIAL_R50, backbone: 'resnet18', backboneWidth: 2, hiddenDim: 16, nheads: 2, numQueries: 7, numClasses: 5,
  encLayers: 1, decLayers: 2, dimFeedforward: 32, point2Hidden: [8, 8], inputProjGroupNorm: false,
};

/** One SAM-DETR-named weight: enough for the attacks that fail before the model is compared. */
export function tinyModel(tensor?: SaveTensor): Map<string, unknown> {
  return new Map([['transformer.decoder.layers.0.norm1.weight', tensor ?? floatTensor([SMALL.hiddenDim], () => new Float32Array(SMALL.hiddenDim).fill(1))]]);
}

export function smallModel(c: ModelConfig = SMALL, tensor?: (name: string, shape: number[]) => SaveTensor | undefined): Map<string, unknown> {
  const model = new Map<string, unknown>();
  for (const [name, shape] of expectedStateDictShapes(c)) {
    const tied = model.get(`transformer.decoder.${name}`);
    model.set(name, name.startsWith('bbox_embed.') ? tied : tensor?.(name, shape) ?? floatTensor(shape, () => formulaTensor(name, shape, 1)));
  }
  return model;
}

export function smallArgs(over: Record<string, unknown> = {}): PyNamespace<unknown> {
  const ns = new PyNamespace<unknown>();
  const fields: Record<string, unknown> = {
    backbone: SMALL.backbone, dilation: false, smca: false, epochs: 50, hidden_dim: SMALL.hiddenDim, nheads: SMALL.nheads,
    num_queries: SMALL.numQueries, enc_layers: SMALL.encLayers, dec_layers: SMALL.decLayers, dim_feedforward: SMALL.dimFeedforward, ...over,
  };
  for (const [k, v] of Object.entries(fields)) ns.attrs.set(k, v);
  return ns;
}

export const PLACEHOLDER = '@@hostile@@';

/**
 * A torch.save zip of `root`, where the string PLACEHOLDER (if present) is replaced by raw pickle
 * opcodes that push one value, and `tweak` may rewrite the entries before they are zipped.
 */
export function checkpoint(root: Map<string, unknown>, raw?: Uint8Array, tweak?: (e: RawEntry[]) => RawEntry[]): Uint8Array {
  const pickler = new TorchPickler();
  let pkl = pickler.dump(root);
  if (raw) {
    const marker = str(PLACEHOLDER);
    const at = Buffer.from(pkl).indexOf(Buffer.from(marker));
    if (at < 0) throw new Error('placeholder not found');
    pkl = concat([pkl.subarray(0, at), raw, pkl.subarray(at + marker.length)]);
  }
  let entries: RawEntry[] = [
    { name: 'archive/data.pkl', data: pkl, deflate: pkl.length > 65536 },
    ...pickler.storages.map((s, i) => ({ name: `archive/data/${i}`, data: s.bytes() })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ];
  if (tweak) entries = tweak(entries);
  return buildZip(entries);
}

/** A checkpoint whose args Namespace is replaced by `{'x': <raw value>}` built from opcodes. */
function withArgsValue(raw: Uint8Array): Uint8Array {
  const dict = concat([op('}'), str('x'), raw, op('s')]);
  return checkpoint(new Map<string, unknown>([['model', tinyModel()], ['args', PLACEHOLDER]]), dict);
}

/** A checkpoint whose whole data.pkl is `pkl` (no model: the pickle itself is the attack). */
export function bareTorchZip(pkl: Uint8Array): Uint8Array {
  return buildZip([
    { name: 'archive/data.pkl', data: pkl, deflate: pkl.length > 65536 },
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

function patchU16(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint16(at, v, true);
  return c;
}

/** Offset of the last central-directory entry of a zip (the one before the end record). */
function lastCentralEntry(b: Uint8Array): number {
  const buf = Buffer.from(b);
  return buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
}

async function zip64Checkpoint(): Promise<Uint8Array> {
  const sink = new MemorySink();
  await torchSave(sink, { model: { w: floatTensor([2, 3], () => Float32Array.of(1, 2, 3, 4, 5, 6)) } }, { forceZip64: true });
  return sink.bytes();
}

/** A last directory entry whose ZIP64 field holds 8 of the 24 bytes it needs, at the very end of the directory. */
async function shortZip64(): Promise<Uint8Array> {
  const b = (await zip64Checkpoint()).slice();
  const dv = new DataView(b.buffer);
  const p = lastCentralEntry(b);
  dv.setUint16(p + 30, 12, true); // extra length 28 -> 12
  const nameLen = dv.getUint16(p + 28, true);
  dv.setUint16(p + 46 + nameLen + 2, 8, true); // zip64 field length 24 -> 8
  // The ZIP64 end record's directory size shrinks by the 16 bytes cut, so the field ends the directory.
  const rec = Buffer.from(b).lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
  dv.setBigUint64(rec + 40, dv.getBigUint64(rec + 40, true) - 16n, true);
  return b;
}

/** [['lol'] * 10] nested 9 times through memo references: 10^9 strings from about a kilobyte. */
export function billionLaughs(): Uint8Array {
  const parts = [op(']'), str('lol'), op('a'), put(MEMO_BASE)];
  for (let level = 1; level <= 9; level++) {
    // POP all but the last level, so exactly one value is left for the dict.
    parts.push(op('0', ']', '('), repeat(get(MEMO_BASE + level - 1), 10), op('e'), put(MEMO_BASE + level));
  }
  return concat(parts);
}

/** OrderedDict(L) for one 100k-pair list L, called 100k times: 10^10 pair copies. */
function orderedDictQuadratic(): Uint8Array {
  const n = 100_000;
  return concat([
    op(0x80, 2, 'c', 'collections\nOrderedDict\n'), put(MEMO_BASE),
    str('k'), op('N', 0x86), put(MEMO_BASE + 1), op('0'), // the pair ('k', None)
    op(']', '('), repeat(get(MEMO_BASE + 1), n), op('e'), put(MEMO_BASE + 2), op('0'),
    op(']', '('), repeat(concat([get(MEMO_BASE), get(MEMO_BASE + 2), op(0x85, 'R')]), n), op('e', '.'),
  ]);
}

function floatStorageTensor(values: Float32Array, shape: number[], offset = 0, stride?: number[]): SaveTensor {
  return new SaveTensor(new SaveStorage('float32', values.length, () => new Uint8Array(values.buffer.slice(0))), shape, offset, stride);
}

export async function hostileFixtures(): Promise<Hostile[]> {
  const tiny = (t?: SaveTensor) => new Map<string, unknown>([['model', tinyModel(t)], ['args', smallArgs()]]);
  const list: Hostile[] = [];
  const add = (file: string, why: string, bytes: Uint8Array, expect: Hostile['expect']) => list.push({ file, why, bytes, expect });

  // Typed errors only
  add('invalid-utf8.pth', 'a pickle string that is not UTF-8 (TextDecoder threw a raw TypeError)', withArgsValue(op(0x8c, 2, 0xff, 0xfe)), { code: 'corrupt' });
  const good = checkpoint(tiny());
  add('cd-name-past-end.pth', 'a directory entry whose name length runs past the directory', patchU16(good, lastCentralEntry(good) + 28, 0xffff), { code: 'corrupt' });
  add('cd-extra-past-end.pth', 'a directory entry whose extra-field length runs past the directory (raw RangeError)', patchU16(good, lastCentralEntry(good) + 30, 0xffff), { code: 'corrupt' });
  add('cd-zip64-short.pth', 'a ZIP64 extra field shorter than the fields it must hold, at the end of the directory (raw RangeError)', await shortZip64(), { code: 'corrupt' });

  // Bounded work
  add('args-self-ref.pth', 'a list in args that contains itself (toPlain recursed forever)', withArgsValue(concat([op(']'), put(MEMO_BASE), get(MEMO_BASE), op('a')])), { code: 'corrupt' });
  add('args-deep-list.pth', 'a list nested 100,000 deep in args (stack overflow)', withArgsValue(concat([repeat(op(']'), 100_000), repeat(op('a'), 99_999)])), { code: 'too-large' });
  add('billion-laughs.pth', '10^9 strings in args through memo references', withArgsValue(billionLaughs()), { code: 'too-large' });
  add('long4-200k.pth', 'a 200 KB LONG4 integer (decoding was quadratic: 37 s)', withArgsValue(concat([op(0x8b, 0x40, 0x0d, 0x03, 0x00), new Uint8Array(200_000).fill(0x7f)])), { code: 'too-large' });
  add('text-int-200k.pth', 'a 200,000-digit protocol-0 INT', withArgsValue(concat([op('I'), repeat(op('9'), 200_000), op('\n')])), { code: 'too-large' });
  add('marks-1e6.pth', '1,000,000 nested MARKs', bareTorchZip(concat([op(0x80, 2), repeat(op('('), 1_000_000), op('N', '.')])), { code: 'too-large' });
  add('memoize-2e6.pth', '2,000,000 MEMOIZE opcodes', bareTorchZip(concat([op(0x80, 4, 'N'), repeat(op(0x94), 2_000_000), op('.')])), { code: 'too-large' });
  add('ordered-dict-quadratic.pth', 'OrderedDict(L) of a 100k-pair list, 100k times (10^10 copies)', bareTorchZip(orderedDictQuadratic()), { code: 'too-large' });
  add('appends-200k.pth', 'one APPENDS of 200,000 items beside the model (push(...items) overflowed the stack)', checkpoint(new Map<string, unknown>([['model', smallModel()], ['junk', PLACEHOLDER]]), concat([op(']', '('), repeat(op('N'), 200_000), op('e')])), { ok: true });

  // Bounded memory
  const one = Float32Array.of(0.5);
  add('stride0-views.pth', 'dim_feedforward 65536 weights as stride-0 views of one float (gigabytes from 1 value)',
    checkpoint(new Map<string, unknown>([
      ['model', smallModel({ ...SMALL, dimFeedforward: 65536 }, (name, shape) => (/linear[12]\.(weight|bias)$/.test(name) ? floatStorageTensor(one, shape, 0, shape.map(() => 0)) : undefined))],
      ['args', smallArgs({ dim_feedforward: 65536 })],
    ])), { code: 'too-large' });
  add('absurd-ffn.pth', 'args with dim_feedforward 1,048,576', checkpoint(new Map<string, unknown>([['model', tinyModel()], ['args', smallArgs({ dim_feedforward: 1_048_576 })]])), { code: 'invalid-config' });
  add('stride0-single.pth', 'one weight of 5 values as a stride-0 view of 1 float', checkpoint(tiny(floatStorageTensor(one, [SMALL.hiddenDim], 0, [0]))), { code: 'corrupt' });
  // Each view fits the 1 MiB storage on its own; the 24 FFN weights together are 24 MiB of float32 from it.
  const big = { ...SMALL, dimFeedforward: 16384, encLayers: 6, decLayers: 6 };
  const sharedNumel = 16384 * SMALL.hiddenDim + 1024;
  const shared = new SaveStorage('float32', sharedNumel, () => new Uint8Array(sharedNumel * 4));
  // Each at its own offset, so no two are the same view (identical views are read once and shared).
  let nth = 0;
  add('overlapping-views.pth', 'every weight a view into one 1 MiB storage at overlapping offsets (24 MiB out)',
    checkpoint(new Map<string, unknown>([['model', smallModel(big, (_n, shape) => new SaveTensor(shared, shape, nth++ % 1024))],
      ['args', smallArgs({ dim_feedforward: big.dimFeedforward, enc_layers: 6, dec_layers: 6 })]]), undefined, (es) => es.map((e) => (e.name.startsWith('archive/data/') ? { ...e, deflate: true } : e))),
    { code: 'too-large' });
  const bomb = new Uint8Array(deflateRawSync(new Uint8Array(128 << 20), { level: 9 }));
  add('deflate-bomb.pth', 'a deflated data.pkl declared as 1,000 bytes that inflates to 128 MiB', buildZip([
    { name: 'archive/data.pkl', data: new Uint8Array(0), deflated: { bytes: bomb, declaredSize: 1000 } },
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]), { code: 'corrupt', message: /inflates past its declared 1000 bytes/ });

  // No silent wrong data
  add('negative-offset.pth', 'a weight with storage_offset -2 (read 8 bytes of zip header as floats)',
    checkpoint(tiny(floatStorageTensor(new Float32Array(16), [16], -2))), { code: 'corrupt' });
  add('offset-past-end.pth', 'a weight with storage_offset past its storage',
    checkpoint(tiny(floatStorageTensor(new Float32Array(16), [16], 3))), { code: 'corrupt' });
  // The directory claims 4 more bytes (the next local header's signature) with their CRC, so
  // only the comparison with the local header can tell; other zip tools would read 64 bytes.
  add('size-mismatch.pth', 'a storage whose directory size disagrees with its local header', checkpoint(tiny(), undefined, (es) => es.map((e) => (e.name === 'archive/data/0'
    ? { ...e, cdSize: e.data.length + 4, crc: crc32(concat([e.data, Uint8Array.of(0x50, 0x4b, 0x03, 0x04)])) } : e))), { code: 'corrupt' });
  add('crc-mismatch.pth', 'one weight byte changed after writing (loaded with a changed value before)', (() => {
    const b = checkpoint(tiny()).slice();
    const at = Buffer.from(b).indexOf(Buffer.from('archive/data/0')) + 'archive/data/0'.length + 3;
    b[at] ^= 0x40;
    return b;
  })(), { code: 'corrupt' });
  add('duplicate-names.pth', 'two entries named archive/data/0 (which one is read?)', checkpoint(tiny(), undefined, (es) => [...es, { ...es[1], data: new Uint8Array(es[1].data.length) }]), { code: 'corrupt' });
  add('nan-weights.pth', 'a diverged run: NaN and Inf in two weights (loads, with a warning naming them)',
    checkpoint(new Map<string, unknown>([['model', smallModel(SMALL, (name, shape) => {
      if (name === 'class_embed.0.bias') return floatTensor(shape, () => Float32Array.of(0, NaN, 0, 0, NaN));
      if (name === 'query_embed.weight') return floatTensor(shape, () => formulaTensor(name, shape, 1).map((x, i) => (i === 3 ? Infinity : x)));
      return undefined;
    })], ['args', smallArgs()]])), { ok: true, warning: /^2 weight tensors hold NaN or infinite values, .*: (query_embed\.weight \(1 of 28\)|class_embed\.0\.bias \(2 of 5\)), (query_embed\.weight \(1 of 28\)|class_embed\.0\.bias \(2 of 5\))\.$/ });

  // Config detection tells the truth
  add('stray-layer-key.pth', 'one stray key transformer.decoder.layers.9.extra (counted 3 decoder layers)',
    checkpoint(new Map<string, unknown>([['model', new Map([...smallModel(), ['transformer.decoder.layers.9.extra', floatTensor([1], () => Float32Array.of(0))]])]])),
    { ok: true, note: /counted 2 decoder layers \(indices 0-1\); transformer\.decoder\.layers\.9\.extra does not continue/ });
  add('zero-hidden-dim.pth', 'args with hidden_dim 0 and nheads -1', checkpoint(new Map<string, unknown>([['model', tinyModel()], ['args', smallArgs({ hidden_dim: 0, nheads: -1 })]])), { code: 'invalid-config' });

  // safetensors
  const header = new TextEncoder().encode('{"a": null}');
  const st = new Uint8Array(8 + header.length);
  new DataView(st.buffer).setUint32(0, header.length, true);
  st.set(header, 8);
  add('null-entry.safetensors', 'a safetensors header {"a": null} (raw TypeError)', st, { code: 'corrupt' });
  list.push(...(await readerFixtures()));
  return list;
}
