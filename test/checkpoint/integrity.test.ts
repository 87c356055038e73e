import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { CheckpointError } from '../../src/checkpoint/errors';
import { NO_CHECKSUM_NOTE } from '../../src/checkpoint/integrity';
import { torchSave } from '../../src/checkpoint/torchSave';
import { loadCheckpoint } from '../../src/worker/modelApi';
import { smallModel } from '../../scripts/lib/hostile/fixtures';

/**
 * What the app says about a checkpoint's integrity (the checkpoint details list), and that it
 * refuses a checkpoint it cannot run before reading any weight.
 */
async function saved(format: 'zip' | 'legacy'): Promise<Blob> {
  const sink = new MemorySink();
  await torchSave(sink, { model: smallModel() }, { format });
  return new Blob(sink.chunks as BlobPart[]);
}

describe('the checkpoint details in the app', () => {
  it('a legacy file is reported as carrying no checksum; a zip file is not', async () => {
    const legacy = await loadCheckpoint(await saved('legacy'), 'small.pth', () => {});
    const zip = await loadCheckpoint(await saved('zip'), 'small.pth', () => {});
    expect(legacy.report).toContain(NO_CHECKSUM_NOTE);
    expect(zip.report).not.toContain(NO_CHECKSUM_NOTE);
    expect(legacy.report[0]).toMatch(/^legacy torch\.save file/);
  });

  it('an incomplete checkpoint is refused before any weight is read', async () => {
    const progress: number[] = [];
    const err = await loadCheckpoint(new Blob([readFileSync('test/fixtures/pth/mini.pth')]), 'mini.pth', (done) => progress.push(done)).then(() => null, (e: unknown) => e);
    expect((err as CheckpointError).code).toBe('unsupported-family');
    expect(progress).toEqual([]);
  });
});
