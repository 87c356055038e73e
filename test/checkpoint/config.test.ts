import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ModelConfig, OFFICIAL_DETR_R50, OFFICIAL_R50 } from '../../src/model/config';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { compareWithConfig, detectConfig } from '../../src/checkpoint/detectConfig';
import { CheckpointError, ForeignCheckpointError } from '../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaDetrCheckpoint, variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { fnv1a32, formulaTensor } from '../../src/checkpoint/formulaWeights';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { openFileSource } from '../../src/checkpoint/nodeSource';
import { floatTensor } from '../../src/checkpoint/pickleWriter';
import { torchSave } from '../../src/checkpoint/torchSave';

const layouts: Record<string, [string, number[]][]> = JSON.parse(readFileSync('test/fixtures/pth/official_state_dict_layouts.json', 'utf8'));
const VARIANTS = ['r50_e12', 'r50_smca_e12', 'r50_e50', 'r50_smca_e50'];
const shapesOf = (l: [string, number[]][]) => new Map(l.map(([k, s]) => [k, s]));
const RUNS = 'a model SAM-DETR Lens does not run (it runs SAM-DETR, single- and multi-scale, post-norm DETR without masks, Conditional DETR, DAB-DETR and Deformable DETR)';
const foreign = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ForeignCheckpointError);
    return e as ForeignCheckpointError;
  }
  throw new Error('no error');
};

describe('expectedStateDictShapes', () => {
  it.each(VARIANTS)('equals the official %s layout: names, shapes and order', (v) => {
    expect(expectedStateDictShapes(variantConfig(v).config)).toEqual(layouts[v]);
  });

  it('builds torchvision layouts for the other backbones and widths', () => {
    const count = (c: ModelConfig, re: RegExp) => expectedStateDictShapes(c).filter(([k]) => re.test(k)).length;
    const r101 = { ...OFFICIAL_R50, backbone: 'resnet101' } as const;
    expect(count(r101, /^backbone\.0\.body\.layer3\.\d+\.conv1\.weight$/)).toBe(23);
    const r18 = { ...OFFICIAL_R50, backbone: 'resnet18', backboneWidth: 16 } as const;
    const l18 = new Map(expectedStateDictShapes(r18));
    expect(l18.has('backbone.0.body.layer1.0.downsample.0.weight')).toBe(false); // 16 -> 16 channels: no projection
    expect(l18.get('backbone.0.body.layer2.0.downsample.0.weight')).toEqual([32, 16, 1, 1]);
    expect(l18.get('backbone.0.body.layer1.0.conv1.weight')).toEqual([16, 16, 3, 3]);
    expect(l18.has('backbone.0.body.layer1.0.conv3.weight')).toBe(false);
    expect(l18.get('input_proj.0.0.weight')).toEqual([256, 128, 1, 1]);
    const r34 = { ...OFFICIAL_R50, backbone: 'resnet34' } as const;
    expect(count(r34, /^backbone\.0\.body\.layer\d\.\d+\.conv1\.weight$/)).toBe(16);
  });

  it('the DETR-style baseline layout has packed attention and a learned query position', () => {
    const l = new Map(expectedStateDictShapes({ ...OFFICIAL_R50, decoder: 'detr', decLayers: 2, hiddenDim: 64, nheads: 4 }));
    expect(l.get('transformer.decoder.layers.1.cross_attn.in_proj_weight')).toEqual([192, 64]);
    expect(l.get('query_pos_embed.weight')).toEqual([300, 64]);
    expect(l.get('query_embed.weight')).toEqual([300, 4]);
    expect([...l.keys()].some((k) => k.includes('point1') || k.includes('sa_qcontent_proj'))).toBe(false);
  });
});

