import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../../src/checkpoint/crc32';

/**
 * A minimal zip writer for hand-made hostile checkpoints: unlike ZipWriter (torch's layout,
 * always valid), every field can be made to lie. Entries are stored, or deflated with `deflate`.
 */
export interface RawEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Already-deflated bytes to store as method 8 (a bomb made elsewhere), with the size to declare. */
  deflated?: { bytes: Uint8Array; declaredSize: number };
  /** Overrides of what the central directory says (the local header keeps the truth). */
  cdSize?: number;
  /** Overrides the CRC recorded in both headers. */
  crc?: number;
}

export function buildZip(entries: RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const method = e.deflate || e.deflated ? 8 : 0;
    const body = e.deflated ? e.deflated.bytes : e.deflate ? new Uint8Array(deflateRawSync(e.data, { level: 9 })) : e.data;
    const size = e.deflated ? e.deflated.declaredSize : e.data.length;
    const crc = e.crc ?? crc32(e.data);
    const lh = new DataView(new ArrayBuffer(30));
    lh.setUint32(0, 0x04034b50, true); lh.setUint16(4, 20, true); lh.setUint16(8, method, true); lh.setUint32(14, crc, true);
    lh.setUint32(18, body.length, true); lh.setUint32(22, size, true); lh.setUint16(26, name.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true); cd.setUint16(4, 20, true); cd.setUint16(6, 20, true); cd.setUint16(10, method, true);
    cd.setUint32(16, crc, true); cd.setUint32(20, method === 0 ? (e.cdSize ?? body.length) : body.length, true);
    cd.setUint32(24, e.cdSize ?? size, true); cd.setUint16(28, name.length, true); cd.setUint32(42, pos, true);
    parts.push(new Uint8Array(lh.buffer), name, body);
    central.push(new Uint8Array(cd.buffer), name);
    pos += 30 + name.length + body.length;
  }
  const cdLen = central.reduce((n, c) => n + c.length, 0);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true); eocd.setUint16(8, entries.length, true); eocd.setUint16(10, entries.length, true);
  eocd.setUint32(12, cdLen, true); eocd.setUint32(16, pos, true);
  // A plain copy: Buffer.concat may return a view into a shared pool, where DataView offsets (used to patch fields) are off.
  return new Uint8Array(Buffer.concat([...parts, ...central, new Uint8Array(eocd.buffer)]));
}
