import * as tf from '@tensorflow/tfjs';
import type { Scene } from './scene';
import type { ImageBatch } from '../model/types';
import { IMAGENET_MEAN, IMAGENET_STD } from '../model/preprocess';

/** Ground truth of one image: labels in [0, numClasses) and cxcywh boxes normalized to [0, 1]. */
export interface Target {
  labels: ArrayLike<number>;
  /** Packed [ngt * 4] cxcywh. */
  boxes: ArrayLike<number>;
}

/**
 * Scenes of one size -> a normalized NHWC batch (no padding) and DETR targets
 * (labels = class ids, boxes = cxcywh relative to the image).
 */
export function sceneBatch(scenes: Scene[]): { batch: ImageBatch; targets: Target[] } {
  const { width: w, height: h } = scenes[0];
  const px = new Float32Array(scenes.length * h * w * 3);
  scenes.forEach((s, b) => {
    if (s.width !== w || s.height !== h) throw new Error('a training batch needs scenes of one size');
    const base = b * h * w * 3;
    for (let i = 0; i < h * w * 3; i++) {
      const c = i % 3;
      px[base + i] = (s.pixels[i] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  });
  const targets: Target[] = scenes.map((s) => ({
    labels: Int32Array.from(s.objects.map((o) => o.classId)),
    boxes: Float32Array.from(
      s.objects.flatMap((o) => {
        const [x, y, bw, bh] = o.bbox;
        return [(x + bw / 2) / w, (y + bh / 2) / h, bw / w, bh / h];
      }),
    ),
  }));
  return {
    batch: { images: tf.tensor4d(px, [scenes.length, h, w, 3]), mask: tf.zeros([scenes.length, h, w]), sizes: scenes.map(() => [h, w]) },
    targets,
  };
}
