/**
 * COCO bbox evaluation, a line-by-line port of pycocotools `COCOeval` (iouType "bbox").
 *
 * Conventions that matter for bit-level agreement with the reference:
 * - images and categories are evaluated in ascending id order (`sorted(getImgIds())`);
 *   ground truths / detections keep their file order within an (image, category) pair;
 * - detections get `area = w*h` and `id = index + 1` (as `COCO.loadRes` does);
 *   ground truth uses its `area` field for the area ranges, `ignore = iscrowd`;
 * - detections are sorted by descending score with a *stable* sort (numpy
 *   `argsort(-score, kind='mergesort')`), per image and again over all images in `accumulate`;
 * - ground truths are stably sorted with ignored ones last;
 * - matching for every maxDet setting uses the matches computed with maxDets[-1] (100),
 *   truncated, exactly as pycocotools does;
 * - precision is made monotone from the right and sampled at 101 recall points
 *   (`searchsorted(rc, recThrs, side='left')`), entries past the last reached recall are 0;
 * - categories without any non-ignored ground truth stay -1 and are excluded from the means.
 */
import type { CocoDetection, CocoGroundTruth, CocoStats, StatKey } from '../data/cocoTypes';

export interface AreaRange {
  label: string;
  min: number;
  max: number;
}

export interface EvalParams {
  /** IoU thresholds, default 0.50:0.05:0.95 (numpy linspace values). */
  iouThrs: number[];
  /** Recall thresholds, default 0:0.01:1 (101 points). */
  recThrs: number[];
  /** Sorted ascending; the last one is the per-image detection cap. Default [1, 10, 100]. */
  maxDets: number[];
  areaRngs: AreaRange[];
}