describe('formula weights', () => {
  it('matches the README test vectors', () => {
    expect(fnv1a32('query_embed.weight')).toBe(0x6fd830c9);
    // The README's first u values, through the bias rule (0.1 * u, rounded to float32): the seed
    // is chosen so that fnv1a32(name) ^ seed is the key of query_embed.weight.
    const u = [0.18155775172635913, -0.5145884184166789, -0.7135021788999438, 0.0664424430578947];
    const seed = (fnv1a32('query_embed.weight') ^ fnv1a32('b')) >>> 0;
    expect(Array.from(formulaTensor('b', [4], seed))).toEqual(u.map((x) => Math.fround(0.1 * x)));
    expect(Array.from(formulaTensor('query_embed.weight', [300, 4], 0).subarray(0, 3))).toEqual([0.15723362565040588, -0.44564664363861084, -0.6179110407829285]);
    expect(Array.from(formulaTensor('backbone.0.body.conv1.weight', [64, 3, 7, 7], 0).subarray(0, 3))).toEqual([-0.027585038915276527, 0.08944988995790482, 0.10223400592803955]);
  });

  it('follows the per-name rules', () => {
    const v = formulaTensor('x.running_var', [1000], 5);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...v)).toBeLessThanOrEqual(1.5);
    const w = formulaTensor('x.weight', [1000], 5);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(0.9);
    expect(Array.from(formulaTensor('x.weight', [4], 1))).not.toEqual(Array.from(formulaTensor('x.weight', [4], 2)));
  });
});

