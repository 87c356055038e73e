import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../src/backend/useBackend';
import { formulaWeights } from '../../src/model/formulaWeights';
import { formulaDetrCheckpoint, variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { openFileSink } from '../../src/checkpoint/nodeSink';
import { torchSave } from '../../src/checkpoint/torchSave';
import { loadCheckpointFile } from '../../scripts/lib/loadCheckpointFile';
import { runFixture, compareFixture } from '../../src/parity/run';
import { loadFixture } from '../support/helpers';
import { expectFixtureParity } from '../support/parityChecks';

// Conditional DETR (Atten4Vis/ConditionalDETR) against its official code, tensor by tensor, at
// the project's tolerance (|ours - official| <= 1e-4 + 1e-3 |official|, labels exact): R50 and
// R50-DC5 (a padded batch of 2), on wasm and on cpu. Besides what every fixture has, these hold
// the reference points and every layer's conditional spatial query (query_sine_embed).
const CASES: [string, 'wasm' | 'cpu'][] = [
  ['condetr_r50', 'wasm'],
  ['condetr_r50_dc5', 'wasm'],
  ['condetr_r50', 'cpu'],
  ['condetr_r50_dc5', 'cpu'],
];

describe('Conditional DETR parity with the official implementation', () => {
  it.each(CASES)('%s on %s', async (name, backend) => {
    const { rows, fx } = await expectFixtureParity(name, backend, 100);
    // The tensors that are Conditional DETR's own are there and compared in full.
    const names = rows.map((r) => r.name);
    expect(names).toContain('decoder.reference_points');
    for (let l = 0; l < fx.config.decLayers; l++) expect(names).toContain(`decoder.${l}.query_sine_embed`);
  });

  // End to end through a full-size .pth as released ({"model": state_dict}, no args): recognised
  // from its keys as Conditional DETR, every weight read, the same parity as the formula.
  it('condetr_r50 from a {"model": state_dict} checkpoint as released (wasm)', async () => {
    await useBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'parity-condetr-'));
    try {
      const path = join(dir, 'ConditionalDETR_r50_epoch50.pth');
      const sink = await openFileSink(path);
      try {
        await torchSave(sink, formulaDetrCheckpoint(variantConfig('condetr_r50').config, { seed: 0 }));
      } finally {
        await sink.close();
      }
      const fx = loadFixture('condetr_r50');
      const weights = await loadCheckpointFile(path, fx.config);
      expect(weights.has('transformer.decoder.ref_point_head.layers.1.weight')).toBe(true);
      const rows = compareFixture(fx, await runFixture(fx, weights));
      expect(rows.length).toBe(33);
      expect(rows.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails where query_scale differs: the spatial queries and attention of layers 1-5, not layer 0 (wasm)', async () => {
    await useBackend('wasm');
    const fx = loadFixture('condetr_r50');
    const weights = formulaWeights(fx.config, fx.weightSeed);
    const bias = weights.get('transformer.decoder.query_scale.layers.1.bias')!;
    weights.set('transformer.decoder.query_scale.layers.1.bias', { ...bias, data: bias.data.map((v) => v + 0.05) });
    const failed = compareFixture(fx, await runFixture(fx, weights)).filter((r) => !r.pass).map((r) => r.name);
    for (let l = 1; l < 6; l++) expect(failed).toEqual(expect.arrayContaining([`decoder.${l}.query_sine_embed`, `decoder.${l}.cross_attn_weights`]));
    expect(failed).toContain('decoder.5.hs');
    expect(failed.filter((n) => n.startsWith('decoder.0.') || n.startsWith('outputs.0.') || n.startsWith('backbone.') || n.startsWith('encoder.'))).toEqual([]);
  });
});
