import type { Box, Pt } from './geometry';

/** A label's rectangle in image pixels (x, y of its top-left corner). */
export interface LabelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: LabelRect, b: LabelRect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Points (salient points, drawn as dots of radius `r`) a rectangle would cover. */
const covered = (r: LabelRect, pts: readonly Pt[], pad: number) =>
  pts.filter(([px, py]) => px > r.x - pad && px < r.x + r.w + pad && py > r.y - pad && py < r.y + r.h + pad).length;

/**
 * Places one label per box, best score first: above the box's top-left corner, else above its
 * top-right corner; inside the top of the box when that would leave the image (top edge) or
 * cover a label placed before; then further down inside the box, one label height at a time;
 * then inside at the right edge, and below the box. The first place that covers no earlier label and none of `avoid` (the selected
 * query's salient points, dots of radius `pad`) wins; failing that, the first that covers no
 * label and the fewest points; failing that, the last place inside the box. Sizes are in image
 * pixels at the current zoom.
 */
export function placeLabels(boxes: { box: Box; width: number }[], height: number, imgW: number, avoid: readonly Pt[] = [], pad = 0): LabelRect[] {
  const placed: LabelRect[] = [];
  const out: LabelRect[] = new Array(boxes.length);
  boxes.forEach(({ box, width }, i) => {
    const clampX = (x: number) => Math.max(0, Math.min(x, imgW - width));
    const x = clampX(box[0]);
    const at = (x: number, y: number): LabelRect => ({ x, y, w: width, h: height });
    const inside: LabelRect[] = [at(x, box[1] - height)];
    for (let y = box[1]; y + height <= Math.max(box[3], box[1] + height); y += height) inside.push(at(x, y));
    const right = clampX(box[2] - width);
    const tries = [inside[0], at(right, box[1] - height), ...inside.slice(1), at(right, box[1]), at(x, box[3]), at(right, box[3] - height)].filter((r) => r.y >= 0);
    const free = tries.filter((r) => !placed.some((p) => overlaps(p, r)));
    const hits = free.map((r) => covered(r, avoid, pad));
    const best = hits.length ? hits.indexOf(Math.min(...hits)) : -1;
    const r = best >= 0 ? free[best] : inside[inside.length - 1];
    placed.push(r);
    out[i] = r;
  });
  return out;
}

/**
 * Labels that would say the same thing on top of each other (duplicate boxes of one object, the
 * same class) become one: each label, best first, joins the first earlier label of the same `key`
 * whose place above its box overlaps its own. `leader[i]` is the label that speaks for label i
 * (itself when it is drawn), `count[i]` how many labels a drawn one stands for.
 */
export function collapseLabels(items: { box: Box; width: number; key: string }[], height: number): { leader: number[]; count: number[] } {
  const leader: number[] = [];
  const count = items.map(() => 0);
  const above = (i: number): LabelRect => ({ x: items[i].box[0], y: items[i].box[1] - height, w: items[i].width, h: height });
  items.forEach((it, i) => {
    const j = leader.findIndex((l, k) => l === k && items[k].key === it.key && overlaps(above(k), above(i)));
    leader.push(j >= 0 ? j : i);
    count[j >= 0 ? j : i]++;
  });
  return { leader, count };
}
