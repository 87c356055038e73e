import * as tf from '@tensorflow/tfjs';
import type { Detection } from './types';

/**
 * The official PostProcess: sigmoid over all query x class logits, top-k over the flattened
 * scores (query = index div classes, label = index mod classes), cxcywh -> xyxy scaled to
 * each target size [h, w]. Reads back only the logits and boxes.
 */
export async function postprocess(
  layer: { predLogits: tf.Tensor3D; predBoxes: tf.Tensor3D },
  targetSizes: [number, number][],
  topK = 100,
): Promise<Detection[][]> {
  const [b, nq, nc] = layer.predLogits.shape;
  const k = Math.min(topK, nq * nc);
  const { values, indices } = tf.tidy(() => tf.topk(tf.sigmoid(layer.predLogits.reshape([b, nq * nc])), k, true));
  const [scores, idx, boxes] = await Promise.all([values.data(), indices.data(), layer.predBoxes.data()]);
  values.dispose();
  indices.dispose();
  const out: Detection[][] = [];
  for (let i = 0; i < b; i++) {
    const [h, w] = targetSizes[i];
    const dets: Detection[] = [];
    for (let j = 0; j < k; j++) {
      const flat = idx[i * k + j];
      const query = Math.floor(flat / nc);
      const o = (i * nq + query) * 4;
      const [cx, cy, bw, bh] = [boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]];
      dets.push({
        score: scores[i * k + j],
        label: flat % nc,
        query,
        box: [(cx - 0.5 * bw) * w, (cy - 0.5 * bh) * h, (cx + 0.5 * bw) * w, (cy + 0.5 * bh) * h],
      });
    }
    out.push(dets);
  }
  return out;
}
