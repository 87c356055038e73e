/**
 * What a file's format can say about damage. Zip entries carry a CRC-32 that the reader checks
 * for every entry it reads; the legacy torch.save format and safetensors carry none, so a
 * changed tensor byte loads as a changed weight. The app and `npm run inspect` say so.
 */
export type FileFormat = 'zip' | 'legacy' | 'safetensors';

export const NO_CHECKSUM_NOTE = 'this format carries no checksum: a changed or damaged byte in the weights would load unnoticed';

/** The sentence to show beside a loaded file, or null when the format is checked (zip). */
export function checksumNote(format: FileFormat): string | null {
  return format === 'zip' ? null : NO_CHECKSUM_NOTE;
}
