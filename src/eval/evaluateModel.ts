import * as tf from '@tensorflow/tfjs';
import type { SamDetrModel } from '../model/model';
import { detectionsOf } from '../model/scoring';
import { disposeDecoder, disposeEncoder } from '../model/dispose';
import { validationSet, type Scene } from '../data/scene';
import { toCocoGroundTruth } from '../data/coco';
import { sceneBatch } from '../data/sceneBatch';
import { evaluateDetections } from './cocoeval';
import type { CocoDetection, CocoStats } from '../data/cocoTypes';
import type { Detection } from '../model/types';

/** Runs a model over scenes: per scene its top-k detections (label 0-based, box x1y1x2y2 in scene pixels). */
export async function detectScenesRaw(model: SamDetrModel, scenes: Scene[], batchSize = 8, topK = 100): Promise<Detection[][]> {
  const out: Detection[][] = [];
  for (let i = 0; i < scenes.length; i += batchSize) {
    const chunk = scenes.slice(i, i + batchSize);
    const { batch } = sceneBatch(chunk);
    const enc = model.runEncoder(batch);
    const dec = model.runDecoder(enc);
    out.push(...(await detectionsOf(model.config, dec.layers[dec.layers.length - 1], chunk.map((s) => [s.height, s.width]), topK)));
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
  }
  return out;
}

/** Runs a model over scenes and returns COCO results (image id = index + 1, category = label + 1). */
export async function detectScenes(model: SamDetrModel, scenes: Scene[], batchSize = 8, topK = 100): Promise<CocoDetection[]> {
  const dets: CocoDetection[] = [];
  (await detectScenesRaw(model, scenes, batchSize, topK)).forEach((list, i) => {
    for (const d of list) {
      const [x1, y1, x2, y2] = d.box;
      dets.push({ image_id: i + 1, category_id: d.label + 1, bbox: [x1, y1, x2 - x1, y2 - y1], score: d.score });
    }
  });
  return dets;
}

/** COCO stats of a model on the first `n` scenes of the fixed validation set at `size` px. */
export async function evaluateOnValidation(model: SamDetrModel, n: number, size: number, seed?: number): Promise<CocoStats> {
  const scenes = validationSet(n, seed, { width: size, height: size });
  const gt = toCocoGroundTruth(scenes);
  const dets = await detectScenes(model, scenes);
  return evaluateDetections(gt, dets);
}
