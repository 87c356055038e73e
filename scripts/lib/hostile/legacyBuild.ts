import { ByteBuilder } from '../../../src/checkpoint/byteSink';
import { TorchPickler } from '../../../src/checkpoint/pickleWriter';
import { concat, op, str } from './pickleOps';

/**
 * Legacy-format (pre-1.6 torch.save) files with hand-made parts: the object tree pickled by
 * TorchPickler, where each placeholder string `@@raw:N@@` is replaced by raw opcodes, and extra
 * root storages (keyed as the raw opcodes name them) appended after the writer's own.
 */
export const rawSlot = (n: number) => `@@raw:${n}@@`;

export interface RawRoot {
  key: string;
  numel: number;
  bytes: Uint8Array;
}

const bin = (v: number) => {
  const b = new Uint8Array(5);
  b[0] = 0x4a; // BININT
  new DataView(b.buffer).setInt32(1, v, true);
  return b;
};
const ints = (xs: number[]) => concat([op('('), ...xs.map(bin), op('t')]);

/** `_rebuild_tensor_v2` of a storage given by its persistent id fields (legacy: with the view field). */
export function rawTensor(t: { cls: string; key: string; numel: number; view?: [key: string, offset: number, numel: number]; offset: number; shape: number[]; stride: number[] }): Uint8Array {
  const view = t.view ? concat([op('('), str(t.view[0]), bin(t.view[1]), bin(t.view[2]), op('t')]) : op('N');
  return concat([
    op('c', 'torch._utils\n_rebuild_tensor_v2\n', '(', '('), str('storage'), op('c', `torch\n${t.cls}\n`), str(t.key), str('cpu'), bin(t.numel), view, op('t', 'Q'),
    bin(t.offset), ints(t.shape), ints(t.stride), op(0x89, 'c', 'collections\nOrderedDict\n', ')', 'R', 't', 'R'),
  ]);
}

export function legacyFile(root: unknown, raws: Uint8Array[], extraRoots: RawRoot[], tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const pickler = new TorchPickler(true);
  let pkl = pickler.dump(root);
  raws.forEach((raw, n) => {
    const marker = str(rawSlot(n));
    const at = Buffer.from(pkl).indexOf(Buffer.from(marker));
    if (at < 0) throw new Error(`placeholder ${n} not found`);
    pkl = concat([pkl.subarray(0, at), raw, pkl.subarray(at + marker.length)]);
  });
  const own = pickler.storages.map((s, i) => ({ key: String(i), numel: s.numel, bytes: s.bytes() }));
  const all = [...own, ...extraRoots];
  const parts = [
    new TorchPickler().dump(0x1950a86a20f9469cfc6cn),
    new TorchPickler().dump(1001),
    new TorchPickler().dump({ protocol_version: 1001, little_endian: true, type_sizes: { short: 2, int: 4, long: 4 } }),
    pkl,
    new TorchPickler().dump(all.map((r) => r.key)),
  ];
  for (const r of all) parts.push(new ByteBuilder().u64(r.numel).result(), r.bytes);
  parts.push(tail);
  return concat(parts);
}
