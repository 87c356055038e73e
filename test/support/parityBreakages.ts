import type { DetectionRecord } from '../../src/parity/postprocessCheck';

/** Deliberately broken postprocess outputs: what the parity check must catch. */
export const BREAKAGES: Record<string, (d: DetectionRecord, size: [number, number]) => DetectionRecord> = {
  'labels shifted by one': (d) => ({ ...d, label: d.label + 1 }),
  'H and W swapped in the box scaling': (d, [h, w]) => ({ ...d, box: [(d.box[0] / w) * h, (d.box[1] / h) * w, (d.box[2] / w) * h, (d.box[3] / h) * w] }),
  'boxes offset by 50 px': (d) => ({ ...d, box: Array.from(d.box, (v) => v + 50) }),
  'everything zero': (d) => ({ ...d, label: 0, score: 0, box: [0, 0, 0, 0] }),
};
