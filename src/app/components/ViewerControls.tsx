import type { Dispatch } from '../state/useViewState';
import { OVERLAY_LABELS, type Overlay } from '../state';
import { HeadToggles } from './HeadToggles';
import { ColorLegend } from './ColorLegend';
import type { Contrast, MapKind } from '../colorScale';

interface Props {
  mode: 'decoder' | 'encoder' | 'convergence';
  layer: number;
  maxLayer: number;
  playing: boolean;
  onPlay: (on: boolean) => void;
  nHeads: number;
  heads: number;
  overlay: Overlay;
  /** The kind of map the overlay shows (its legend), null when it shows none. */
  overlayKind: MapKind | null;
  contrast: Contrast;
  grid: boolean;
  /** The view draws a 7x7 RoI (decoder view of a SAM-DETR model): else the grid switch has nothing to act on. */
  hasRoi: boolean;
  /** Multi-scale decoder: the level the shown layer reads ("reads stride 16 (50×38)"). */
  levelNote?: string | null;
  dispatch: Dispatch;
}

/** Under the image: the layer slider and player, the head toggles, the overlay and grid. */
export function ViewerControls(p: Props) {
  return (
    <div className="controls">
      <label className="field layer">
        <span>
          {p.mode === 'encoder' ? 'Encoder' : 'Decoder'} layer <b>{p.layer}</b> / {p.maxLayer}
          {p.levelNote && p.mode === 'decoder' && <span className="level-note" data-testid="layer-level-note">, {p.levelNote}</span>}
        </span>
        <input
          type="range"
          min={1}
          max={Math.max(1, p.maxLayer)}
          step={1}
          value={p.layer}
          data-testid="layer-slider"
          aria-label={p.mode === 'encoder' ? 'Encoder layer' : 'Decoder layer'}
          aria-valuetext={`layer ${p.layer} of ${p.maxLayer}${p.levelNote && p.mode === 'decoder' ? `, ${p.levelNote}` : ''}`}
          onChange={(e) => p.dispatch({ type: 'setLayer', layer: Number(e.target.value), maxLayer: p.maxLayer }, e)}
        />
      </label>
      <button
        type="button"
        aria-label={p.playing ? 'Stop' : 'Play through the layers'}
        title={p.playing ? 'Stop' : 'Play through the layers (from layer 1)'}
        onClick={() => {
          if (!p.playing) p.dispatch({ type: 'setLayer', layer: 1, maxLayer: p.maxLayer });
          p.onPlay(!p.playing);
        }}
      >
        {p.playing ? '■' : '▶'}
      </button>
      <HeadToggles
        heads={p.nHeads}
        mask={p.heads}
        onToggle={(h, ev) => p.dispatch({ type: 'toggleHead', head: h }, ev)}
        onSolo={(h, ev) => p.dispatch({ type: 'soloHead', head: h }, ev)}
        onAll={(ev) => p.dispatch({ type: 'showAllHeads', heads: p.nHeads }, ev)}
      />
      <label className="field">
        <span>Overlay</span>
        <select value={p.overlay} onChange={(e) => p.dispatch({ type: 'setOverlay', overlay: e.target.value as Overlay })} aria-label="Heatmap overlay">
          {OVERLAY_LABELS.map(([v, label]) => {
            // The SMCA prior belongs to the decoder's cross-attention, not to the encoder's self-attention.
            const decoderOnly = p.mode === 'encoder' && (v === 'gaussian' || v === 'diff');
            return (
              <option key={v} value={v} disabled={decoderOnly}>
                {decoderOnly ? `${label} — decoder view only` : label}
              </option>
            );
          })}
        </select>
      </label>
      <label className="field" title="Absolute: every map on one scale, attention per cell as a multiple of the uniform share, so maps can be compared. Per-map: each map stretched to its own range, which shows its shape but not how focused it is.">
        <span>Colour scale</span>
        <select value={p.contrast} onChange={(e) => p.dispatch({ type: 'setContrast', contrast: e.target.value as Contrast })} aria-label="Colour scale" data-testid="contrast-select">
          <option value="absolute">one absolute scale (comparable)</option>
          <option value="per-map">per-map contrast (not comparable)</option>
        </select>
      </label>
      {p.overlayKind && <ColorLegend kind={p.overlayKind} contrast={p.contrast} />}
      <label className="check" title={p.hasRoi ? 'The 7×7 RoI the Semantics Aligner pools from the reference box' : 'Only SAM-DETR decoder views have a 7×7 RoI'}>
        <input type="checkbox" checked={p.grid} disabled={!p.hasRoi} onChange={(e) => p.dispatch({ type: 'setGrid', on: e.target.checked })} /> 7×7 RoI grid
      </label>
    </div>
  );
}
