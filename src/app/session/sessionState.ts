/** The session's state and the pure helpers on it (LensSession changes it; React reads it). */
import type { EncoderPointsSlice, EncoderSlice, InitResult, ModelInfo, QuerySlice, RunResult, Variant } from '../../worker/messages';
import { EMPTY_SHELF, type ShelfState } from '../storage/checkpointShelf';

/** An image ready to run: its name identifies it (a new upload gets a new name). */
export interface SessionImage {
  name: string;
  width: number;
  height: number;
  rgb: Uint8ClampedArray;
}

export interface Busy {
  label: string;
  done?: number;
  total?: number;
  /** When the operation began (performance.now()), for the time-left estimate. */
  since?: number;
  /** How long the run is expected to take: its stages' times in the last run of the model and input size on this device, if any. */
  expectMs?: number;
  /** A run: the share of it done at the last report (runEstimate.runFraction), and when that was (ms after `since`). */
  fraction?: number;
  at?: number;
}

/** One model run: which generation of its slot it is, and what it returned. */
export interface Run {
  gen: number;
  result: RunResult;
}

export interface SessionState {
  backend: InitResult | null;
  /** Per slot (0 = the main view, 1 = the second model of a side-by-side comparison). */
  models: (ModelInfo | null)[];
  /** Checkpoints the user loaded in this page. */
  uploads: ModelInfo[];
  /** Checkpoints kept in the browser (OPFS) across reloads and visits. */
  shelf: ShelfState;
  /** The checkpoint the URL names for the main view that is neither loaded nor stored here. */
  missing: string | null;
  /** Latest detection run per slot, and the main model's prior-off re-run of that run. */
  runs: { main?: Run; off?: Run; second?: Run };
  /** Query slices of the current runs, by sliceKey(). */
  slices: Record<string, QuerySlice>;
  encSlice: EncoderSlice | null;
  /** Multi-scale models: the deformable sampling points of the clicked encoder cell (instead of encSlice). */
  encPoints: EncoderPointsSlice | null;
  busy: Busy | null;
  statusText: string;
  error: string | null;
  /** What the error's one sentence leaves out (the names a checkpoint lacks, a key comparison): shown folded. */
  errorDetails: string | null;
  /** Detection runs completed (tests wait on it). */
  completed: number;
}

export const sliceKey = (slot: number, variant: Variant, query: number) => `${slot}:${variant}:${query}`;

export const INITIAL: SessionState = {
  backend: null,
  models: [null, null],
  uploads: [],
  shelf: EMPTY_SHELF,
  missing: null,
  runs: {},
  slices: {},
  encSlice: null,
  encPoints: null,
  busy: { label: 'Starting the inference worker' },
  statusText: 'Starting…',
  error: null,
  errorDetails: null,
  completed: 0,
};

/** The state with everything of one slot's run gone: its runs (the main one's prior-off run too), slices and, for slot 0, the encoder slices. */
export function withoutSlot(s: SessionState, slot: number): Pick<SessionState, 'runs' | 'slices' | 'encSlice' | 'encPoints'> {
  return {
    runs: slot === 0 ? { second: s.runs.second } : { main: s.runs.main, off: s.runs.off },
    slices: dropSlot(s.slices, slot),
    encSlice: slot === 0 ? null : s.encSlice,
    encPoints: slot === 0 ? null : s.encPoints,
  };
}

export function dropSlot(slices: Record<string, QuerySlice>, slot: number): Record<string, QuerySlice> {
  return Object.fromEntries(Object.entries(slices).filter(([k]) => !k.startsWith(`${slot}:`)));
}
