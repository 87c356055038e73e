/**
 * COCO data types used by the evaluator (a subset of the COCO "instances" format and the
 * COCO "results" format), plus the 12 summary statistics of `COCOeval.summarize()`.
 */

/** `[x, y, width, height]` in pixels, x/y of the top-left corner (COCO xywh). */
export type BBox = [number, number, number, number];

export interface CocoImage {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: BBox | number[];
  /** Object area (segmentation area in real COCO). Used for the small/medium/large split. Falls back to w*h. */
  area?: number;
  /** 0/1 (or boolean). Crowd boxes are ignored: matches to them count neither as TP nor FP. */
  iscrowd?: number | boolean;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/** COCO instances JSON (ground truth). */
export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  info?: unknown;
  licenses?: unknown;
}

/** One entry of a COCO results JSON (detections), iouType "bbox". */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: BBox | number[];
  score: number;
}

/** Order of `COCOeval.stats`. */
export const STAT_KEYS = [
  'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl',
  'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl',
] as const;

export type StatKey = (typeof STAT_KEYS)[number];

/** The 12 numbers printed by `COCOeval.summarize()`; -1 where nothing could be evaluated. */
export type CocoStats = Record<StatKey, number>;

