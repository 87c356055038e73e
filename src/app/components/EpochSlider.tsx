import type { Dispatch } from '../state/useViewState';

interface Props {
  /** The snapshot epochs every shown bundled model has, in order. */
  epochs: number[];
  /** The epoch shown (0: the published models). */
  epoch: number;
  /** What the published models are, for the last stop ("published: 140 epochs"). */
  publishedNote: string;
  dispatch: Dispatch;
}

/**
 * The training timeline: one slider over the snapshot epochs the shown bundled models share, and a
 * last stop for the published models. Moving it swaps every shown model to that epoch; the page
 * keeps the selected object (App re-matches its query in the new run).
 */
export function EpochSlider({ epochs, epoch, publishedNote, dispatch }: Props) {
  const stops = [...epochs, 0];
  const at = Math.max(0, stops.indexOf(epoch));
  const label = epoch ? `epoch ${epoch}` : publishedNote;
  return (
    <div className="epoch-slider field">
      <label htmlFor="epoch-slider">
        Training timeline: <b data-testid="epoch-label">{label}</b>
      </label>
      <input
        id="epoch-slider" type="range" min={0} max={stops.length - 1} step={1} value={at} data-testid="epoch-slider" data-epoch={epoch}
        aria-valuetext={label} list="epoch-stops"
        onChange={(e) => dispatch({ type: 'setEpoch', epoch: stops[Number(e.target.value)] ?? 0 })}
      />
      <span className="epoch-stops" aria-hidden="true">
        {stops.map((e) => (e ? e : 'pub.')).join(' · ')}
      </span>
    </div>
  );
}
