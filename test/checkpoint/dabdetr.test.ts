import { describe, expect, it } from 'vitest';
import { type ModelConfig, OFFICIAL_DAB_DETR_R50 } from '../../src/model/config';
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

// DAB-DETR checkpoints (IDEA-Research/DAB-DETR, dab_detr) are recognised from their keys and load:
// the training checkpoints its main.py writes (model, optimizer, lr_scheduler, epoch, args: DC5,
// patterns and the sine temperatures said there) and bare state dicts. What the weights cannot
// show (DC5, the head count, the temperatures) is said in the notes. The models built on it
// (DN-DETR, DINO, DAB-Deformable-DETR) stay refused by name.

const NO_DC5 = 'DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false';
const NO_HEADS = "nheads cannot be seen in DAB-DETR's weights (its attention projections are hidden x hidden for any head count) and the checkpoint has no args: assuming the official 8";
const NO_TEMPERATURE = 'peTemperature not found in the checkpoint; using the official [20,20]';

/** A small DAB-DETR with 2 patterns (formula weights) so that whole files are written and read in milliseconds. */
const SMALL: ModelConfig = { ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64, numPatterns: 2 };

describe('DAB-DETR checkpoints: detection from keys', () => {
  it.each([
    ['dabdetr_r50', OFFICIAL_DAB_DETR_R50],
    ['dabdetr_r50_dc5_pat3', { ...OFFICIAL_DAB_DETR_R50, numPatterns: 3 }],
  ])('the official %s state_dict is DAB-DETR R50 with its patterns; DC5, nheads and the temperatures are said to be unseen', (name, want) => {
    const { config, notes, dilationSource } = detectConfig(shapesOf(officialLayout(name)));
    expect(config).toEqual(want);
    expect(dilationSource).toBe('default');
    expect(notes).toEqual([NO_DC5, NO_HEADS, NO_TEMPERATURE]);
  });

  it('sees R101 in the layer3 blocks', () => {
    const r101 = shapesOf(expectedStateDictShapes({ ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet101' }));
    expect(detectConfig(r101).config).toEqual({ ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet101' });
  });

  it('takes DC5, patterns, the head count and the temperatures from args, and refuses an activation other than PReLU', () => {
    const args = { modelname: 'dab_detr', dilation: true, nheads: 8, epochs: 50, backbone: 'resnet50', num_queries: 300, num_patterns: 3, pe_temperatureH: 20, pe_temperatureW: 20, transformer_activation: 'prelu', random_refpoints_xy: true, masks: false };
    const { config, notes, dilationSource } = detectConfig(shapesOf(officialLayout('dabdetr_r50_dc5_pat3')), args);
    expect(config).toEqual({ ...OFFICIAL_DAB_DETR_R50, dilation: true, numPatterns: 3 });
    expect(dilationSource).toBe('args');
    expect(notes).toEqual([]);
    // A 12-epoch schedule means GroupNorm in input_proj for SAM-DETR; DAB-DETR has none at any schedule.
    expect(detectConfig(shapesOf(officialLayout('dabdetr_r50')), { epochs: 12 }).config.inputProjGroupNorm).toBe(false);
    expect(() => detectConfig(shapesOf(officialLayout('dabdetr_r50')), { transformer_activation: 'relu' })).toThrow(CheckpointError);
  });

  it('still refuses the models built on DAB-DETR by name: DN-DETR, DINO, DAB-Deformable-DETR', () => {
    const dn = shapesOf(officialLayout('dabdetr_r50'));
    dn.set('label_enc.weight', [92, 255]);
    expect(refusal(dn).kind).toBe('DN-DETR');
    expect(refusal(dn).message).toBe('this is a DN-DETR checkpoint, a model SAM-DETR Lens does not run (it runs SAM-DETR, single- and multi-scale, post-norm DETR without masks, Conditional DETR, DAB-DETR and Deformable DETR)');
    const dino = new Map(dn);
    dino.set('transformer.level_embed', [4, 256]);
    expect(refusal(dino).kind).toBe('DINO');
    const deformable = shapesOf(officialLayout('dabdetr_r50'));
    deformable.set('input_proj.1.0.weight', [256, 1024, 1, 1]);
    deformable.set('transformer.encoder.layers.0.self_attn.sampling_offsets.weight', [256, 256]);
    expect(refusal(deformable).kind).toBe('DAB-Deformable-DETR');
    // Anchor boxes without DAB-DETR's width/height head: not a model it runs either.
    const noModulation = new Map([...shapesOf(officialLayout('dabdetr_r50'))].filter(([k]) => !k.includes('ref_anchor_head')));
    expect(refusal(noModulation).kind).toBe('DAB-DETR variant');
  });
});

describe('DAB-DETR checkpoints: whole files', () => {
  it('a training checkpoint as main.py writes it (model, optimizer, lr_scheduler, epoch, args) loads with DC5 and patterns from args', async () => {
    const r = await loadStateDict(bytesSource(await saved(formulaCheckpoint({ ...SMALL, dilation: true }, { seed: 3, epochs: 50 }))));
    expect(r.detected).toEqual({ ...SMALL, dilation: true });
    expect(r.dilationSource).toBe('args');
    expect(r.epoch).toBe(49);
    expect(r.notes).toEqual([]);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect([...r.stateDict.keys()]).toEqual(expectedStateDictShapes(SMALL).map(([k]) => k));
    expect(Array.from(r.stateDict.get('transformer.patterns.weight')!.data)).toEqual(Array.from(formulaTensor('transformer.patterns.weight', [2, 32], 3)));
  });

  it('a bare {"model": state_dict} loads, with DC5 guessed from the file name', async () => {
    const model = new PyOrderedDict<string, SaveTensor>();
    for (const [name, shape] of expectedStateDictShapes(SMALL)) model.set(name, floatTensor(shape, () => formulaTensor(name, shape, 4)));
    const r = await loadStateDict(bytesSource(await saved({ model })), { fileName: 'dab_detr_r18_dc5.pth' });
    expect(r.detected).toEqual({ ...SMALL, dilation: true });
    expect(r.dilationSource).toBe('file-name');
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
  });

  it('names the variants make-checkpoint writes', () => {
    expect(variantConfig('dabdetr_r50').config).toEqual(OFFICIAL_DAB_DETR_R50);
    expect(variantConfig('dabdetr_r101_dc5_pat3').config).toEqual({ ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet101', dilation: true, numPatterns: 3 });
  });
});