function linspace(start: number, stop: number, num: number): number[] {
  // numpy.linspace: step = (stop - start) / (num - 1); y = arange(num) * step + start; y[-1] = stop
  const div = num - 1;
  const step = (stop - start) / div;
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

export function defaultParams(): EvalParams {
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRngs: [
      { label: 'all', min: 0, max: 1e5 ** 2 },
      { label: 'small', min: 0, max: 32 ** 2 },
      { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
      { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
    ],
  };
}

/** numpy.spacing(1) */
const EPS = 2.220446049250313e-16;

/**
 * IoU of every detection box against every ground-truth box, as pycocotools `maskUtils.iou`
 * (C `bbIou`): for a crowd gt the union is the detection area alone.
 * Returns `ious[d][g]`.
 */
export function bboxIou(dets: ArrayLike<number>[], gts: ArrayLike<number>[], iscrowd: ArrayLike<boolean | number>): number[][] {
  const m = dets.length;
  const n = gts.length;
  const out: number[][] = [];
  for (let d = 0; d < m; d++) out.push(new Array<number>(n).fill(0));
  for (let g = 0; g < n; g++) {
    const G = gts[g];
    const ga = G[2] * G[3];
    const crowd = !!iscrowd[g];
    for (let d = 0; d < m; d++) {
      const D = dets[d];
      const da = D[2] * D[3];
      const w = Math.min(D[2] + D[0], G[2] + G[0]) - Math.max(D[0], G[0]);
      if (w <= 0) continue;
      const h = Math.min(D[3] + D[1], G[3] + G[1]) - Math.max(D[1], G[1]);
      if (h <= 0) continue;
      const i = w * h;
      const u = crowd ? da : da + ga - i;
      out[d][g] = i / u;
    }
  }
  return out;
}

interface GtRec {
  id: number;
  bbox: ArrayLike<number>;
  area: number;
  iscrowd: boolean;
  ignore: boolean;
}

interface DtRec {
  id: number;
  bbox: ArrayLike<number>;
  area: number;
  score: number;
}

/** Result of `evaluateImg` for one (image, category, area range), maxDet = maxDets[-1]. */
interface ImgEval {
  /** Detections sorted by score, truncated to maxDet. */
  dtScores: number[];
  /** [T * D] id of the matched gt (0 = unmatched), row t = IoU threshold. */
  dtMatches: Float64Array;
  /** [T * D] 1 = ignored detection. */
  dtIgnore: Uint8Array;
  /** [G] 1 = ignored gt, in the gt order used for matching (ignored last). */
  gtIgnore: Uint8Array;
  D: number;
}

/** Stable argsort by a numeric key, ascending (like numpy argsort kind='mergesort'). */
function stableArgsort(keys: ArrayLike<number>): number[] {
  const idx: number[] = [];
  for (let i = 0; i < keys.length; i++) idx.push(i);
  // Array.prototype.sort is stable (ES2019).
  idx.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return idx;
}

export interface EvalResult {
  params: EvalParams;
  /** Category ids in evaluation order (ascending). */
  catIds: number[];
  /** Image ids in evaluation order (ascending). */
  imgIds: number[];
  /** precision[t][r][k][a][m] flattened, -1 where not evaluated. Use `precisionAt`. */
  precision: Float64Array;
  /** recall[t][k][a][m] flattened, -1 where not evaluated. */
  recall: Float64Array;
  /** Shape [T, R, K, A, M]. */
  shape: [number, number, number, number, number];
  stats: CocoStats;
}

export interface EvaluateOptions {
  params?: Partial<EvalParams>;
  /**
   * What to do with detections on images not in the ground truth. pycocotools' loadRes
   * asserts; 'error' (default) throws, 'ignore' drops them.
   */
  unknownImages?: 'error' | 'ignore';
}

/** Full COCOeval run: evaluate() + accumulate() + summarize(). */
export function cocoEvaluate(gt: CocoGroundTruth, dets: CocoDetection[], options: EvaluateOptions = {}): EvalResult {
  const p: EvalParams = { ...defaultParams(), ...(options.params ?? {}) };
  p.maxDets = [...p.maxDets].sort((a, b) => a - b);
  const maxDetLast = p.maxDets[p.maxDets.length - 1];

  const imgIds = [...new Set(gt.images.map((im) => im.id))].sort((a, b) => a - b);
  const catIds = [...new Set(gt.categories.map((c) => c.id))].sort((a, b) => a - b);
  const I = imgIds.length;
  const K = catIds.length;
  const A = p.areaRngs.length;
  const M = p.maxDets.length;
  const T = p.iouThrs.length;
  const R = p.recThrs.length;
  const imgIndex = new Map<number, number>();
  imgIds.forEach((id, i) => imgIndex.set(id, i));
  const catIndex = new Map<number, number>();
  catIds.forEach((id, k) => catIndex.set(id, k));

  // _prepare: group by (image, category), keeping file order (imgToAnns order).
  const gts: (GtRec[] | undefined)[] = new Array(I * K);
  const dts: (DtRec[] | undefined)[] = new Array(I * K);
  for (const ann of gt.annotations) {
    const i = imgIndex.get(ann.image_id);
    const k = catIndex.get(ann.category_id);
    if (i === undefined || k === undefined) continue;
    const crowd = !!ann.iscrowd;
    const rec: GtRec = {
      id: ann.id,
      bbox: ann.bbox,
      area: ann.area ?? ann.bbox[2] * ann.bbox[3],
      iscrowd: crowd,
      ignore: crowd,
    };
    const key = k * I + i;
    (gts[key] ??= []).push(rec);
  }
  dets.forEach((d, n) => {
    const i = imgIndex.get(d.image_id);
    if (i === undefined) {
      if ((options.unknownImages ?? 'error') === 'error') {
        throw new Error(`Results do not correspond to current coco set: detection ${n} has image_id ${d.image_id} not in the ground truth`);
      }
      return;
    }
    const k = catIndex.get(d.category_id);
    if (k === undefined) return; // pycocotools only loads dets of the gt categories
    const rec: DtRec = { id: n + 1, bbox: d.bbox, area: d.bbox[2] * d.bbox[3], score: d.score };
    const key = k * I + i;
    (dts[key] ??= []).push(rec);
  });

  // computeIoU: dets sorted by score (stable), capped at maxDets[-1].
  const sortedDts: (DtRec[] | undefined)[] = new Array(I * K);
  const iousAll: (number[][] | undefined)[] = new Array(I * K);
  for (let key = 0; key < I * K; key++) {
    const g = gts[key] ?? [];
    const d = dts[key] ?? [];
    if (g.length === 0 && d.length === 0) continue;
    const order = stableArgsort(d.map((x) => -x.score));
    const ds = order.map((j) => d[j]).slice(0, maxDetLast);
    sortedDts[key] = ds;
    if (g.length > 0 && ds.length > 0) {
      iousAll[key] = bboxIou(ds.map((x) => x.bbox), g.map((x) => x.bbox), g.map((x) => x.iscrowd));
    }
  }

  // evaluateImg for every (category, area range, image) with maxDet = maxDets[-1].
  const evalImgs: (ImgEval | null)[] = new Array(K * A * I).fill(null);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const { min: aMin, max: aMax } = p.areaRngs[a];
      for (let i = 0; i < I; i++) {
        const key = k * I + i;
        const g0 = gts[key] ?? [];
        const dAll = sortedDts[key];
        if (dAll === undefined) continue; // no gt and no dt
        const gIgn = g0.map((g) => (g.ignore || g.area < aMin || g.area > aMax ? 1 : 0));
        const gtind = stableArgsort(gIgn);
        const g = gtind.map((j) => g0[j]);
        const gtIg = Uint8Array.from(gtind.map((j) => gIgn[j]));
        const d = dAll.slice(0, maxDetLast);
        const iousRaw = iousAll[key];
        const G = g.length;
        const D = d.length;
        const gtm = new Float64Array(T * G);
        const dtm = new Float64Array(T * D);
        const dtIg = new Uint8Array(T * D);
        if (iousRaw !== undefined) {
          for (let t = 0; t < T; t++) {
            for (let di = 0; di < D; di++) {
              let iou = Math.min(p.iouThrs[t], 1 - 1e-10);
              let mi = -1;
              const row = iousRaw[di];
              for (let gi = 0; gi < G; gi++) {
                // already matched and not a crowd
                if (gtm[t * G + gi] > 0 && !g[gi].iscrowd) continue;
                // matched to a regular gt, and reached the ignored ones: stop
                if (mi > -1 && gtIg[mi] === 0 && gtIg[gi] === 1) break;
                const v = row[gtind[gi]];
                if (v < iou) continue;
                iou = v;
                mi = gi;
              }
              if (mi === -1) continue;
              dtIg[t * D + di] = gtIg[mi];
              dtm[t * D + di] = g[mi].id;
              gtm[t * G + mi] = d[di].id;
            }
          }
        }
        // unmatched detections outside the area range are ignored
        for (let di = 0; di < D; di++) {
          const ar = d[di].area;
          if (ar < aMin || ar > aMax) {
            for (let t = 0; t < T; t++) if (dtm[t * D + di] === 0) dtIg[t * D + di] = 1;
          }
        }
        evalImgs[(k * A + a) * I + i] = {
          dtScores: d.map((x) => x.score),
          dtMatches: dtm,
          dtIgnore: dtIg,
          gtIgnore: gtIg,
          D,
        };
      }
    }
  }

  // accumulate
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIdx = (t: number, r: number, k: number, a: number, m: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const rIdx = (t: number, k: number, a: number, m: number) => ((t * K + k) * A + a) * M + m;
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      for (let m = 0; m < M; m++) {
        const maxDet = p.maxDets[m];
        const E: ImgEval[] = [];
        for (let i = 0; i < I; i++) {
          const e = evalImgs[(k * A + a) * I + i];
          if (e !== null) E.push(e);
        }
        if (E.length === 0) continue;
        // concatenate per-image (already score-sorted) detections truncated to maxDet
        const scores: number[] = [];
        const src: [ImgEval, number][] = [];
        let npig = 0;
        for (const e of E) {
          const n = Math.min(maxDet, e.D);
          for (let j = 0; j < n; j++) {
            scores.push(e.dtScores[j]);
            src.push([e, j]);
          }
          for (let j = 0; j < e.gtIgnore.length; j++) if (e.gtIgnore[j] === 0) npig++;
        }
        if (npig === 0) continue;
        const inds = stableArgsort(scores.map((s) => -s));
        const nd = inds.length;
        const rc = new Float64Array(nd);
        const pr = new Float64Array(nd);
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          for (let j = 0; j < nd; j++) {
            const [e, col] = src[inds[j]];
            const matched = e.dtMatches[t * e.D + col] !== 0;
            const ignored = e.dtIgnore[t * e.D + col] !== 0;
            if (!ignored) {
              if (matched) tp++;
              else fp++;
            }
            rc[j] = tp / npig;
            pr[j] = tp / (fp + tp + EPS);
          }
          recall[rIdx(t, k, a, m)] = nd ? rc[nd - 1] : 0;
          for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
          // searchsorted(rc, recThrs, side='left'); past the end -> stays 0
          let pos = 0;
          for (let r = 0; r < R; r++) {
            const thr = p.recThrs[r];
            while (pos < nd && rc[pos] < thr) pos++;
            precision[pIdx(t, r, k, a, m)] = pos < nd ? pr[pos] : 0;
            if (pos >= nd) {
              // pycocotools stops filling at the first out-of-range index; the rest stay 0
              for (let r2 = r + 1; r2 < R; r2++) precision[pIdx(t, r2, k, a, m)] = 0;
              break;
            }
          }
        }
      }
    }
  }

  const shape: [number, number, number, number, number] = [T, R, K, A, M];
  const stats = summarize(precision, recall, shape, p);
  return { params: p, catIds, imgIds, precision, recall, shape, stats };
}

