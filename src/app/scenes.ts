/** Bundled example images and freshly generated scenes, both from the synthetic scene generator. */
import { generateScene, CLASS_NAMES } from '../data/scene';
import { rgbToCanvas, type DecodedImage } from './imageInput';
import type { TruthObject } from './effect';

export { EXAMPLES } from '../data/examples';

export { CLASS_NAMES };

/** A generated scene as an image, with its annotated objects (the ground truth the effect panel measures against). */
export function sceneImage(seed: number, width: number, height: number, label: string): DecodedImage & { objects: number; truth: TruthObject[] } {
  const sc = generateScene(seed, { width, height });
  const canvas = rgbToCanvas(sc.pixels, sc.width, sc.height);
  return {
    canvas, width: sc.width, height: sc.height, origWidth: sc.width, origHeight: sc.height,
    rgb: new Uint8ClampedArray(sc.pixels), name: label, objects: sc.objects.length,
    truth: sc.objects.map((o) => ({ label: o.classId, box: [o.bbox[0], o.bbox[1], o.bbox[0] + o.bbox[2], o.bbox[1] + o.bbox[3]] })),
  };
}

export function parseImageRef(ref: string): { kind: 'example' | 'scene' | 'upload'; seed: number } {
  const m = /^(example|scene):(\d+)$/.exec(ref);
  if (m) return { kind: m[1] as 'example' | 'scene', seed: Number(m[2]) };
  return { kind: 'upload', seed: 0 };
}

export function randomSeed(): number {
  return 1000 + Math.floor(Math.random() * 1e6);
}
