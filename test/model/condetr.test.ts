import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import { stateDictLayout } from '../../src/model/stateDictLayout';
import { formulaWeights } from '../../src/model/formulaWeights';
import { OFFICIAL_CONDITIONAL_DETR_R50, classLogits, validateConfig, type ModelConfig } from '../../src/model/config';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';
import { configFromFixture } from '../../src/parity/fixture';

// Conditional DETR (Atten4Vis/ConditionalDETR) as a config of the model library; its
// tensor-by-tensor parity is in test/parity/condetr.test.ts. Here: its state_dict layout against the
// official one the fixtures record, its config checks, and a small model's forward pass.

const manifest = (name: string) => JSON.parse(readFileSync(`test/fixtures/official/${name}/manifest.json`, 'utf8'));

describe('Conditional DETR config', () => {
  it.each(['condetr_r50', 'condetr_r50_dc5'])('has the official state_dict of %s: names, shapes and order', (name) => {
    const m = manifest(name);
    const config = configFromFixture(m.config, m.family);
    expect(config).toEqual({ ...OFFICIAL_CONDITIONAL_DETR_R50, dilation: name.endsWith('dc5') });
    expect(stateDictLayout(config)).toEqual(m.state_dict);
  });

  it('keeps ca_qpos_proj in layer 0 only, and has ResNet-101\'s 23 layer3 blocks for R101', () => {
    const names = stateDictLayout(OFFICIAL_CONDITIONAL_DETR_R50).map(([k]) => k);
    expect(names.filter((k) => k.includes('ca_qpos_proj.weight'))).toEqual(['transformer.decoder.layers.0.ca_qpos_proj.weight']);
    const r101 = stateDictLayout({ ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet101' });
    expect(r101.filter(([k]) => /^backbone\.0\.body\.layer3\.\d+\.conv1\.weight$/.test(k))).toHaveLength(23);
  });

  it('has a sigmoid head without a no-object class, and refuses what Conditional DETR lacks', () => {
    expect(classLogits(OFFICIAL_CONDITIONAL_DETR_R50)).toBe(91);
    expect(validateConfig(OFFICIAL_CONDITIONAL_DETR_R50)).toEqual([]);
    expect(validateConfig({ ...OFFICIAL_CONDITIONAL_DETR_R50, inputProjGroupNorm: true })).toEqual(['Conditional DETR has no input_proj GroupNorm']);
    expect(validateConfig({ ...OFFICIAL_CONDITIONAL_DETR_R50, smca: true })).toEqual(['SMCA needs the SAM decoder']);
    expect(validateConfig({ ...OFFICIAL_CONDITIONAL_DETR_R50, multiscale: true })).toContain('multiscale needs the SAM decoder');
  });
});

describe('a small Conditional DETR runs (cpu)', () => {
  it('gives every layer its reference points, spatial query, attention and heads, and frees them', async () => {
    await useBackend('cpu');
    const c: ModelConfig = { ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 3, dimFeedforward: 64 };
    const before = tf.memory().numTensors;
    const model = buildModel(c, formulaWeights(c, 1));
    const [H, W] = [64, 96];
    const images = tf.tensor4d(Float32Array.from({ length: H * W * 3 }, (_, i) => Math.sin(i * 0.37)), [1, H, W, 3]);
    const mask = tf.zeros([1, H, W]) as tf.Tensor3D;
    const enc = model.runEncoder({ images, mask, sizes: [[H, W]] });
    const dec = model.runDecoder(enc);
    try {
      const [hw, nq] = [enc.featH * enc.featW, c.numQueries];
      for (const L of dec.layers) {
        expect(L.referencePoints!.shape).toEqual([1, nq, 2]);
        expect(L.querySineEmbed!.shape).toEqual([1, nq, 32]);
        expect(L.crossAttn!.shape).toEqual([1, 4, nq, hw]);
        expect(L.selfAttn.shape).toEqual([1, 4, nq, nq]);
        expect(L.predLogits.shape).toEqual([1, nq, 5]);
        expect(L.predBoxes.shape).toEqual([1, nq, 4]);
        expect(L.referenceBoxes).toBeUndefined();
      }
      // One reference point per query for all layers; the box centre is anchored on it.
      const ref0 = await dec.layers[0].referencePoints!.data();
      expect(Array.from(await dec.layers[2].referencePoints!.data())).toEqual(Array.from(ref0));
      // Layer 0 takes the sine embedding as is, later layers scale it: they differ.
      expect(Array.from(await dec.layers[1].querySineEmbed!.data())).not.toEqual(Array.from(await dec.layers[0].querySineEmbed!.data()));
      const sums = tf.sum(dec.layers[2].crossAttn!, -1);
      for (const s of await sums.data()) expect(s).toBeCloseTo(1, 5);
      sums.dispose();
    } finally {
      disposeDecoder(dec);
      disposeEncoder(enc);
      tf.dispose([images, mask]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
