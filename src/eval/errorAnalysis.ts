import { bboxIou } from './cocoeval';
import type { EvalResult } from './cocoeval';
import type { CocoDetection, CocoGroundTruth } from '../data/cocoTypes';

/**
 * Where a detector's errors are, beyond the 12 COCO numbers: AP per class (from the same
 * precision array COCOeval accumulates) and a confusion table of the detections a user would
 * see (score above a threshold), matched to ground truth by IoU regardless of class, so that
 * class confusion, duplicates, false alarms and misses are counted apart.
 */

export interface ClassAP {
  categoryId: number;
  AP: number;
  AP50: number;
}

/** Mean precision over recall thresholds (and IoU thresholds for AP) of one category, area "all", 100 dets. */
export function perClassAP(res: EvalResult): ClassAP[] {
  const [T, R, K, A, M] = res.shape;
  const a = res.params.areaRngs.findIndex((x) => x.label === 'all');
  const m = res.params.maxDets.indexOf(100) >= 0 ? res.params.maxDets.indexOf(100) : M - 1;
  const t50 = res.params.iouThrs.findIndex((t) => Math.abs(t - 0.5) < 1e-9);
  const at = (t: number, r: number, k: number) => res.precision[(((t * R + r) * K + k) * A + a) * M + m];
  const mean = (ts: number[], k: number) => {
    let s = 0;
    let n = 0;
    for (const t of ts) {
      for (let r = 0; r < R; r++) {
        const v = at(t, r, k);
        if (v > -1) {
          s += v;
          n++;
        }
      }
    }
    return n ? s / n : -1;
  };
  const all = Array.from({ length: T }, (_, t) => t);
  return res.catIds.map((categoryId, k) => ({ categoryId, AP: mean(all, k), AP50: t50 >= 0 ? mean([t50], k) : -1 }));
}

export interface Confusion {
  /** Category ids, in the order of the rows and columns. */
  categoryIds: number[];
  /** matched[g][d]: detections of category d matched to a ground-truth object of category g. */
  matched: number[][];
  /** Per ground-truth category: objects no shown detection matched. */
  missed: number[];
  /** Per detected category: detections overlapping an object another detection already took. */
  duplicate: number[];
  /** Per detected category: detections overlapping no object at iouThr. */
  background: number[];
  /** Objects per ground-truth category. */
  objects: number[];
  scoreThr: number;
  iouThr: number;
}

/**
 * Greedy matching per image, highest score first: a detection takes the free object with the
 * highest IoU >= iouThr whatever its class; if only taken objects overlap it that much it is a
 * duplicate; if none does, background. Crowd objects are not used.
 */
export function confusionTable(gt: CocoGroundTruth, dets: CocoDetection[], scoreThr: number, iouThr = 0.5): Confusion {
  const categoryIds = gt.categories.map((c) => c.id).sort((a, b) => a - b);
  const idx = new Map(categoryIds.map((id, i) => [id, i]));
  const K = categoryIds.length;
  const zeros = () => new Array<number>(K).fill(0);
  const out: Confusion = { categoryIds, matched: categoryIds.map(zeros), missed: zeros(), duplicate: zeros(), background: zeros(), objects: zeros(), scoreThr, iouThr };
  const gtByImage = new Map<number, typeof gt.annotations>();
  for (const a of gt.annotations) {
    if (a.iscrowd) continue;
    if (!gtByImage.has(a.image_id)) gtByImage.set(a.image_id, []);
    gtByImage.get(a.image_id)!.push(a);
    out.objects[idx.get(a.category_id)!]++;
  }
  const detByImage = new Map<number, CocoDetection[]>();
  for (const d of dets) {
    if (d.score < scoreThr || !idx.has(d.category_id)) continue;
    if (!detByImage.has(d.image_id)) detByImage.set(d.image_id, []);
    detByImage.get(d.image_id)!.push(d);
  }
  for (const img of gt.images) {
    const objs = gtByImage.get(img.id) ?? [];
    const ds = (detByImage.get(img.id) ?? []).sort((a, b) => b.score - a.score);
    const taken = new Array<boolean>(objs.length).fill(false);
    const ious = objs.length && ds.length ? bboxIou(ds.map((d) => d.bbox), objs.map((o) => o.bbox), objs.map(() => 0)) : [];
    ds.forEach((d, i) => {
      const k = idx.get(d.category_id)!;
      let best = -1;
      let bestIou = iouThr;
      let overlapsTaken = false;
      objs.forEach((_, j) => {
        const v = ious[i][j];
        if (v < iouThr) return;
        if (taken[j]) overlapsTaken = true;
        else if (v >= bestIou) {
          bestIou = v;
          best = j;
        }
      });
      if (best >= 0) {
        taken[best] = true;
        out.matched[idx.get(objs[best].category_id)!][k]++;
      } else if (overlapsTaken) out.duplicate[k]++;
      else out.background[k]++;
    });
    objs.forEach((o, j) => {
      if (!taken[j]) out.missed[idx.get(o.category_id)!]++;
    });
  }
  return out;
}

/** The confusion table as text: one row per ground-truth class, then duplicates and background. */
export function formatConfusion(c: Confusion, names: (id: number) => string): string {
  const w = Math.max(10, ...c.categoryIds.map((id) => names(id).length));
  const col = (s: string | number) => String(s).padStart(w);
  const head = `${'object \\ shown as'.padEnd(w + 8)}${c.categoryIds.map((id) => col(names(id))).join('')}${col('missed')}${col('objects')}`;
  const rows = c.categoryIds.map((id, g) => `${names(id).padEnd(w + 8)}${c.matched[g].map(col).join('')}${col(c.missed[g])}${col(c.objects[g])}`);
  const matched = c.matched.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const right = c.matched.reduce((s, r, g) => s + r[g], 0);
  return [
    `detections with score >= ${c.scoreThr}, matched at IoU >= ${c.iouThr} whatever the class`,
    head,
    ...rows,
    `${'duplicate'.padEnd(w + 8)}${c.duplicate.map(col).join('')}`,
    `${'background'.padEnd(w + 8)}${c.background.map(col).join('')}`,
    `matched ${matched} of ${c.objects.reduce((a, b) => a + b, 0)} objects, ${right} with the right class (${matched ? ((100 * right) / matched).toFixed(1) : '-'}%); ` +
      `${c.duplicate.reduce((a, b) => a + b, 0)} duplicates, ${c.background.reduce((a, b) => a + b, 0)} background`,
  ].join('\n');
}
