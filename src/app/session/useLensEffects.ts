import { useEffect, useRef } from 'react';
import { baseModelName } from '../timeline';
import type { BackendName } from '../../worker/messages';
import type { IndexEntry } from '../hooks/useModelIndex';
import type { ViewState } from '../state';
import type { Dispatch } from '../state/useViewState';
import { imageToCell, type Frame, type Pt } from '../geometry';
import { classNamesFor } from '../hooks/useFileHandler';
import type { LensSession, SessionImage, SessionState } from './LensSession';
import { derive, type WantedSlice } from '../derive';

export interface LensInputs {
  s: ViewState;
  dispatch: Dispatch;
  index: IndexEntry[] | null;
  /** The main model's name (the URL's or the default) and the side-by-side partner's. */
  modelName: string;
  pairName: string | null;
  image: SessionImage | null;
  inputSize: number;
  runCount: number;
  baseUrl: string;
  /** What the view needs fetched: slices [slot, variant, query], the prior-off run, the encoder cell. */
  wanted: WantedSlice[];
  needOff: boolean;
  encoder: { layer: number; point: Pt; frame: Frame } | null;
}

/**
 * The effects that keep the session in step with the view state: backend, models per slot
 * (unloading the second when a comparison ends), detection runs, the prior-off re-run, slices
 * and encoder attention. Each asks the session, which dedupes and drops stale replies.
 */
export function useLensEffects(session: LensSession, st: SessionState, x: LensInputs): void {
  const { s, dispatch, index, modelName, pairName, image } = x;

  useEffect(() => {
    void session.init((s.backend || undefined) as BackendName | undefined, s.threads || undefined);
  }, [session, s.backend, s.threads]);

  // A new backend (st.backend changes) starts with no models: they load again.
  const backend = st.backend;
  const slot1 = s.compare === 'side-by-side' ? pairName : null;
  useEffect(() => {
    if (!backend || !index) return;
    [modelName || null, slot1].forEach((name, slot) => {
      if (!name) {
        if (slot === 1) void session.unload(1);
        return;
      }
      if (name.startsWith('upload:')) {
        // Read earlier in this page, or kept in the browser; else the main view says it is missing (the session does).
        void session.restoreUpload(slot, name, classNamesFor).then((r) => {
          if (r === 'missing' && slot === 1) {
            session.setError(`The checkpoint "${name.slice(7)}" chosen as the second model is not stored in this browser; drop it on the page to add it.`);
            dispatch({ type: 'setModel2', model: null });
          }
        });
        return;
      }
      if (!index.some((m) => m.name === baseModelName(name))) {
        session.setError(`Unknown bundled model "${name}"; showing the default model.`);
        dispatch(slot === 0 ? { type: 'setModel', model: '' } : { type: 'setModel2', model: null });
        return;
      }
      void session.loadBundled(slot, name, x.baseUrl).then((r) => {
        if (r !== 'failed') return;
        // The picker and the URL go back to the model still loaded (the error says why), so
        // they never name a model the view is not showing; choosing it again retries.
        const kept = session.getSnapshot().models[slot]?.name ?? null;
        if (kept === name) return;
        // A second view with no model would read as "this model detects nothing": the comparison ends.
        if (slot === 1) dispatch(kept ? { type: 'setModel2', model: kept } : { type: 'setCompare', compare: 'none' });
        else dispatch({ type: 'setModel', model: !kept || index.find((m) => m.default)?.name === kept ? '' : kept });
      });
    });
  }, [backend, index, modelName, slot1, session, dispatch, x.baseUrl]);

  // The layer slider follows a change of the main model to its last layer (what its boxes show),
  // as it would otherwise keep the old index ("3 / 6"). Not for the page's first model (a link's
  // layer stands), nor when the same model comes back (a backend switch, a failed load).
  const m0 = st.models[0];
  const shown = m0?.name ?? null;
  const lastShown = useRef<string | null>(null);
  const { maxLayer } = derive(s, st);
  useEffect(() => {
    if (!shown) return;
    const prev = lastShown.current;
    lastShown.current = shown;
    if (prev !== null && prev !== shown) dispatch({ type: 'modelShown', maxLayer });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new model resets the layer, not a mode switch (maxLayer)
  }, [shown, dispatch]);

  // Detection whenever a slot's model, the image or the settings change (the session skips repeats).
  const m1 = s.compare === 'side-by-side' ? st.models[1] : null;
  // A model (re)installed in a slot clears its last key in the session, so a reload runs again.
  // DC5 is in the key: switched, the same checkpoint is another model (the session rebuilds it).
  const key = (m: typeof m0) => (m && image ? `${m.name}|dc5:${m.config.dilation}|${image.name}|${image.width}x${image.height}|${x.inputSize}|${x.runCount}` : '');
  const key0 = key(m0);
  const key1 = key(m1);
  useEffect(() => {
    if (image) session.requestRun(0, key0, image, x.inputSize || undefined);
  }, [session, key0, image, x.inputSize]);
  useEffect(() => {
    if (image) session.requestRun(1, key1, image, x.inputSize || undefined);
  }, [session, key1, image, x.inputSize]);

  const mainGen = st.runs.main?.gen;
  useEffect(() => {
    if (x.needOff && mainGen !== undefined) void session.rerunPriorOff();
  }, [session, x.needOff, mainGen]);

  useEffect(() => {
    for (const [slot, variant, q] of x.wanted) void session.fetchSlice(slot, variant, q);
  }, [session, x.wanted]);

  const enc = x.encoder;
  const cell = enc && st.runs.main ? imageToCell(enc.point, st.runs.main.result.featW, st.runs.main.result.featH, enc.frame) : null;
  const cellIndex = cell?.index;
  const encLayer = enc?.layer;
  // Multi-scale encoders are deformable: no dense attention row, but where the cell samples.
  const deformable = !!m0?.config.multiscale || m0?.config.decoder === 'deformable';
  useEffect(() => {
    if (cellIndex === undefined || encLayer === undefined || mainGen === undefined) return;
    if (deformable) void session.fetchEncoderPoints(encLayer - 1, cellIndex);
    else void session.fetchEncoderAttention(encLayer - 1, cellIndex);
  }, [session, cellIndex, encLayer, mainGen, deformable]);
}