/** numpy's pairwise summation (add.reduce on a contiguous float64 array), for bit-identical means. */
function pairwiseSum(a: number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = (r[0] + r[1] + (r[2] + r[3])) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

function summarize(
  precision: Float64Array,
  recall: Float64Array,
  shape: [number, number, number, number, number],
  p: EvalParams,
): CocoStats {
  const [T, R, K, A, M] = shape;
  const areaIndex = (label: string) => p.areaRngs.findIndex((x) => x.label === label);
  const one = (ap: boolean, iouThr: number | null, areaLabel: string, maxDets: number): number => {
    const a = areaIndex(areaLabel);
    const m = p.maxDets.indexOf(maxDets);
    if (a < 0 || m < 0) return -1;
    const ts: number[] = [];
    for (let t = 0; t < T; t++) if (iouThr === null || p.iouThrs[t] === iouThr) ts.push(t);
    const vals: number[] = [];
    for (const t of ts) {
      if (ap) {
        for (let r = 0; r < R; r++) {
          for (let k = 0; k < K; k++) {
            const v = precision[(((t * R + r) * K + k) * A + a) * M + m];
            if (v > -1) vals.push(v);
          }
        }
      } else {
        for (let k = 0; k < K; k++) {
          const v = recall[((t * K + k) * A + a) * M + m];
          if (v > -1) vals.push(v);
        }
      }
    }
    return vals.length === 0 ? -1 : pairwiseSum(vals, 0, vals.length) / vals.length;
  };
  const [m0, m1, m2] = [p.maxDets[0], p.maxDets[1], p.maxDets[2] ?? p.maxDets[p.maxDets.length - 1]];
  const s: Record<StatKey, number> = {
    AP: one(true, null, 'all', m2),
    AP50: one(true, 0.5, 'all', m2),
    AP75: one(true, 0.75, 'all', m2),
    APs: one(true, null, 'small', m2),
    APm: one(true, null, 'medium', m2),
    APl: one(true, null, 'large', m2),
    AR1: one(false, null, 'all', m0),
    AR10: one(false, null, 'all', m1),
    AR100: one(false, null, 'all', m2),
    ARs: one(false, null, 'small', m2),
    ARm: one(false, null, 'medium', m2),
    ARl: one(false, null, 'large', m2),
  };
  return s;
}

/** The 12 COCO summary numbers for `dets` scored against `gt` (pycocotools COCOeval, bbox). */
export function evaluateDetections(gt: CocoGroundTruth, dets: CocoDetection[], options: EvaluateOptions = {}): CocoStats {
  return cocoEvaluate(gt, dets, options).stats;
}

/** Lines in the format of pycocotools' `summarize()` printout. */
export function formatStats(stats: CocoStats): string {
  const rows: [StatKey, string, string, string, number][] = [
    ['AP', 'Average Precision', '(AP)', '0.50:0.95', 0],
    ['AP50', 'Average Precision', '(AP)', '0.50', 0],
    ['AP75', 'Average Precision', '(AP)', '0.75', 0],
    ['APs', 'Average Precision', '(AP)', '0.50:0.95', 1],
    ['APm', 'Average Precision', '(AP)', '0.50:0.95', 2],
    ['APl', 'Average Precision', '(AP)', '0.50:0.95', 3],
    ['AR1', 'Average Recall', '(AR)', '0.50:0.95', 0],
    ['AR10', 'Average Recall', '(AR)', '0.50:0.95', 0],
    ['AR100', 'Average Recall', '(AR)', '0.50:0.95', 0],
    ['ARs', 'Average Recall', '(AR)', '0.50:0.95', 1],
    ['ARm', 'Average Recall', '(AR)', '0.50:0.95', 2],
    ['ARl', 'Average Recall', '(AR)', '0.50:0.95', 3],
  ];
  const areas = ['all', 'small', 'medium', 'large'];
  const dets: Record<StatKey, number> = {
    AP: 100, AP50: 100, AP75: 100, APs: 100, APm: 100, APl: 100,
    AR1: 1, AR10: 10, AR100: 100, ARs: 100, ARm: 100, ARl: 100,
  };
  return rows
    .map(([key, title, type, iou, area]) => {
      const v = stats[key];
      return ` ${title.padEnd(18)} ${type} @[ IoU=${iou.padEnd(9)} | area=${areas[area].padStart(6)} | maxDets=${String(dets[key]).padStart(3)} ] = ${v.toFixed(3)}   ${key}`;
    })
    .join('\n');
}