describe('detectConfig', () => {
  it.each(VARIANTS)('recognises %s from its weights alone, and says DC5 is a guess', (v) => {
    const { config, notes } = detectConfig(shapesOf(layouts[v]));
    expect(config).toEqual({ ...variantConfig(v).config });
    expect(notes).toEqual(['DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false']);
  });

  it('takes DC5, SMCA and the schedule from args', () => {
    const args = { smca: true, dilation: true, epochs: 12, backbone: 'resnet50', num_queries: 300, hidden_dim: 256, nheads: 8, enc_layers: 6, dec_layers: 6, dim_feedforward: 2048, multiscale: false };
    const { config, notes } = detectConfig(shapesOf(layouts.r50_smca_e12), args);
    expect(config).toEqual(variantConfig('r50_dc5_smca_e12').config);
    expect(notes).toEqual([]);
  });

  it('notes where args and weights disagree', () => {
    const { config, notes } = detectConfig(shapesOf(layouts.r50_e50), { smca: true, dilation: false });
    expect(config.smca).toBe(true);
    expect(notes).toEqual(['args give smca = true but the weights look like false; following args']);
  });

  it('reads backbone depth from layer3 block counts and basic blocks', () => {
    for (const backbone of ['resnet18', 'resnet34', 'resnet101'] as const) {
      const c: ModelConfig = { ...OFFICIAL_R50, backbone, backboneWidth: 16, hiddenDim: 64, nheads: 4, numQueries: 10, numClasses: 5, encLayers: 2, decLayers: 3, dimFeedforward: 128, point2Hidden: [32, 32], smca: true, inputProjGroupNorm: false };
      expect(detectConfig(shapesOf(expectedStateDictShapes(c))).config).toEqual(c);
    }
    const detr: ModelConfig = { ...OFFICIAL_R50, decoder: 'detr', smca: false };
    const { config, notes } = detectConfig(shapesOf(expectedStateDictShapes(detr)));
    expect(config).toEqual(detr);
    expect(notes).toContain('nheads not found in the checkpoint; using the official 8');
  });

  const DETR_NOTES = [
    'DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false',
    "nheads cannot be seen in official DETR's weights (packed attention projections have the same shape for any head count) and the checkpoint has no args: assuming the official 8",
  ];

  it.each([
    ['detr_r50', OFFICIAL_DETR_R50],
    ['detr_r101', { ...OFFICIAL_DETR_R50, backbone: 'resnet101' } as ModelConfig],
  ])('recognises official DETR (%s) from its weights alone: 91 classes, nheads and DC5 noted as assumed', (v, want) => {
    const shapes = shapesOf(layouts[v]);
    const { config, notes } = detectConfig(shapes);
    expect(config).toEqual(want);
    expect(config.numClasses).toBe(91); // class_embed has 92 rows: the last is "no object"
    expect(notes).toEqual(DETR_NOTES);
    const cmp = compareWithConfig(shapes, config);
    expect([cmp.missing, cmp.unexpected, cmp.mismatched]).toEqual([[], [], []]);
  });

  it('official DETR: DC5 from the file name (a guess, noted) or from args; sizes and heads from args', () => {
    const shapes = shapesOf(layouts.detr_r50);
    const named = detectConfig(shapes, undefined, 'detr-r50-dc5-f0fb7ef5.pth');
    expect(named.config).toEqual({ ...OFFICIAL_DETR_R50, dilation: true });
    expect(named.notes[0]).toBe('DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: guessing dilation = true from the file name "detr-r50-dc5-f0fb7ef5.pth" (it says dc5)');
    const plain = detectConfig(shapes, undefined, 'detr-r50-e632da11.pth');
    expect(plain.config).toEqual(OFFICIAL_DETR_R50);
    expect(plain.notes[0]).toMatch(/guessing dilation = false from the file name "detr-r50-e632da11\.pth" \(it does not say dc5\)$/);
    expect(detectConfig(shapes, undefined, 'my_dc50_run.pth').config.dilation).toBe(false); // "dc5" only as a word
    // DETR's main.py args: dilation and nheads said there win over any file name; 500 epochs add no GroupNorm.
    const args = { backbone: 'resnet50', dilation: true, nheads: 4, epochs: 500, hidden_dim: 256, num_queries: 100, enc_layers: 6, dec_layers: 6, dim_feedforward: 2048, pre_norm: false, masks: false, aux_loss: true };
    const fromArgs = detectConfig(shapes, args, 'detr-r50-e632da11.pth');
    expect(fromArgs.config).toEqual({ ...OFFICIAL_DETR_R50, dilation: true, nheads: 4 });
    expect(fromArgs.notes).toEqual([]);
    // A short DETR schedule says nothing about GroupNorm (SAM-DETR's 12-epoch models have it; DETR never).
    expect(detectConfig(shapes, { ...args, epochs: 12 }).config.inputProjGroupNorm).toBe(false);
  });

  it('official DETR: layer counts, FFN width, queries and classes from the keys', () => {
    const c: ModelConfig = { ...OFFICIAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 7, numClasses: 5, encLayers: 2, decLayers: 3, dimFeedforward: 64 };
    const shapes = shapesOf(expectedStateDictShapes(c));
    expect(shapes.get('class_embed.weight')).toEqual([6, 32]);
    expect(detectConfig(shapes).config).toEqual(c);
    // A stray layer past a gap is named and not counted, as for SAM-DETR.
    shapes.set('transformer.decoder.layers.7.linear1.weight', [64, 32]);
    const d = detectConfig(shapes);
    expect(d.config.decLayers).toBe(3);
    expect(d.notes.join('\n')).toMatch(/counted 3 decoder layers \(indices 0-2\); transformer\.decoder\.layers\.7\.linear1\.weight does not continue/);
  });

  it('an incomplete official DETR is still DETR, and the comparison names what it lacks', () => {
    // Same backbone and encoder as SAM-DETR, standard decoder layers, one class head, plain input_proj; no box MLP.
    const shapes = shapesOf(layouts.r50_e50.filter(([k]) => k.startsWith('backbone.') || k.startsWith('transformer.encoder.')));
    for (let l = 0; l < 6; l++) {
      for (const a of ['self_attn', 'multihead_attn']) {
        shapes.set(`transformer.decoder.layers.${l}.${a}.in_proj_weight`, [768, 256]);
        shapes.set(`transformer.decoder.layers.${l}.${a}.out_proj.weight`, [256, 256]);
      }
    }
    shapes.set('transformer.decoder.norm.weight', [256]);
    shapes.set('class_embed.weight', [92, 256]);
    shapes.set('query_embed.weight', [100, 256]);
    shapes.set('input_proj.weight', [256, 2048, 1, 1]);
    const { config } = detectConfig(shapes);
    expect(config).toEqual(OFFICIAL_DETR_R50);
    const cmp = compareWithConfig(shapes, config);
    expect(cmp.missing).toContain('bbox_embed.layers.2.weight');
    expect(cmp.missing).toContain('transformer.decoder.layers.5.multihead_attn.in_proj_bias');
    expect(cmp.missing).not.toContain('class_embed.weight');
    expect(cmp.unexpected).toEqual([]);
  });

  it('refuses pre-norm DETR and DETR segmentation (panoptic) by name', () => {
    const pre = shapesOf(layouts.detr_r50);
    pre.set('transformer.encoder.norm.weight', [256]);
    pre.set('transformer.encoder.norm.bias', [256]);
    const e = foreign(() => detectConfig(pre));
    expect([e.kind, e.code]).toEqual(['pre-norm DETR', 'unsupported-family']);
    expect(e.message).toBe(`this is a pre-norm DETR checkpoint, ${RUNS}`);
    expect(e.details).toBe('compared with post-norm DETR: missing none; unexpected transformer.encoder.norm.weight, transformer.encoder.norm.bias');
    expect([e.missing, e.unexpected]).toEqual([[], ['transformer.encoder.norm.weight', 'transformer.encoder.norm.bias']]);
    expect(foreign(() => detectConfig(shapesOf(layouts.detr_r50), { pre_norm: true })).kind).toBe('pre-norm DETR');
    // DETRsegm: the detector under `detr.`, plus a box attention map and a mask head.
    const pan = shapesOf(layouts.detr_r50.map(([k, v]) => [`detr.${k}`, v]));
    pan.set('bbox_attention.q_linear.weight', [256, 256]);
    pan.set('mask_head.lay1.weight', [264, 264, 3, 3]);
    const p = foreign(() => detectConfig(pan));
    expect([p.kind, p.code]).toEqual(['DETR segmentation (panoptic)', 'unsupported-family']);
    // Compared without the `detr.` prefix: what is left over is the segmentation's.
    expect(p.message).toBe(`this is a DETR segmentation (panoptic) checkpoint, ${RUNS}`);
    expect(p.details).toBe('compared with post-norm DETR: missing none; unexpected bbox_attention.q_linear.weight, mask_head.lay1.weight');
    expect(foreign(() => detectConfig(shapesOf(layouts.detr_r50), { masks: true })).kind).toBe('DETR segmentation (panoptic)');
    // The same args on a SAM-DETR checkpoint say nothing about DETR.
    expect(detectConfig(shapesOf(layouts.r50_e50), { masks: true, pre_norm: true, dilation: false }).config).toEqual(variantConfig('r50_e50').config);
  });

  it('names DINO and DN-DETR checkpoints', () => {
    const dino = shapesOf(layouts.r50_e50);
    dino.set('label_enc.weight', [92, 256]);
    dino.set('transformer.level_embed', [4, 256]);
    const d = foreign(() => detectConfig(dino));
    expect(d.message).toBe(`this is a DINO checkpoint, ${RUNS}`);
    expect(d.details).toBe('compared with single-scale SAM-DETR: missing none; unexpected label_enc.weight, transformer.level_embed');
    const dn = shapesOf(layouts.detr_r50);
    dn.set('label_enc.weight', [92, 256]);
    expect(foreign(() => detectConfig(dn)).kind).toBe('DN-DETR');
  });

  /**
   * Deformable DETR (fundamentalvision/Deformable-DETR, single-stage, no box refinement) as its
   * state_dict names things: four levels, deformable cross-attention in the decoder, learned
   * reference points, query_embed [nq, 2 * hidden]; no point1/point2.
   */
  function deformableDetrLayout(): Map<string, number[]> {
    const ms = shapesOf(layouts.ms_r50_e12);
    const s = new Map([...ms].filter(([k]) => !k.startsWith('transformer.decoder.') && k !== 'query_embed.weight'));
    s.set('transformer.level_embed', [4, 256]);
    s.set('transformer.reference_points.weight', [2, 256]);
    s.set('query_embed.weight', [300, 512]);
    s.set('input_proj.3.0.weight', [256, 2048, 3, 3]);
    for (let l = 0; l < 6; l++) {
      const p = `transformer.decoder.layers.${l}`;
      s.set(`${p}.cross_attn.sampling_offsets.weight`, [256, 256]);
      s.set(`${p}.cross_attn.attention_weights.weight`, [128, 256]);
      s.set(`${p}.self_attn.in_proj_weight`, [768, 256]);
      s.set(`${p}.linear1.weight`, [1024, 256]);
    }
    return s;
  }

  it('says where DC5 came from in a typed field (args, the file name, the default, n/a for multi-scale), whatever the notes say', () => {
    const detr = shapesOf(layouts.detr_r50);
    const sam = shapesOf(layouts.r50_e50);
    const src = (shapes: Map<string, number[]>, args?: Record<string, unknown>, name?: string) => detectConfig(shapes, args, name).dilationSource;
    // args win over a name, whether they say true or false
    expect(src(detr, { dilation: false }, 'detr-r50-dc5-f0fb7ef5.pth')).toBe('args');
    expect(src(sam, { dilation: true, smca: false })).toBe('args');
    // the name guesses, both ways; args without dilation leave it to the name
    expect(src(detr, undefined, 'detr-r50-dc5-f0fb7ef5.pth')).toBe('file-name');
    expect(src(detr, undefined, 'detr-r50-e632da11.pth')).toBe('file-name');
    expect(src(sam, { smca: false }, 'sam_detr_r50.pth')).toBe('file-name');
    // nothing says: the default
    expect(src(detr)).toBe('default');
    expect(src(sam, { smca: false })).toBe('default');
    // multi-scale has no DC5: no guess, even from a name that says dc5
    expect(src(shapesOf(layouts.ms_r50_e12), undefined, 'ms-dc5.pth')).toBe('n/a');
    expect(src(shapesOf(layouts.ms_r50_e12), { multiscale: true, dilation: false })).toBe('n/a');
  });

  const MS_CONFIG: ModelConfig = { ...OFFICIAL_R50, multiscale: true };

  it.each([
    ['ms_r50_e12', MS_CONFIG],
    ['ms_r50_smca_e12', { ...MS_CONFIG, smca: true }],
  ])('recognises multi-scale SAM-DETR (%s) from its weights alone: no DC5 guess (the model has none)', (v, want) => {
    const shapes = shapesOf(layouts[v]);
    const { config, notes } = detectConfig(shapes);
    expect(config).toEqual(want);
    // dim_feedforward is the decoder's 2048 (the deformable encoder's FFN is half of it).
    expect(shapes.get('transformer.encoder.layers.0.linear1.weight')).toEqual([1024, 256]);
    expect(notes).toEqual([]);
    const cmp = compareWithConfig(shapes, config);
    expect([cmp.missing, cmp.unexpected, cmp.mismatched]).toEqual([[], [], []]);
  });

  it('multi-scale SAM-DETR with its training args: SMCA from args, GroupNorm whatever the schedule, DC5 refused', () => {
    const args = { multiscale: true, smca: true, dilation: false, epochs: 50, backbone: 'resnet50', num_queries: 300, hidden_dim: 256, nheads: 8, enc_layers: 6, dec_layers: 6, dim_feedforward: 2048 };
    const { config, notes } = detectConfig(shapesOf(layouts.ms_r50_smca_e12), args);
    // 50 epochs would mean no GroupNorm for single-scale SAM-DETR; multi-scale always has it.
    expect(config).toEqual({ ...MS_CONFIG, smca: true });
    expect(notes).toEqual([]);
    // Weights without the multi-scale keys but args saying multiscale: args win, and the note says so.
    const single = detectConfig(shapesOf(layouts.r50_e50), { multiscale: true });
    expect(single.config.multiscale).toBe(true);
    expect(single.notes).toContain('args give multiscale = true but the weights have none of its keys (transformer.level_embed, input_proj.1, input_proj.2); following args');
    expect(compareWithConfig(shapesOf(layouts.r50_e50), single.config).missing).toContain('transformer.level_embed');
    // multiscale: false (every single-scale run's default) changes nothing.
    expect(detectConfig(shapesOf(layouts.ms_r50_e12), { multiscale: false }).config).toEqual(MS_CONFIG);
    const dc5 = (() => {
      try {
        detectConfig(shapesOf(layouts.ms_r50_e12), { dilation: true });
      } catch (e) {
        return e as CheckpointError;
      }
    })();
    expect([dc5?.code, dc5?.message]).toEqual(['invalid-config', "the checkpoint's configuration cannot be built: multiscale has no DC5 (dilation)"]);
  });

  it('a damaged multi-scale checkpoint (SAM decoder, input_proj.1, no level_embed) is still multi-scale, and the comparison names what it lacks', () => {
    const ms = shapesOf(layouts.r50_e50);
    ms.set('input_proj.1.0.weight', [256, 1024, 1, 1]);
    const { config } = detectConfig(ms);
    expect(config).toEqual(MS_CONFIG);
    expect(compareWithConfig(ms, config).missing).toEqual(expect.arrayContaining(['transformer.level_embed', 'input_proj.0.1.weight', 'input_proj.2.0.weight']));
  });

  it('recognises Deformable DETR (levels and a deformable decoder without SAM-DETR\'s point1) and names the rest of its kind in one sentence', () => {
    // Deformable DETR loads now (test/checkpoint/deformable.test.ts): this partial layout is
    // detected as one, and the comparison names what it lacks.
    const { config } = detectConfig(deformableDetrLayout());
    expect([config.decoder, config.withBoxRefine, config.twoStage, config.nheads, config.dimFeedforward]).toEqual(['deformable', false, false, 8, 1024]);
    expect(compareWithConfig(deformableDetrLayout(), config).missing).toContain('transformer.decoder.layers.0.cross_attn.value_proj.weight');
    // Older single-scale layouts with a deformable key only are another Deformable DETR.
    const deform = shapesOf(layouts.detr_r50);
    deform.set('transformer.level_embed', [4, 256]);
    const e = foreign(() => detectConfig(deform));
    expect([e.kind, e.code]).toEqual(['Deformable DETR variant', 'unsupported-family']);
    expect(e.message).toBe(`this is a Deformable DETR variant checkpoint, ${RUNS}`);
    expect(e.details).toMatch(/^compared with multi-scale SAM-DETR: missing .*; unexpected .*$/);
  });

  it('rejects models with none of SAM-DETR\'s weights, and unknown backbones', () => {
    expect(() => detectConfig(new Map([['fc.weight', [10, 4]]]))).toThrow("the checkpoint's model has none of SAM-DETR's weights (its keys start: fc.weight)");
    expect(() => detectConfig(shapesOf(layouts.r50_e50), { backbone: 'swin_t' })).toThrow('unsupported backbone "swin_t"');
  });
});

