import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/worker/modelApi';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { torchSave } from '../../src/checkpoint/torchSave';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { BUNDLED } from '../../src/train/bundledConfigs';

describe('checkpoint read budget (worker)', () => {
  it('a read past its budget stops with a typed message naming the budget', async () => {
    const sink = new MemorySink();
    await torchSave(sink, formulaCheckpoint({ ...BUNDLED['sam-detr-smca'].config, numClasses: 91 }, { seed: 1, epochs: 12 }));
    const blob = new Blob([new Uint8Array(sink.bytes())]);
    await expect(loadCheckpoint(blob, 'slow.pth', () => {}, 0)).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/stopped after 0 s, the budget/) });
    // Within the budget the same file loads.
    const ok = await loadCheckpoint(blob, 'ok.pth', () => {});
    expect(ok.config.smca).toBe(true);
  });

  it('a fixture that is not a checkpoint still gets its own error, not the budget one', async () => {
    const blob = new Blob([readFileSync('test/fixtures/pth/not_a_checkpoint.pth')]);
    await expect(loadCheckpoint(blob, 'x.pth', () => {})).rejects.toMatchObject({ code: 'not-a-checkpoint' });
  });
});
