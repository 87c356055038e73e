import * as tf from '@tensorflow/tfjs';
import type { Detection } from './types';

interface HeadOutputs {
  predLogits: tf.Tensor3D;
  predBoxes: tf.Tensor3D;
}

/** cxcywh in [0, 1] -> x1y1x2y2 in pixels of a target size given as [h, w] (the official order). */
function scaledBox(boxes: ArrayLike<number>, o: number, [h, w]: [number, number]): Detection['box'] {
  const [cx, cy, bw, bh] = [boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]];
  return [(cx - 0.5 * bw) * w, (cy - 0.5 * bh) * h, (cx + 0.5 * bw) * w, (cy + 0.5 * bh) * h];
}

/** postprocess's computation before the read: the top `k` sigmoid scores over queries x classes, [B, k] each. */
export function topScores(layer: HeadOutputs, k: number): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  const [b, nq, nc] = layer.predLogits.shape;
  return tf.tidy(() => tf.topk(tf.sigmoid(layer.predLogits.reshape([b, nq * nc])), k, true)) as { values: tf.Tensor2D; indices: tf.Tensor2D };
}

/** postprocessSoftmax's computation before the read: per query, the best real class's softmax score and its label, [B, nq] each. */
export function bestRealClass(layer: HeadOutputs): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  const [b, nq, nc1] = layer.predLogits.shape;
  return tf.tidy(() => {
    const prob = tf.softmax(layer.predLogits, -1).slice([0, 0, 0], [b, nq, nc1 - 1]);
    return { values: tf.max(prob, -1) as tf.Tensor2D, indices: tf.argMax(prob, -1) as tf.Tensor2D };
  });
}

/**
 * SAM-DETR's official PostProcess (sigmoid focal head): sigmoid over all query x class logits,
 * top-k over the flattened scores (query = index div classes, label = index mod classes),
 * cxcywh -> xyxy scaled to each target size [h, w]. Reads back only the logits and boxes.
 */
export async function postprocess(layer: HeadOutputs, targetSizes: [number, number][], topK = 100): Promise<Detection[][]> {
  const [b, nq, nc] = layer.predLogits.shape;
  const k = Math.min(topK, nq * nc);
  const { values, indices } = topScores(layer, k);
  const [scores, idx, boxes] = await Promise.all([values.data(), indices.data(), layer.predBoxes.data()]);
  values.dispose();
  indices.dispose();
  const out: Detection[][] = [];
  for (let i = 0; i < b; i++) {
    const dets: Detection[] = [];
    for (let j = 0; j < k; j++) {
      const flat = idx[i * k + j];
      const query = Math.floor(flat / nc);
      dets.push({ score: scores[i * k + j], label: flat % nc, query, box: scaledBox(boxes, (i * nq + query) * 4, targetSizes[i]) });
    }
    out.push(dets);
  }
  return out;
}

/**
 * DETR's official PostProcess (softmax head whose last class is "no object"): per query, the
 * softmax over all classes, then the best score and label among the real ones; one detection
 * per query, in query order (no ranking, no top-k).
 */
export async function postprocessSoftmax(layer: HeadOutputs, targetSizes: [number, number][]): Promise<Detection[][]> {
  const [b, nq] = layer.predLogits.shape;
  const { values, indices } = bestRealClass(layer);
  const [scores, labels, boxes] = await Promise.all([values.data(), indices.data(), layer.predBoxes.data()]);
  values.dispose();
  indices.dispose();
  const out: Detection[][] = [];
  for (let i = 0; i < b; i++) {
    const dets: Detection[] = [];
    for (let query = 0; query < nq; query++) {
      const o = i * nq + query;
      dets.push({ score: scores[o], label: labels[o], query, box: scaledBox(boxes, o * 4, targetSizes[i]) });
    }
    out.push(dets);
  }
  return out;
}
