import { useCallback, useMemo } from 'react';
import type { EncoderPointsSlice, RunResult } from '../../worker/messages';
import { imageToCell, type Frame, type Pt } from '../geometry';
import { samplingMarks, stepCell, type SamplingMark } from '../multiScale';
import { visibleHeads, type ViewState } from '../state';
import type { Dispatch } from '../state/useViewState';

const NONE: SamplingMark[] = [];

/**
 * The multi-scale encoder tab's sampling points as marks (recomputed only when the points, the
 * frame or the visible heads change, so hovering redraws nothing), the clicked cell of the
 * stride-8 grid, and a keyboard move of the location by whole cells.
 */
export function useEncoderSampling(
  points: EncoderPointsSlice | null, run: RunResult | undefined, frame: Frame | null,
  s: Pick<ViewState, 'mode' | 'heads' | 'encPoint'>, nHeads: number, dispatch: Dispatch,
): { marks: SamplingMark[]; cell: { col: number; row: number } | null; onMove: (dx: number, dy: number) => void } {
  const on = s.mode === 'encoder' && !!points;
  const marks = useMemo(() => (on ? samplingMarks(points, frame, visibleHeads(s.heads, nHeads)) : NONE), [on, points, frame, s.heads, nHeads]);
  const loc = s.encPoint as Pt | null;
  const cell = loc && run && frame ? imageToCell(loc, run.featW, run.featH, frame) : null;
  const onMove = useCallback(
    (dx: number, dy: number) => {
      if (run && frame) dispatch({ type: 'setEncPoint', point: stepCell(loc, dx, dy, run.featW, run.featH, frame) });
    },
    [run, frame, loc, dispatch],
  );
  return { marks, cell, onMove };
}
