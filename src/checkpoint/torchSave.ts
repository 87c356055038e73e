import { type ByteSink, ByteBuilder } from './byteSink';
import { TorchPickler } from './pickleWriter';
import { ZipWriter } from './zipWriter';

/**
 * torch.save for JS values (see pickleWriter.ts for what can be saved), streaming one storage
 * at a time: the zip format of PyTorch >= 1.6, or the legacy format with `format: 'legacy'`.
 */
export interface SaveOptions {
  format?: 'zip' | 'legacy';
  /** Top-level folder inside the zip (torch uses "archive" or the file's stem). */
  archiveName?: string;
  forceZip64?: boolean;
  /** Called after each storage with bytes of storage data written / to write. */
  onProgress?: (written: number, total: number) => void;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export async function torchSave(sink: ByteSink, obj: unknown, opts: SaveOptions = {}): Promise<void> {
  const legacy = opts.format === 'legacy';
  const pickler = new TorchPickler(legacy);
  const pkl = pickler.dump(obj);
  const storages = pickler.storages;
  const total = storages.reduce((n, s) => n + s.byteLength, 0);
  let written = 0;
  const produce = (i: number): Uint8Array => {
    const b = storages[i].bytes();
    if (b.length !== storages[i].byteLength) throw new Error(`storage ${i} produced ${b.length} bytes, expected ${storages[i].byteLength}`);
    return b;
  };

  if (!legacy) {
    const root = opts.archiveName ?? 'archive';
    const zip = new ZipWriter(sink, opts.forceZip64);
    await zip.add(`${root}/data.pkl`, pkl);
    for (let i = 0; i < storages.length; i++) {
      await zip.add(`${root}/data/${i}`, produce(i));
      opts.onProgress?.((written += storages[i].byteLength), total);
    }
    await zip.add(`${root}/version`, new TextEncoder().encode('3\n'));
    await zip.finish();
    return;
  }

  await sink.write(new TorchPickler().dump(LEGACY_MAGIC));
  await sink.write(new TorchPickler().dump(1001));
  await sink.write(new TorchPickler().dump({ protocol_version: 1001, little_endian: true, type_sizes: { short: 2, int: 4, long: 4 } }));
  await sink.write(pkl);
  await sink.write(new TorchPickler().dump(storages.map((_, i) => String(i))));
  for (let i = 0; i < storages.length; i++) {
    await sink.write(new ByteBuilder().u64(storages[i].numel).result());
    await sink.write(produce(i));
    opts.onProgress?.((written += storages[i].byteLength), total);
  }
}
