import { useRef } from 'react';
import type { Dispatch } from '../state/useViewState';
import { EXAMPLES, parseImageRef, randomSeed } from '../scenes';
import type { ShownDetection } from './ImageView';
import { QueryList } from './QueryList';
import { topOffer } from '../topDetections';

interface Props {
  image: string;
  size: { width: number; height: number; origWidth: number; origHeight: number } | null;
  /** "model input WxH, features WxH" of the current run. */
  runNote: string | null;
  threshold: number;
  merge: boolean;
  detections: ShownDetection[];
  /** Every detection of the run shown (before the threshold), for the offer of the top ones when none reaches it. */
  ranked?: readonly { query: number; score: number }[];
  /** No run of the current image and model yet (see QueryList). */
  pending: 'running' | 'none' | null;
  selected: number | null;
  hovered: number | null;
  onHover: (q: number | null) => void;
  badge: (q: number) => string | null;
  onFile: (f: File) => void;
  dispatch: Dispatch;
}

/** The left column: which image, opening files, the score threshold and the detected queries. */
export function ImagePanel(p: Props) {
  const fileInput = useRef<HTMLInputElement>(null);
  const ref = parseImageRef(p.image);
  return (
    <aside className="left" aria-label="Image and detections">
      <section>
        <h2>Image</h2>
        <label className="field">
          <span>Example</span>
          <select value={ref.kind === 'example' ? p.image : ''} onChange={(e) => e.target.value && p.dispatch({ type: 'setImage', image: e.target.value })} aria-label="Bundled example image">
            <option value="">{ref.kind === 'scene' ? `scene ${ref.seed}` : ref.kind === 'upload' ? 'your image' : '—'}</option>
            {EXAMPLES.map((x) => (
              <option key={x.seed} value={`example:${x.seed}`}>
                {x.label}
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <button type="button" onClick={() => p.dispatch({ type: 'setImage', image: `scene:${randomSeed()}` })} title="N">
            Generate a new scene
          </button>
          <button type="button" onClick={() => fileInput.current?.click()}>
            Open image or .pth…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept="image/*,.pth,.pt,.ckpt"
            hidden
            data-testid="file-input"
            aria-label="Open an image or checkpoint"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) p.onFile(f);
              e.target.value = '';
            }}
          />
        </div>
        <p className="hint">Drop or paste an image (or an official DETR-family .pth checkpoint) anywhere.</p>
        {p.size && (
          <p className="muted small" data-testid="image-info">
            {p.size.width}×{p.size.height}
            {p.size.origWidth !== p.size.width ? ` (from ${p.size.origWidth}×${p.size.origHeight})` : ''}
            {p.runNote ? ` → ${p.runNote}` : ''}
          </p>
        )}
      </section>
      <section>
        <label className="field col">
          <span>
            Score threshold: <b>{p.threshold.toFixed(2)}</b>
          </span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={p.threshold}
            data-testid="score-threshold"
            aria-label="Score threshold"
            onChange={(e) => p.dispatch({ type: 'setThreshold', threshold: Number(e.target.value) }, e)}
          />
        </label>
        <label className="check" title="M: one box per object, whatever the class (boxes overlapping a better one by IoU ≥ 0.7 are hidden)">
          <input type="checkbox" checked={p.merge} data-testid="merge-duplicates" onChange={(e) => p.dispatch({ type: 'setMerge', on: e.target.checked })} /> merge duplicate boxes
        </label>
        <h2>
          Detected queries <span className="muted">({p.pending ? '…' : p.detections.length})</span>
        </h2>
        <QueryList
          detections={p.detections}
          selected={p.selected}
          hovered={p.hovered}
          onToggle={(q, ev) => p.dispatch({ type: 'selectQuery', query: q, toggle: true }, ev)}
          onHover={p.onHover}
          badge={p.badge}
          pending={p.pending}
          offer={p.detections.length === 0 && !p.pending ? topOffer(p.ranked, p.threshold) : null}
          onOffer={(threshold) => p.dispatch({ type: 'setThreshold', threshold })}
        />
      </section>
    </aside>
  );
}
