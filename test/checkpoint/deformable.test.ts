import { describe, expect, it } from 'vitest';
import { type ModelConfig, OFFICIAL_DEFORMABLE_DETR_R50 } from '../../src/model/config';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { detectConfig } from '../../src/checkpoint/detectConfig';
import { CheckpointError } from '../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaCheckpoint, variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { floatTensor, type SaveTensor } from '../../src/checkpoint/pickleWriter';
import { PyOrderedDict } from '../../src/checkpoint/pyTypes';
import { officialLayout, shapesOf, saved, refusal } from '../support/checkpointFiles';

// Deformable DETR checkpoints (fundamentalvision/Deformable-DETR) are recognised from their keys
// and load: the training checkpoints its main.py writes (model, optimizer, lr_scheduler, epoch,
// args with with_box_refine and two_stage) and bare state dicts, whose variant shows in the keys
// (refinement: the decoder's own bbox_embed; two-stage: enc_output and pos_trans). What the
// weights cannot show (DC5; a two-stage model's query count) is said in the notes. The models
// built on it (DAB-Deformable-DETR, DINO) stay refused by name.

const NO_DC5 = 'DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false';
const NO_QUERIES = 'numQueries not found in the checkpoint; using the official 300';

/** A small two-stage Deformable DETR (formula weights) so that whole files are written and read in milliseconds. */
const SMALL: ModelConfig = { ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64, withBoxRefine: true, twoStage: true };

describe('Deformable DETR checkpoints: detection from keys', () => {
  it.each([
    ['deform_r50', OFFICIAL_DEFORMABLE_DETR_R50, [NO_DC5]],
    ['deform_r50_refine', { ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true }, [NO_DC5]],
    ['deform_r50_two_stage', { ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true, twoStage: true }, [NO_DC5, NO_QUERIES]],
  ])('the official %s state_dict is Deformable DETR R50 with its variant; what it cannot show is said', (name, want, notes) => {
    const r = detectConfig(shapesOf(officialLayout(name)));
    expect(r.config).toEqual(want);
    expect(r.dilationSource).toBe('default');
    expect(r.notes).toEqual(notes);
  });

  it('sees R101 in the layer3 blocks and the head count in attention_weights', () => {
    const r101 = shapesOf(expectedStateDictShapes({ ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet101' }));
    expect(detectConfig(r101).config).toEqual({ ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet101' });
    expect(detectConfig(shapesOf(expectedStateDictShapes({ ...OFFICIAL_DEFORMABLE_DETR_R50, nheads: 4 }))).config.nheads).toBe(4);
  });

  it('takes the variant from args, GroupNorm whatever the schedule, and refuses other levels or points', () => {
    const args = { with_box_refine: true, two_stage: true, dilation: false, epochs: 50, backbone: 'resnet50', num_queries: 300, hidden_dim: 256, nheads: 8, enc_layers: 6, dec_layers: 6, dim_feedforward: 1024, num_feature_levels: 4, enc_n_points: 4, dec_n_points: 4 };
    const r = detectConfig(shapesOf(officialLayout('deform_r50_two_stage')), args);
    expect(r.config).toEqual({ ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true, twoStage: true });
    expect([r.dilationSource, r.notes]).toEqual(['args', []]);
    // A 12-epoch schedule decides GroupNorm for single-scale SAM-DETR; Deformable DETR always has it.
    expect(detectConfig(shapesOf(officialLayout('deform_r50')), { epochs: 12 }).config.inputProjGroupNorm).toBe(true);
    // Args that disagree with the keys are followed, and the note says so.
    const disagree = detectConfig(shapesOf(officialLayout('deform_r50')), { with_box_refine: true });
    expect(disagree.config.withBoxRefine).toBe(true);
    expect(disagree.notes).toContain('args give withBoxRefine = true but the weights look like false; following args');
    expect(() => detectConfig(shapesOf(officialLayout('deform_r50')), { num_feature_levels: 5 })).toThrow(CheckpointError);
    expect(() => detectConfig(shapesOf(officialLayout('deform_r50')), { dec_n_points: 8 })).toThrow(/dec_n_points/);
    // DC5 Deformable DETR is not run here: refused as a configuration, not half-loaded.
    expect(() => detectConfig(shapesOf(officialLayout('deform_r50')), { dilation: true })).toThrow(/no DC5/);
  });

  it('still refuses the models built on it by name: DAB-Deformable-DETR, DINO', () => {
    const dab = shapesOf(officialLayout('deform_r50_refine'));
    dab.set('refpoint_embed.weight', [300, 4]);
    dab.set('tgt_embed.weight', [300, 256]);
    expect(refusal(dab).kind).toBe('DAB-Deformable-DETR');
    expect(refusal(dab).message).toBe('this is a DAB-Deformable-DETR checkpoint, a model SAM-DETR Lens does not run (it runs SAM-DETR, single- and multi-scale, post-norm DETR without masks, Conditional DETR, DAB-DETR and Deformable DETR)');
    const dino = shapesOf(officialLayout('deform_r50_two_stage'));
    dino.set('label_enc.weight', [92, 256]);
    expect(refusal(dino).kind).toBe('DINO');
  });
});

describe('Deformable DETR checkpoints: whole files', () => {
  it('a training checkpoint as main.py writes it (model, optimizer, lr_scheduler, epoch, args) loads with its variant from args and keys', async () => {
    const r = await loadStateDict(bytesSource(await saved(formulaCheckpoint(SMALL, { seed: 3, epochs: 50 }))));
    expect(r.detected).toEqual(SMALL);
    expect(r.dilationSource).toBe('args');
    expect(r.epoch).toBe(49);
    expect(r.notes).toEqual([]);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect([...r.stateDict.keys()]).toEqual(expectedStateDictShapes(SMALL).map(([k]) => k));
    expect(Array.from(r.stateDict.get('transformer.pos_trans.weight')!.data)).toEqual(Array.from(formulaTensor('transformer.pos_trans.weight', [64, 64], 3)));
  });

  it('a bare {"model": state_dict} of the plain model loads from its keys alone', async () => {
    const plain: ModelConfig = { ...SMALL, withBoxRefine: false, twoStage: false };
    const model = new PyOrderedDict<string, SaveTensor>();
    for (const [name, shape] of expectedStateDictShapes(plain)) model.set(name, floatTensor(shape, () => formulaTensor(name, shape, 4)));
    const r = await loadStateDict(bytesSource(await saved({ model })), { fileName: 'r50_deformable_detr-checkpoint.pth' });
    expect(r.detected).toEqual(plain);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
  });

  it('names the variants make-checkpoint writes', () => {
    expect(variantConfig('deform_r50').config).toEqual(OFFICIAL_DEFORMABLE_DETR_R50);
    expect(variantConfig('deform_r50_refine').config).toEqual({ ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true });
    expect(variantConfig('deform_r101_two_stage').config).toEqual({ ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet101', withBoxRefine: true, twoStage: true });
  });
});
