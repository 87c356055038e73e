import { type ByteSource, readRange } from './byteSource';
import { CheckpointError, asCheckpointError } from './errors';
import { openLegacyCheckpoint } from './legacyCheckpoint';
import type { PyValue } from './pyTypes';
import { openZipCheckpoint } from './zipCheckpoint';

/**
 * Opens a torch.save file of either format and returns its object tree with lazy tensors.
 * Nothing from the file is executed, and no tensor bytes are read yet.
 */
export interface Checkpoint {
  format: 'zip' | 'legacy';
  root: PyValue;
}

const SIGNATURES: [string, number[]][] = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a gzip file', [0x1f, 0x8b]],
  ['an HDF5 file (Keras weights?)', [0x89, 0x48, 0x44, 0x46]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['an HTML page (a download link that returned a web page?)', [0x3c]],
];

/**
 * Protocols 0 and 1 have no PROTO opcode: a legacy file written with them starts with the magic
 * number as a text LONG, "L119547037146038801333356L\n" (torch.load reads such files).
 */
function isTextMagic(head: Uint8Array): boolean {
  return String.fromCharCode(...head.subarray(0, 8)) === 'L1195470';
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

export async function openCheckpoint(src: ByteSource): Promise<Checkpoint> {
  try {
    return await open(src);
  } catch (e) {
    throw asCheckpointError(e);
  }
}

async function open(src: ByteSource): Promise<Checkpoint> {
  if (src.size < 8) throw new CheckpointError('not-a-checkpoint', `"${src.name}" is not a PyTorch checkpoint: it is only ${src.size} bytes long`);
  const head = await readRange(src, 0, 8, 'file header');
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return { format: 'zip', root: await openZipCheckpoint(src) };
  if ((head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) || isTextMagic(head)) return { format: 'legacy', root: await openLegacyCheckpoint(src) };
  const known = SIGNATURES.find(([, sig]) => sig.every((b, i) => head[i] === b));
  const looksLike = known ? `it starts like ${known[0]}` : 'it starts with unknown bytes';
  throw new CheckpointError(
    'not-a-checkpoint',
    `"${src.name}" is not a PyTorch checkpoint: ${looksLike} (${hex(head)}), ` +
      'while a .pth file is a zip archive (torch.save) or a pickle stream (legacy torch.save)',
  );
}
