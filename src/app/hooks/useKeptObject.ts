import { useEffect, useRef } from 'react';
import type { Detection } from '../../worker/messages';
import { bestQueryPerObject, mostOverlapping, type TruthObject } from '../effect';
import type { Box } from '../geometry';
import type { Dispatch } from '../state/useViewState';

/** The true object (index) a query's detection overlaps most, if any. */
function objectOf(dets: Detection[], q: number, truth: TruthObject[]): number | null {
  const d = dets.find((x) => x.query === q);
  const t = d ? mostOverlapping(truth, (x) => x.box, d.box as Box) : null;
  return t ? truth.indexOf(t) : null;
}

/**
 * On a generated scene, the selection is an object, not a query index: when a new run replaces
 * the main one (another epoch of the timeline, another model) the query that found the selected
 * true object is selected in it, so the view stays on that object.
 */
export function useKeptObject(run: { detections: Detection[] } | undefined, query: number | null, truth: TruthObject[] | null, dispatch: Dispatch, initialObject: number | null = null): void {
  const kept = useRef<{ truth: TruthObject[]; object: number } | null>(null);
  const lastRun = useRef(run);
  // The first view selects an object before anything is selected: once, on the first run that finds it.
  const initial = useRef(initialObject);
  useEffect(() => {
    if (!truth || !run) return;
    if (initial.current !== null && query === null && truth[initial.current]) {
      const object = initial.current;
      const q = bestQueryPerObject(run.detections, [truth[object]])[0];
      initial.current = null;
      if (q !== null) {
        kept.current = { truth, object };
        lastRun.current = run;
        dispatch({ type: 'selectQuery', query: q });
        return;
      }
    }
    initial.current = null;
    if (kept.current && kept.current.truth !== truth) kept.current = null;
    if (run !== lastRun.current && kept.current) {
      lastRun.current = run;
      const want = kept.current.object;
      const now = query === null ? null : objectOf(run.detections, query, truth);
      if (now !== want) {
        const q = bestQueryPerObject(run.detections, [truth[want]])[0];
        if (q !== null && q !== query) dispatch({ type: 'selectQuery', query: q });
      }
      return;
    }
    lastRun.current = run;
    const obj = query === null ? null : objectOf(run.detections, query, truth);
    kept.current = obj === null ? null : { truth, object: obj };
  }, [run, query, truth, dispatch]);
}
