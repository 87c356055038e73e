/**
 * Params.release(): once a model has run, its state dict's float32 arrays are let go; the model
 * computes the same, and every weight comes back bit for bit (the stored-model export reads them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { buildModel, formulaWeights } from '../../src/model';
import type { ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import type { ModelInfo } from '../../src/worker/messages';

const config: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
};
const info: ModelInfo = { slot: 0, name: 't', source: 'bundled', config, classNames: [], inputSize: 64, maxSize: 107, placeholder: true, params: 0, loadMs: 0 };
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('model parameters: releasing the float32 arrays', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lets go of most of the model once it has run (the engine asks after the first run); the same detections and the same weights, bit for bit, after', async () => {
    const sd = formulaWeights(config, 5);
    const model = buildModel(config, sd);
    const total = [...sd.values()].reduce((n, e) => n + e.data.byteLength, 0);
    expect(model.params.heldBytes()).toBe(total);
    // Nothing made yet: nothing to let go.
    expect(model.params.release()).toBe(0);
    const engine = new Engine(() => 'cpu');
    engine.install(0, model, info);
    const sc = generateScene(2, { width: 96, height: 64 });
    const before = await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    // Entries used only through a column reorder, a slice or a folded norm keep their arrays.
    expect(model.params.heldBytes()).toBeLessThan(0.3 * total);
    expect(model.params.heldBytes()).toBeGreaterThan(0);
    expect(model.params.release()).toBe(0);
    // The caller's state dict is untouched (Params holds its own map).
    expect([...sd.values()].every((e) => e.data.length === e.shape.reduce((a, d) => a * d, 1))).toBe(true);
    const after = await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect(after.detections).toEqual(before.detections);
    const back = await model.params.stateDict();
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [name, e] of sd) {
      expect(back.get(name)!.shape, name).toEqual(e.shape);
      expect(bits(back.get(name)!.data), name).toEqual(bits(e.data));
    }
    // A conversion not made before the release is made from the tensor it came back from.
    const w = 'transformer.encoder.layers.0.linear1.weight';
    expect(bits((await model.params.raw(w).data()) as Float32Array)).toEqual(bits(sd.get(w)!.data));
    const c = 'backbone.0.body.layer1.0.conv1.weight';
    expect(bits((await model.params.raw(c).data()) as Float32Array)).toEqual(bits(sd.get(c)!.data));
    expect(model.params.shapes().length).toBe(sd.size);
    engine.unload(0);
  });

  it('training parameters are never released', () => {
    const model = buildModel(config, formulaWeights(config, 5), { trainable: true });
    expect(model.params.release()).toBe(0);
    model.dispose();
  });
});
