import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../src/backend/useBackend';
import { variantCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { openFileSink } from '../../src/checkpoint/nodeSink';
import { torchSave } from '../../src/checkpoint/torchSave';
import { loadCheckpointFile } from '../../scripts/lib/loadCheckpointFile';
import { runFixture, compareFixture } from '../../src/parity/run';
import { loadFixture } from '../support/helpers';
import { failingRows, nudged, expectFixtureParity } from '../support/parityChecks';

// Deformable DETR (fundamentalvision/Deformable-DETR) against its official code, tensor by tensor,
// at the project's tolerance (|ours - official| <= 1e-4 + 1e-3 |official|, labels exact): plain,
// with iterative box refinement on a padded batch of 2, and two-stage (refinement + proposals),
// on wasm; plain on cpu too (about 40 s there), PARITY_CPU=all adds the other two. Besides the
// backbone, the four input projections and the encoder's deformable sampling, the fixtures hold
// every decoder layer's reference as its levels read it, its sampling locations and attention
// weights (the points of the paper's Figure 6), every layer's boxes, and for two-stage the
// encoder's proposals.
const CASES: [string, 'wasm' | 'cpu'][] = [
  ['deform_r50', 'wasm'],
  ['deform_r50_refine', 'wasm'],
  ['deform_r50_two_stage', 'wasm'],
  ['deform_r50', 'cpu'],
  ...(process.env.PARITY_CPU === 'all' ? (['deform_r50_refine', 'deform_r50_two_stage'].map((f) => [f, 'cpu']) as [string, 'cpu'][]) : []),
];

describe('Deformable DETR parity with the official implementation', () => {
  it.each(CASES)('%s on %s', async (name, backend) => {
    // Top 100 of all query x class sigmoid scores per image.
    const { rows, fx } = await expectFixtureParity(name, backend, 100);
    // Deformable DETR's own tensors are there: four input projections, and per decoder layer the
    // reference it reads and where it samples; two-stage adds the proposals.
    const names = rows.map((r) => r.name);
    for (let l = 0; l < 4; l++) expect(names).toContain(`input_proj.${l}`);
    for (let l = 0; l < fx.config.decLayers; l++) {
      for (const t of ['reference_points', 'sampling_locations', 'attention_weights']) expect(names).toContain(`decoder.${l}.${t}`);
      expect(names).toContain(`outputs.${l}.pred_boxes`);
    }
    expect(names).toContain('decoder.init_reference');
    if (fx.config.twoStage) expect(names).toEqual(expect.arrayContaining(['two_stage.enc_outputs_class', 'two_stage.enc_outputs_boxes']));
    // With refinement every layer after the first reads a box (4 values per level), not a point.
    expect(fx.tensors.get('decoder.1.reference_points')!.shape[3]).toBe(fx.config.withBoxRefine ? 4 : 2);
  });

  // End to end through a full-size training checkpoint as Deformable DETR's main.py writes them
  // (model, optimizer, lr_scheduler, epoch, args with with_box_refine and two_stage).
  it('deform_r50_two_stage from a training checkpoint with args (wasm)', async () => {
    await useBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'parity-deformable-'));
    try {
      const path = join(dir, 'checkpoint.pth');
      const sink = await openFileSink(path);
      try {
        await torchSave(sink, variantCheckpoint('deform_r50_two_stage', 0));
      } finally {
        await sink.close();
      }
      const fx = loadFixture('deform_r50_two_stage');
      const weights = await loadCheckpointFile(path, fx.config);
      expect(weights.get('transformer.pos_trans.weight')!.shape).toEqual([512, 512]);
      const rows = compareFixture(fx, await runFixture(fx, weights));
      expect(rows.length).toBe(53);
      expect(rows.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the shared head of the plain model under its last index: a change there fails every layer\'s outputs, not the decoder (wasm)', async () => {
    await useBackend('wasm');
    const failed = await failingRows('deform_r50', nudged('deform_r50', 'class_embed.5.bias', 0.5));
    expect(failed).toEqual(expect.arrayContaining(['outputs.0.pred_logits', 'outputs.5.pred_logits', 'postprocess.0.scores']));
    expect(failed.filter((n) => n.startsWith('decoder.') || n.startsWith('encoder.') || n.endsWith('pred_boxes'))).toEqual([]);
    // The same change under index 0 (the same module officially, overwritten by the later names) changes nothing.
    expect(await failingRows('deform_r50', nudged('deform_r50', 'class_embed.0.bias', 0.5))).toEqual([]);
  });

  it('fails where layer 0\'s refinement differs: the references and samples of the layers after it, not layer 0\'s (wasm)', async () => {
    await useBackend('wasm');
    const failed = await failingRows('deform_r50_refine', nudged('deform_r50_refine', 'bbox_embed.0.layers.2.bias', 0.05));
    expect(failed).toEqual(expect.arrayContaining(['outputs.0.pred_boxes', 'decoder.1.reference_points', 'decoder.1.sampling_locations', 'decoder.5.hs']));
    expect(failed.filter((n) => n.startsWith('decoder.0.') || n.startsWith('encoder.') || n === 'decoder.init_reference' || n === 'outputs.0.pred_logits')).toEqual([]);
  });

  it('fails where the proposals\' position embedding differs: the decoder, not the proposals nor the first references (wasm)', async () => {
    await useBackend('wasm');
    const failed = await failingRows('deform_r50_two_stage', nudged('deform_r50_two_stage', 'transformer.pos_trans_norm.bias', 0.05));
    expect(failed).toEqual(expect.arrayContaining(['decoder.0.sampling_locations', 'decoder.0.hs', 'outputs.5.pred_logits']));
    expect(failed.filter((n) => n.startsWith('two_stage.') || n.startsWith('encoder.') || n === 'decoder.init_reference' || n === 'decoder.0.reference_points')).toEqual([]);
  });
});
