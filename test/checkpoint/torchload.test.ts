import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { torchSave } from '../../src/checkpoint/torchSave';
import { BUNDLED } from '../../src/train/bundledConfigs';

// PyTorch itself reads what our torch.save-format writer writes: torch.load on a written
// file (zip and legacy), every model tensor compared with the values we meant to write.
// Needs Debian's python3-torch (.ci/run installs it); skipped, and said so, where it is absent.
const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn('checkpoint.torchload: /usr/bin/python3 has no torch (apt-get install python3-torch); skipped');

const dir = mkdtempSync(join(tmpdir(), 'torchload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Dump {
  keys: string[];
  tensors: { name: string; dtype: string; shape: number[]; offset: number; bytes: number }[];
  epoch: number;
  args: Record<string, unknown>;
  optimizer_state: Record<string, string[]>;
  param_groups: number[];
}

describe.skipIf(!hasTorch)('torch.load reads our torch.save-format files', () => {
  const config = { ...BUNDLED['sam-detr-smca'].config, numClasses: 91 };
  const seed = 5;
  it.each(['zip', 'legacy'] as const)('%s format: every tensor, the epoch, args and optimizer state', async (format) => {
    const sink = new MemorySink();
    await torchSave(sink, formulaCheckpoint(config, { seed, epochs: 12 }), { format });
    const file = join(dir, `ours_${format}.pth`);
    writeFileSync(file, sink.bytes());
    const prefix = join(dir, `dump_${format}`);
    execFileSync(PY, ['tools/torch_load_dump.py', file, prefix], { stdio: 'pipe' });
    const dump = JSON.parse(readFileSync(prefix + '.json', 'utf8')) as Dump;
    const bin = readFileSync(prefix + '.bin');
    const values = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);

    expect(dump.keys).toEqual(['args', 'epoch', 'lr_scheduler', 'model', 'optimizer']);
    expect(dump.epoch).toBe(11);
    expect(dump.args.hidden_dim).toBe(config.hiddenDim);
    expect(dump.args.smca).toBe(true);
    const layout = expectedStateDictShapes(config);
    expect(dump.tensors.map((t) => t.name)).toEqual(layout.map(([n]) => n));
    for (const [i, [name, shape]] of layout.entries()) {
      const t = dump.tensors[i];
      expect([t.dtype, t.shape], name).toEqual(['torch.float32', shape]);
      const got = values.subarray(t.offset / 4, (t.offset + t.bytes) / 4);
      const want = formulaTensor(name, shape, seed);
      let bad = -1;
      for (let j = 0; j < want.length && bad < 0; j++) if (got[j] !== want[j]) bad = j;
      expect(bad, `${name}: first differing element`).toBe(-1);
      expect(got.length, name).toBe(want.length);
    }
    // AdamW state of the few parameters formulaCheckpoint gives moments, and two param groups.
    expect(Object.values(dump.optimizer_state).every((k) => k.join() === 'exp_avg,exp_avg_sq,step')).toBe(true);
    expect(Object.keys(dump.optimizer_state).length).toBeGreaterThan(0);
    expect(dump.param_groups.length).toBe(2);
  }, 120_000);
});
