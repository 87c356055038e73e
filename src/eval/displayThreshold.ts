import type { CocoDetection, CocoGroundTruth } from '../data/cocoTypes';
import { confusionTable } from './errorAnalysis';

export interface ThresholdChoice {
  threshold: number;
  /** F1 of the shown detections at that threshold: right class and IoU >= 0.5, one per object. */
  f1: number;
  precision: number;
  recall: number;
}

/**
 * The display threshold a model card suggests: the score cut, on a 0.05 grid, that maximises F1
 * of the detections it shows (a shown detection counts when it takes an object of its own class
 * at IoU >= 0.5; duplicates, background and wrong classes are false positives, untaken objects
 * misses). F1 weighs "shows the objects" and "little else" equally, which is what the view is for;
 * a tie goes to the higher cut (fewer boxes drawn).
 */
export function chooseDisplayThreshold(gt: CocoGroundTruth, dets: CocoDetection[], grid = 0.05): ThresholdChoice {
  let best: ThresholdChoice = { threshold: 1, f1: 0, precision: 0, recall: 0 };
  const steps = Math.round(1 / grid);
  for (let i = 1; i < steps; i++) {
    const thr = Math.round(i * grid * 100) / 100;
    const c = confusionTable(gt, dets, thr);
    const shown = dets.reduce((n, d) => n + (d.score >= thr ? 1 : 0), 0);
    const right = c.matched.reduce((s, r, g) => s + r[g], 0);
    const objects = c.objects.reduce((a, b) => a + b, 0);
    const precision = shown ? right / shown : 0;
    const recall = objects ? right / objects : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 >= best.f1) best = { threshold: thr, f1, precision, recall };
  }
  return best;
}
