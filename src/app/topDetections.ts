/**
 * What the empty query list offers when a run has detections but none reach the threshold (an
 * official DETR with formula weights scores about 1/92 everywhere): the best score, and a
 * threshold that shows the `n` best queries.
 */
export interface TopOffer {
  /** The best score of the run (one score per query). */
  best: number;
  /** A threshold at or below the n-th best score. */
  threshold: number;
  /** How many queries that threshold shows. */
  count: number;
}

/**
 * Null when there is nothing to offer (no detections, or some already reach the threshold). The
 * threshold is rounded down to the URL's three decimals when that shows at most a few more than
 * `n` (so a reload shows the same); with scores that close together, the n-th best score itself.
 */
export function topOffer(detections: readonly { query: number; score: number }[] | undefined, threshold: number, n = 5): TopOffer | null {
  if (!detections?.length) return null;
  const byQuery = new Map<number, number>();
  for (const d of detections) if (Number.isFinite(d.score)) byQuery.set(d.query, Math.max(d.score, byQuery.get(d.query) ?? -Infinity));
  const scores = [...byQuery.values()].sort((a, b) => b - a);
  if (!scores.length || scores[0] >= threshold) return null;
  const nth = scores[Math.min(n, scores.length) - 1];
  const shows = (t: number) => scores.filter((s) => s >= t).length;
  const rounded = Math.floor(nth * 1000) / 1000;
  const t = shows(rounded) <= n + 2 ? rounded : nth;
  return { best: scores[0], threshold: t, count: shows(t) };
}
