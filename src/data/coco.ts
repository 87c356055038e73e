/**
 * COCO export of synthetic scenes. Category id = classId + 1 (COCO ids start at 1; the
 * model's class index `classId` is the category id minus one). Image ids are 1-based
 * positions in the scene list.
 */
import type { CocoAnnotation, CocoCategory, CocoGroundTruth, CocoImage } from './cocoTypes';
import { CLASS_NAMES } from './scene';
import type { Scene } from './scene';

export interface SyntheticCocoImage extends CocoImage {
  width: number;
  height: number;
  file_name: string;
  /** Seed that regenerates the image with `generateScene(seed, {width, height})`. */
  seed: number;
}

export interface SyntheticCocoGroundTruth extends CocoGroundTruth {
  images: SyntheticCocoImage[];
}

/** COCO category id of a class index. */
export const categoryIdOf = (classId: number): number => classId + 1;
/** Class index of a COCO category id. */
export const classIdOf = (categoryId: number): number => categoryId - 1;

export function cocoCategories(): CocoCategory[] {
  return CLASS_NAMES.map((name, i) => ({ id: categoryIdOf(i), name, supercategory: 'shape' }));
}

/** File name of scene `index` (0-based), e.g. `val_00042.png`. */
export function sceneFileName(fileNamePrefix: string, index: number, count = 0): string {
  const digits = Math.max(5, String(Math.max(0, count - 1)).length);
  return `${fileNamePrefix}${String(index).padStart(digits, '0')}.png`;
}

export interface CocoExportOptions {
  /**
   * Also export the painted-but-hidden objects (occluded beyond `maxOcclusion`) as
   * `iscrowd: 1` boxes, so that COCOeval ignores detections on them. Default false.
   */
  hiddenAsCrowd?: boolean;
}

/** COCO instances JSON for `scenes`; image i (0-based) gets id i + 1 and `sceneFileName(prefix, i)`. */
export function toCocoGroundTruth(scenes: Scene[], fileNamePrefix = 'scene_', opts: CocoExportOptions = {}): SyntheticCocoGroundTruth {
  const images: SyntheticCocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  scenes.forEach((s, i) => {
    const imageId = i + 1;
    images.push({ id: imageId, width: s.width, height: s.height, file_name: sceneFileName(fileNamePrefix, i, scenes.length), seed: s.seed });
    const add = (o: Scene['objects'][number], crowd: boolean) => {
      if (o.bbox[2] <= 0 || o.bbox[3] <= 0) return;
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: categoryIdOf(o.classId),
        bbox: [...o.bbox],
        area: o.area,
        iscrowd: crowd ? 1 : 0,
      });
    };
    for (const o of s.objects) add(o, false);
    if (opts.hiddenAsCrowd) for (const o of s.hidden) add(o, true);
  });
  return { info: { description: 'SAM-DETR Lens synthetic shapes benchmark' }, images, annotations, categories: cocoCategories() };
}
