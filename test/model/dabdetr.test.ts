import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import { stateDictLayout } from '../../src/model/stateDictLayout';
import { formulaWeights } from '../../src/model/formulaWeights';
import { OFFICIAL_DAB_DETR_R50, classLogits, querySlots, validateConfig, type ModelConfig } from '../../src/model/config';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';
import { sineEmbedAnchors, sineEmbedPoints } from '../../src/model/position';
import { detectionsOf, familyOf } from '../../src/model/scoring';
import { configFromFixture } from '../../src/parity/fixture';

// DAB-DETR (IDEA-Research/DAB-DETR, dab_detr) as a config of the model library; its
// tensor-by-tensor parity is in test/parity/dabdetr.test.ts. Here: its state_dict layout against the
// official one the fixtures record, its config checks, the anchors' sine embedding, and a small
// model with patterns: slots, anchors refined layer by layer, the top-300 postprocess.

const manifest = (name: string) => JSON.parse(readFileSync(`test/fixtures/official/${name}/manifest.json`, 'utf8'));

describe('DAB-DETR config', () => {
  it.each([
    ['dabdetr_r50', OFFICIAL_DAB_DETR_R50],
    ['dabdetr_r50_dc5_pat3', { ...OFFICIAL_DAB_DETR_R50, dilation: true, numPatterns: 3 }],
  ])('has the official state_dict of %s: names, shapes and order', (name, want) => {
    const m = manifest(name);
    const config = configFromFixture(m.config, m.family);
    expect(config).toEqual(want);
    expect(stateDictLayout(config)).toEqual(m.state_dict);
  });

  it('keeps ca_qpos_proj in layer 0 only, a PReLU slope per layer, and the patterns only with patterns', () => {
    const names = stateDictLayout(OFFICIAL_DAB_DETR_R50).map(([k]) => k);
    expect(names.filter((k) => k.includes('ca_qpos_proj.weight'))).toEqual(['transformer.decoder.layers.0.ca_qpos_proj.weight']);
    expect(names.filter((k) => k.endsWith('.activation.weight'))).toHaveLength(12);
    expect(names).not.toContain('transformer.patterns.weight');
    expect(stateDictLayout({ ...OFFICIAL_DAB_DETR_R50, numPatterns: 3 })).toContainEqual(['transformer.patterns.weight', [3, 256]]);
  });

  it('has a sigmoid head, top-300 over all slots, and refuses what DAB-DETR lacks', () => {
    expect(classLogits(OFFICIAL_DAB_DETR_R50)).toBe(91);
    expect(familyOf(OFFICIAL_DAB_DETR_R50)).toBe('DAB-DETR');
    expect(querySlots({ ...OFFICIAL_DAB_DETR_R50, numPatterns: 3 })).toBe(900);
    expect(validateConfig(OFFICIAL_DAB_DETR_R50)).toEqual([]);
    expect(validateConfig({ ...OFFICIAL_DAB_DETR_R50, inputProjGroupNorm: true })).toEqual(['DAB-DETR has no input_proj GroupNorm']);
    expect(validateConfig({ ...OFFICIAL_DAB_DETR_R50, numPatterns: -1 })).toEqual(['numPatterns must be an integer in 0..64']);
    expect(validateConfig({ ...OFFICIAL_DAB_DETR_R50, decoder: 'conditional', numPatterns: 3 })).toEqual(['numPatterns needs the DAB-DETR decoder']);
    expect(validateConfig({ ...OFFICIAL_DAB_DETR_R50, hiddenDim: 258, nheads: 6 })).toContain('DAB-DETR needs hiddenDim divisible by 4');
    // A fixture that says another activation or another num_select describes another model.
    const m = manifest('dabdetr_r50');
    expect(() => configFromFixture({ ...m.config, transformer_activation: 'relu' }, m.family)).toThrow(/transformer_activation/);
    expect(() => configFromFixture({ ...m.config, num_select: 100 }, m.family)).toThrow(/num_select/);
  });

  it('embeds an anchor as [y, x, w, h]: the centre as sineEmbedPoints does, then w before h', () => {
    const box = tf.tensor3d([[[0.3, 0.6, 0.2, 0.9]]]);
    const all = sineEmbedAnchors(box, 8);
    const centre = sineEmbedPoints(box.slice([0, 0, 0], [1, 1, 2]), 8);
    const w = sineEmbedPoints(tf.tensor3d([[[0.2, 0.2]]]), 8).slice([0, 0, 0], [1, 1, 8]);
    const h = sineEmbedPoints(tf.tensor3d([[[0.9, 0.9]]]), 8).slice([0, 0, 0], [1, 1, 8]);
    expect(Array.from(all.dataSync())).toEqual([...centre.dataSync(), ...w.dataSync(), ...h.dataSync()]);
    tf.dispose([box, all, centre, w, h]);
  });
});

describe('a small DAB-DETR with patterns runs (cpu)', () => {
  it('gives every slot its anchor, refines the anchors layer by layer, keeps the top 300, and frees everything', async () => {
    await useBackend('cpu');
    const c: ModelConfig = { ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 50, encLayers: 1, decLayers: 3, dimFeedforward: 64, numPatterns: 2 };
    const before = tf.memory().numTensors;
    const weights = formulaWeights(c, 1);
    const model = buildModel(c, weights);
    const [H, W] = [64, 96];
    const images = tf.tensor4d(Float32Array.from({ length: H * W * 3 }, (_, i) => Math.sin(i * 0.37)), [1, H, W, 3]);
    const mask = tf.zeros([1, H, W]) as tf.Tensor3D;
    const enc = model.runEncoder({ images, mask, sizes: [[H, W]] });
    const dec = model.runDecoder(enc);
    try {
      const [hw, slots] = [enc.featH * enc.featW, 14];
      for (const L of dec.layers) {
        expect(L.referenceBoxes!.shape).toEqual([1, slots, 4]);
        expect(L.crossAttn!.shape).toEqual([1, 4, slots, hw]);
        expect(L.selfAttn.shape).toEqual([1, 4, slots, slots]);
        expect(L.predLogits.shape).toEqual([1, slots, 50]);
        expect(L.predBoxes.shape).toEqual([1, slots, 4]);
      }
      // Layer 0 reads sigmoid(refpoint_embed), the same anchor q for slot q of every pattern.
      const anchors = weights.get('refpoint_embed.weight')!.data;
      const a0 = await dec.layers[0].referenceBoxes!.data();
      for (let s = 0; s < slots; s++) for (let k = 0; k < 4; k++) expect(a0[s * 4 + k]).toBeCloseTo(1 / (1 + Math.exp(-anchors[(s % 7) * 4 + k])), 6);
      // The patterns make the slots of one anchor differ from layer 0's output on.
      const b0 = await dec.layers[0].predBoxes.data();
      expect(Array.from(b0.slice(0, 4))).not.toEqual(Array.from(b0.slice(7 * 4, 8 * 4)));
      // Each layer reads a box refined by the one before: the anchors move.
      expect(Array.from(await dec.layers[1].referenceBoxes!.data())).not.toEqual(Array.from(a0));
      // The official PostProcess: top num_select = 300 of all slot x class scores.
      const [dets] = await detectionsOf(c, dec.layers[2], [[H, W]]);
      expect(dets).toHaveLength(300);
      expect(Math.max(...dets.map((d) => d.query))).toBeLessThan(slots);
      expect((await detectionsOf(c, dec.layers[2], [[H, W]], 10))[0]).toHaveLength(10);
    } finally {
      disposeDecoder(dec);
      disposeEncoder(enc);
      tf.dispose([images, mask]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
