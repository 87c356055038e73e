/**
 * Where a model's cross-attention goes on scenes whose objects are known: per decoder layer, the
 * share of the attention mass inside the object's ground-truth box and the normalised entropy of
 * the map, averaged over the heads and over every annotated object. An object is followed by the
 * query whose final box overlaps it most, at any score (the rule of the app's training timeline,
 * src/app/effect.ts bestQueryPerObject), so an early model that scores everything low is still
 * measured on the query that is looking for the object.
 *
 * The same forward pass gives the detections, so AP and the attention numbers of a snapshot come
 * from one run over the same scenes.
 */
import * as tf from '@tensorflow/tfjs';
import type { SamDetrModel } from '../model/model';
import type { Detection } from '../model/types';
import { detectionsOf } from '../model/scoring';
import { disposeDecoder, disposeEncoder } from '../model/dispose';
import type { Scene } from '../data/scene';
import { sceneBatch } from '../data/sceneBatch';
import { boxIou, cxcywhToXyxy } from '../geometry/boxes';
import { massInBox, normalisedEntropy } from './attentionMeasures';

export interface LayerAttention {
  /** 1-based decoder layer. */
  layer: number;
  /** Mean share of the attention inside the ground-truth box. */
  truthShare: number;
  /** Mean normalised entropy (1 = spread evenly over the map). */
  entropy: number;
}

export interface AttentionStudy {
  layers: LayerAttention[];
  /** Objects measured (every annotated object of the scenes). */
  objects: number;
  /** Per scene, its top detections (for AP), as detectScenesRaw gives them. */
  detections: Detection[][];
  /** Per object (scene index, object index in scene.objects), layer-1-first shares and entropies. */
  perObject: { scene: number; object: number; query: number; truthShare: number[]; entropy: number[] }[];
}

/** The query (of nq boxes, cxcywh flattened) that overlaps `truth` most; the first query when none does. */
export function bestQuery(boxes: ArrayLike<number>, nq: number, truth: ArrayLike<number>): number {
  let best = 0, bestIou = -1;
  for (let q = 0; q < nq; q++) {
    const v = boxIou(cxcywhToXyxy(boxes, q * 4), cxcywhToXyxy(truth));
    if (v > bestIou) {
      bestIou = v;
      best = q;
    }
  }
  return best;
}

/** Runs the model over scenes of one size and measures its attention on their objects. */
export async function attentionStudy(model: SamDetrModel, scenes: Scene[], batchSize = 8, topK = 100): Promise<AttentionStudy> {
  const nl = model.config.decLayers;
  const share = new Float64Array(nl), entropy = new Float64Array(nl);
  let objects = 0;
  const detections: Detection[][] = [];
  const perObject: AttentionStudy['perObject'] = [];
  for (let i = 0; i < scenes.length; i += batchSize) {
    const chunk = scenes.slice(i, i + batchSize);
    const { batch } = sceneBatch(chunk);
    const enc = model.runEncoder(batch);
    const dec = model.runDecoder(enc);
    const last = dec.layers[nl - 1];
    detections.push(...(await detectionsOf(model.config, last, chunk.map((s) => [s.height, s.width]), topK)));
    const [, nq] = last.predBoxes.shape;
    const boxes = await last.predBoxes.data();
    const { featH, featW } = enc;
    const hw = featH * featW;
    // A multi-scale model reads another grid every two layers: not what this study measures.
    // A deformable decoder samples points instead of attending over the grid: no maps to measure.
    const attn = dec.layers.map((l) => l.crossAttn);
    if (enc.levels || attn.some((a) => !a || a.shape[3] !== hw)) throw new Error('attentionStudy needs a single-scale model with dense cross-attention');
    const maps = await Promise.all(attn.map((a) => a!.data()));
    const heads = attn[0]!.shape[1];
    chunk.forEach((scene, b) => {
      for (const [oi, o] of scene.objects.entries()) {
        const [x, y, w, h] = o.bbox;
        const truth = [(x + w / 2) / scene.width, (y + h / 2) / scene.height, w / scene.width, h / scene.height];
        const q = bestQuery(boxes.subarray(b * nq * 4, (b + 1) * nq * 4), nq, truth);
        objects++;
        const one = { scene: i + b, object: oi, query: q, truthShare: [] as number[], entropy: [] as number[] };
        perObject.push(one);
        maps.forEach((m, l) => {
          let s = 0, e = 0;
          for (let head = 0; head < heads; head++) {
            const off = ((b * heads + head) * nq + q) * hw;
            const map = m.subarray(off, off + hw);
            s += massInBox(map, featW, featH, truth);
            e += normalisedEntropy(map);
          }
          share[l] += s / heads;
          entropy[l] += e / heads;
          one.truthShare.push(s / heads);
          one.entropy.push(e / heads);
        });
      }
    });
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
  }
  const layers = Array.from({ length: nl }, (_, l) => ({ layer: l + 1, truthShare: objects ? share[l] / objects : 0, entropy: objects ? entropy[l] / objects : 0 }));
  return { layers, objects, detections, perObject };
}
