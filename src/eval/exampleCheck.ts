import { boxIou } from '../geometry/boxes';

/**
 * The bundled-model bar for example images: every object of at least MIN_SIZE px (the
 * geometric mean of its box sides, as COCO's area ranges measure size) is found with its class
 * at score >= FOUND_SCORE and IoU >= FOUND_IOU, with no second detection of it above the
 * display threshold; and what else is shown above that threshold (background boxes).
 */
export const MIN_SIZE = 24;
export const FOUND_SCORE = 0.5;
export const FOUND_IOU = 0.7;
/** A shown detection this close to an object counts as (another) detection of it. */
const SAME_OBJECT_IOU = 0.5;

export type Xyxy = [number, number, number, number];

export interface ExampleObject {
  classId: number;
  /** x, y, width, height in pixels (the scene generator's bbox). */
  bbox: [number, number, number, number];
}

export interface ExampleDetection {
  label: number;
  score: number;
  box: Xyxy;
}

export interface ObjectCheck {
  classId: number;
  size: number;
  /** Counted against the bar (size >= MIN_SIZE). */
  required: boolean;
  /** Best same-class detection by IoU: its score and IoU (null when none overlaps). */
  best: { score: number; iou: number } | null;
  found: boolean;
  /** Same-class detections above the display threshold with IoU >= 0.5, beyond the first. */
  duplicates: number;
}

export interface ExampleCheck {
  objects: ObjectCheck[];
  /** Detections above the display threshold that overlap no object of their class (IoU < 0.5). */
  background: number;
  /** Every required object found, none duplicated. */
  pass: boolean;
}

export function checkExample(objects: ExampleObject[], detections: ExampleDetection[], displayThreshold: number): ExampleCheck {
  const boxes = objects.map((o) => [o.bbox[0], o.bbox[1], o.bbox[0] + o.bbox[2], o.bbox[1] + o.bbox[3]] as Xyxy);
  const shown = detections.filter((d) => d.score >= displayThreshold);
  const checks = objects.map((o, i) => {
    const size = Math.sqrt(o.bbox[2] * o.bbox[3]);
    let best: ObjectCheck['best'] = null;
    let found = false;
    for (const d of detections) {
      if (d.label !== o.classId) continue;
      const v = boxIou(d.box, boxes[i]);
      if (v > 0 && (!best || v > best.iou)) best = { score: d.score, iou: v };
      if (d.score >= FOUND_SCORE && v >= FOUND_IOU) found = true;
    }
    const hits = shown.filter((d) => d.label === o.classId && boxIou(d.box, boxes[i]) >= SAME_OBJECT_IOU).length;
    return { classId: o.classId, size, required: size >= MIN_SIZE, best, found, duplicates: Math.max(0, hits - 1) };
  });
  const background = shown.filter((d) => !objects.some((o, i) => o.classId === d.label && boxIou(d.box, boxes[i]) >= SAME_OBJECT_IOU)).length;
  const pass = checks.every((c) => !c.required || (c.found && c.duplicates === 0));
  return { objects: checks, background, pass };
}
