import { describe, expect, it } from 'vitest';
import { type ModelConfig, OFFICIAL_CONDITIONAL_DETR_R50 } from '../../src/model/config';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { detectConfig } from '../../src/checkpoint/detectConfig';
import { ForeignCheckpointError } from '../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { PyFloat } from '../../src/checkpoint/pickleWriter';
import { PyNamespace } from '../../src/checkpoint/pyTypes';
import { officialLayout, shapesOf, stateDictOf, saved } from '../support/checkpointFiles';

// Conditional DETR checkpoints (Atten4Vis/ConditionalDETR) are recognised from their keys and
// load: the released `{"model": state_dict}` files and training checkpoints with args. What the
// weights cannot show (DC5, the head count) is said in the notes, as for DETR.

const NO_DC5 = 'DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false';
const NO_HEADS = "nheads cannot be seen in Conditional DETR's weights (its attention projections are hidden x hidden for any head count) and the checkpoint has no args: assuming the official 8";

/** A small Conditional DETR (formula weights) so that whole files are written and read in milliseconds. */
const SMALL: ModelConfig = { ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64 };

describe('Conditional DETR checkpoints: detection from keys', () => {
  it.each(['condetr_r50', 'condetr_r50_dc5'])('the official %s state_dict is Conditional DETR R50; DC5 and nheads are said to be unseen', (name) => {
    const { config, notes, dilationSource } = detectConfig(shapesOf(officialLayout(name)));
    expect(config).toEqual(OFFICIAL_CONDITIONAL_DETR_R50);
    expect(dilationSource).toBe('default');
    expect(notes).toEqual([NO_DC5, NO_HEADS]);
  });

  it('sees R101 in the layer3 blocks and guesses DC5 from the released file names (ConditionalDETR_r50dc5_epoch50.pth)', () => {
    const r101 = shapesOf(expectedStateDictShapes({ ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet101' }));
    expect(detectConfig(r101).config).toEqual({ ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet101' });
    const dc5 = detectConfig(shapesOf(officialLayout('condetr_r50')), undefined, 'ConditionalDETR_r50dc5_epoch50.pth');
    expect([dc5.config.dilation, dc5.dilationSource]).toEqual([true, 'file-name']);
    expect(detectConfig(shapesOf(officialLayout('condetr_r50')), undefined, 'ConditionalDETR_r50_epoch50.pth').config.dilation).toBe(false);
  });

  it('takes DC5, the head count and the schedule from args, and never a GroupNorm from the schedule', () => {
    const args = { dilation: true, nheads: 8, epochs: 50, backbone: 'resnet50', num_queries: 300, masks: false, pre_norm: false };
    const { config, notes, dilationSource } = detectConfig(shapesOf(officialLayout('condetr_r50')), args);
    expect(config).toEqual({ ...OFFICIAL_CONDITIONAL_DETR_R50, dilation: true });
    expect(dilationSource).toBe('args');
    expect(notes).toEqual([]);
    // A 12-epoch SAM-DETR schedule means GroupNorm in input_proj there; Conditional DETR has none at any schedule.
    expect(detectConfig(shapesOf(officialLayout('condetr_r50')), { epochs: 12 }).config.inputProjGroupNorm).toBe(false);
  });

  it('tells DAB-DETR (built on Conditional DETR: the same heads beside anchor boxes) from it, and still refuses DN-DETR by name', () => {
    const dab = shapesOf(officialLayout('condetr_r50'));
    dab.delete('query_embed.weight');
    dab.set('refpoint_embed.weight', [300, 4]);
    dab.set('transformer.decoder.ref_anchor_head.layers.0.weight', [256, 256]);
    expect(detectConfig(dab).config.decoder).toBe('dab');
    dab.set('label_enc.weight', [92, 255]);
    try {
      detectConfig(dab);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ForeignCheckpointError);
      expect((e as ForeignCheckpointError).kind).toBe('DN-DETR');
      expect((e as ForeignCheckpointError).message).toBe('this is a DN-DETR checkpoint, a model SAM-DETR Lens does not run (it runs SAM-DETR, single- and multi-scale, post-norm DETR without masks, Conditional DETR, DAB-DETR and Deformable DETR)');
    }
  });
});

describe('Conditional DETR checkpoints: whole files', () => {
  it('a released {"model": state_dict} file loads, every weight read, nothing missing', async () => {
    const r = await loadStateDict(bytesSource(await saved({ model: stateDictOf(SMALL, 3) })), { fileName: 'ConditionalDETR_r18dc5_small.pth' });
    expect(r.detected).toEqual({ ...SMALL, dilation: true });
    expect(r.dilationSource).toBe('file-name');
    expect(r.args).toBeUndefined();
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect([...r.stateDict.keys()]).toEqual(expectedStateDictShapes(SMALL).map(([k]) => k));
    expect(Array.from(r.stateDict.get('transformer.decoder.ref_point_head.layers.1.bias')!.data)).toEqual(Array.from(formulaTensor('transformer.decoder.ref_point_head.layers.1.bias', [2], 3)));
  });

  it('a training checkpoint (model, optimizer, lr_scheduler, epoch, args) loads with DC5 from args', async () => {
    const args = new PyNamespace<unknown>();
    for (const [k, v] of Object.entries({ backbone: 'resnet18', dilation: true, nheads: 8, hidden_dim: 32, num_queries: 7, enc_layers: 1, dec_layers: 2, dim_feedforward: 64, epochs: 50, masks: false, pre_norm: false })) args.attrs.set(k, v);
    args.attrs.set('lr', new PyFloat(1e-4));
    const ckpt = { model: stateDictOf(SMALL, 4), optimizer: { state: new Map(), param_groups: [] }, lr_scheduler: { last_epoch: 50 }, epoch: 49, args };
    const r = await loadStateDict(bytesSource(await saved(ckpt)));
    expect(r.detected).toEqual({ ...SMALL, dilation: true });
    expect(r.dilationSource).toBe('args');
    expect(r.epoch).toBe(49);
    expect(r.notes).toEqual([]);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
  });
});
