import { type ByteSink, ByteBuilder } from './byteSink';
import { crc32 } from './crc32';

/**
 * A zip writer shaped like torch.save's (miniz in PyTorchFileWriter): entries stored, no
 * compression, dates zero, each entry's data aligned to 64 bytes by an 'FB' padding extra
 * field, so readers (and mmap) can view tensors in place. ZIP64 records are written when sizes
 * or offsets need them, or always with `forceZip64` (to exercise readers on small files).
 */
const U32_MAX = 0xffffffff;
const ALIGN = 64;

interface Written {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

export class ZipWriter {
  private pos = 0;
  private readonly entries: Written[] = [];

  constructor(private readonly sink: ByteSink, private readonly forceZip64 = false) {}

  private async emit(b: Uint8Array): Promise<void> {
    await this.sink.write(b);
    this.pos += b.length;
  }

  async add(name: string, data: Uint8Array): Promise<void> {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const size = data.length;
    const offset = this.pos;
    const zip64 = this.forceZip64 || size >= U32_MAX;
    const h = new ByteBuilder();
    h.u32(0x04034b50).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(0).u32(crc);
    h.u32(zip64 ? U32_MAX : size).u32(zip64 ? U32_MAX : size);
    const zip64Extra = zip64 ? 20 : 0;
    // Where the data would start without padding; if misaligned, an 'FB' extra field of
    // 4 + pad bytes moves it to the next multiple of 64.
    const unpadded = offset + 30 + nameBytes.length + zip64Extra;
    const pad = unpadded % ALIGN === 0 ? null : (ALIGN - ((unpadded + 4) % ALIGN)) % ALIGN;
    h.u16(nameBytes.length).u16(zip64Extra + (pad === null ? 0 : 4 + pad)).bytes(nameBytes);
    if (zip64) h.u16(0x0001).u16(16).u64(size).u64(size);
    if (pad !== null) h.u16(0x4246).u16(pad).bytes(new Uint8Array(pad).fill(0x5a)); // 'FB', then 'Z' * pad
    await this.emit(h.result());
    await this.emit(data);
    this.entries.push({ name: nameBytes, crc, size, offset });
  }

  async finish(): Promise<void> {
    const cdStart = this.pos;
    const cd = new ByteBuilder();
    for (const e of this.entries) {
      const zip64 = this.forceZip64 || e.size >= U32_MAX || e.offset >= U32_MAX;
      cd.u32(0x02014b50).u16(45).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(0).u32(e.crc);
      cd.u32(zip64 ? U32_MAX : e.size).u32(zip64 ? U32_MAX : e.size);
      cd.u16(e.name.length).u16(zip64 ? 28 : 0).u16(0).u16(0).u16(0).u32(0);
      cd.u32(zip64 ? U32_MAX : e.offset).bytes(e.name);
      if (zip64) cd.u16(0x0001).u16(24).u64(e.size).u64(e.size).u64(e.offset);
    }
    await this.emit(cd.result());
    const cdSize = this.pos - cdStart;
    const n = this.entries.length;
    const end = new ByteBuilder();
    const zip64 = this.forceZip64 || n >= 0xffff || cdStart >= U32_MAX || cdSize >= U32_MAX;
    if (zip64) {
      const recAt = this.pos;
      end.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(n).u64(n).u64(cdSize).u64(cdStart);
      end.u32(0x07064b50).u32(0).u64(recAt).u32(1);
    }
    end.u32(0x06054b50).u16(0).u16(0);
    end.u16(zip64 ? 0xffff : n).u16(zip64 ? 0xffff : n);
    end.u32(zip64 ? U32_MAX : cdSize).u32(zip64 ? U32_MAX : cdStart).u16(0);
    await this.emit(end.result());
  }
}
