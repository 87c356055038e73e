/** Bundled example images and freshly generated scenes, both from the synthetic scene generator. */
import { generateScene, CLASS_NAMES } from '../data/scene';
import { rgbToCanvas, type DecodedImage } from './imageInput';

export { EXAMPLES } from '../data/examples';

export { CLASS_NAMES };

export function sceneImage(seed: number, width: number, height: number, label: string): DecodedImage & { objects: number } {
  const sc = generateScene(seed, { width, height });
  const canvas = rgbToCanvas(sc.pixels, sc.width, sc.height);
  return {
    canvas, width: sc.width, height: sc.height, origWidth: sc.width, origHeight: sc.height,
    rgb: new Uint8ClampedArray(sc.pixels), name: label, objects: sc.objects.length,
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