describe('loadStateDict on small files', () => {
  it('mini.pth: args and epoch, and a report of what does not fit the configuration', async () => {
    const src = await openFileSource('test/fixtures/pth/mini.pth');
    const r = await loadStateDict(src);
    await src.close();
    expect(r.epoch).toBe(11);
    expect(r.args).toMatchObject({ smca: true, epochs: 12, backbone: 'resnet50' });
    // Configuration from args; the class count, which args do not hold, from class_embed.0.bias.
    expect(r.detected).toEqual({ ...variantConfig('r50_smca_e12').config, numClasses: 3 });
    expect(r.notes).toContain('args give numQueries = 300 but the weights look like 5; following args');
    expect(r.report.unexpected).toEqual(['view.rows', 'view.transposed', 'half.weight', 'bf16.weight', 'counter', 'mask', 'float64.scalar']);
    expect(r.report.mismatched).toEqual([
      { name: 'transformer.decoder.layers.0.point2.6.bias', expected: [32], actual: [16] },
      { name: 'query_embed.weight', expected: [300, 4], actual: [5, 4] },
    ]);
    expect(r.report.missing).toHaveLength(738 - 3);
    expect(r.report.missing[0]).toBe('backbone.0.body.conv1.weight');
    expect([...r.stateDict.keys()]).toEqual(['class_embed.0.bias']);
    expect(Array.from(r.stateDict.get('class_embed.0.bias')!.data)).toEqual([-4.595119953155518, -4.595119953155518, -4.595119953155518]);
  });

  it('a bare state dict of a small model: detected from weights, tied bbox_embed read once and shared', async () => {
    const c: ModelConfig = { ...OFFICIAL_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64, point2Hidden: [16, 16], inputProjGroupNorm: false };
    const model = new Map<string, unknown>();
    for (const [name, shape] of expectedStateDictShapes(c)) {
      // As in the official model, bbox_embed is the decoder's module (listed earlier): one tensor, two names.
      const tied = model.get(`transformer.decoder.${name}`);
      model.set(name, name.startsWith('bbox_embed.') ? tied : floatTensor(shape, () => formulaTensor(name, shape, 1)));
    }
    const sink = new MemorySink();
    await torchSave(sink, model);
    const totals: number[] = [];
    const r = await loadStateDict(bytesSource(sink.bytes()), { onProgress: (p) => totals.push(p.total) });
    expect(r.detected).toEqual(c);
    expect(r.args).toBeUndefined();
    expect(r.notes).toEqual(['DC5 (dilation) cannot be seen in the weights and the checkpoint has no args: assuming dilation = false']);
    expect(r.dilationSource).toBe('default');
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(r.stateDict.get('bbox_embed.1.layers.2.weight')!.data).toBe(r.stateDict.get('transformer.decoder.bbox_embed.1.layers.2.weight')!.data);
    const allBytes = [...r.stateDict.values()].reduce((n, t) => n + t.data.byteLength, 0);
    const tiedBytes = [...r.stateDict].filter(([k]) => k.startsWith('bbox_embed.')).reduce((n, [, t]) => n + t.data.byteLength, 0);
    expect(totals[0]).toBe(allBytes - tiedBytes);
  });

  it('an official DETR checkpoint as released ({"model": state_dict}) loads as official DETR', async () => {
    const c: ModelConfig = { ...OFFICIAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64 };
    const sink = new MemorySink();
    await torchSave(sink, formulaDetrCheckpoint(c, { seed: 3 }));
    const r = await loadStateDict(bytesSource(sink.bytes()), { fileName: 'detr-r18-dc5-small.pth' });
    expect(r.detected).toEqual({ ...c, dilation: true });
    expect(r.dilationSource).toBe('file-name');
    expect(r.args).toBeUndefined();
    expect(r.extras).toEqual([]);
    expect(r.notes[0]).toMatch(/guessing dilation = true from the file name "detr-r18-dc5-small\.pth"/);
    expect(r.report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect([...r.stateDict.keys()]).toEqual(expectedStateDictShapes(c).map(([k]) => k));
    expect(Array.from(r.stateDict.get('class_embed.bias')!.data)).toEqual(Array.from(formulaTensor('class_embed.bias', [6], 3)));
  });

  it('a pre-norm DETR checkpoint fails with its family named', async () => {
    const c: ModelConfig = { ...OFFICIAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64 };
    const ckpt = formulaDetrCheckpoint(c, { seed: 3 }) as { model: Map<string, unknown> };
    ckpt.model.set('transformer.encoder.norm.weight', floatTensor([32], () => new Float32Array(32)));
    const sink = new MemorySink();
    await torchSave(sink, ckpt);
    const e = await loadStateDict(bytesSource(sink.bytes())).catch((x) => x);
    expect(e).toBeInstanceOf(ForeignCheckpointError);
    expect(e.code).toBe('unsupported-family');
    expect(e.message).toMatch(/^this is a pre-norm DETR checkpoint, a model SAM-DETR Lens does not run \(.*\)$/);
    expect(e.unexpected).toEqual(['transformer.encoder.norm.weight']);
  });

  it('stops when aborted', async () => {
    const src = await openFileSource('test/fixtures/pth/mini.pth');
    const ac = new AbortController();
    ac.abort();
    const e = await loadStateDict(src, { signal: ac.signal }).catch((x) => x);
    await src.close();
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.code).toBe('aborted');
  });
});
