import type { ModelInfo } from '../../worker/messages';
import { modelTitle } from '../viewModel';
import { dc5View } from '../dc5';
import { querySlotsOf } from '../querySlots';
import { INPUT_SIZES } from '../state/viewState';

const fmtBytes = (n: number) => (n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

interface Props {
  info: ModelInfo | null;
  /** A checkpoint the URL names that is not stored here (no model is shown then). */
  missing?: string | null;
  inputSize: number;
  onInputSize: (v: number) => void;
  /** Switch DC5 of a checkpoint whose file does not say it (the model is built again and re-run). */
  onDilation: (on: boolean) => void;
}

/** What the active model is (architecture, training, parameters, what was detected from a checkpoint) and its input size. */
export function ModelPanel({ info, missing, inputSize, onInputSize, onDilation }: Props) {
  return (
    <section>
      <h2>Model</h2>
      {info ? <ModelDetails info={info} onDilation={onDilation} /> : missing ? <p className="muted">{missing.slice(7)} is not stored in this browser: drop it to load it.</p> : <p className="muted">loading…</p>}
      <label className="field">
        <span>Input size</span>
        <select value={inputSize} onChange={(e) => onInputSize(Number(e.target.value))} aria-label="Model input size (shorter side)">
          <option value={0}>model default ({info?.inputSize ?? '…'})</option>
          {INPUT_SIZES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function ModelDetails({ info, onDilation }: { info: ModelInfo; onDilation: (on: boolean) => void }) {
  const c = info.config;
  const val = info.card?.val;
  const dc5 = dc5View(info);
  return (
    <div className="model-details" data-testid="model-details">
      <p>
        <b>{modelTitle(info)}</b>
        {info.source === 'checkpoint' ? ` — ${info.name.slice(7)}` : ` — ${info.name}`}
      </p>
      <dl>
        <dt>backbone</dt>
        <dd>
          {c.backbone}
          {c.backboneWidth !== 64 ? ` (width ${c.backboneWidth})` : ''}
          {c.dilation ? (c.dilateLayer3 ? ', layers 3 and 4 dilated (stride 8)' : ', DC5') : ''}
        </dd>
        {info.card?.featureGrid && (
          <>
            <dt>feature grid</dt>
            <dd>{info.card.featureGrid[1]}×{info.card.featureGrid[0]} at {info.card.inputSize} px</dd>
          </>
        )}
        {dc5 && (
          <>
            <dt>DC5</dt>
            <dd data-testid="dc5" data-dc5-source={info.dilationSource} data-dc5={dc5.on ? 'on' : 'off'}>
              {dc5.kind === 'fact' ? (
                dc5.text
              ) : (
                <label className="dc5-choice" title="DC5 changes no weight, so the checkpoint cannot show it: switching it builds the model again from the same weights and runs it again">
                  <input type="checkbox" data-testid="dc5-toggle" checked={dc5.on} onChange={(e) => onDilation(e.target.checked)} />
                  {' '}DC5 (dilated last stage) <span className="muted" data-testid="dc5-note">— {dc5.note}</span>
                </label>
              )}
            </dd>
          </>
        )}
        <dt>SMCA</dt>
        <dd>{c.smca ? 'yes' : 'no'}</dd>
        <dt>layers</dt>
        <dd>
          {c.encLayers} enc / {c.decLayers} dec, {c.nheads} heads, d={c.hiddenDim}
        </dd>
        <dt>queries</dt>
        <dd>
          {c.numQueries}{c.numPatterns ? ` anchors × ${c.numPatterns} patterns = ${querySlotsOf(info)} query slots` : ''}, {c.numClasses} classes
        </dd>
        {info.epoch !== undefined && (
          <>
            <dt>epochs</dt>
            <dd>{info.epoch + 1}</dd>
          </>
        )}
        {info.card?.epochs !== undefined && info.source === 'bundled' && (
          <>
            <dt>trained</dt>
            <dd>{info.card.epochs} epochs</dd>
          </>
        )}
        {val && Object.keys(val).length > 0 && (
          <>
            <dt title="COCO-style AP on the bundled validation scenes, in points (x100)">val{typeof val.images === 'number' ? ` (${val.images} scenes)` : ''}</dt>
            <dd>
              {Object.entries(val)
                .filter(([k]) => k === 'AP' || k === 'AP50')
                .map(([k, v]) => `${k} ${(v * (v <= 1 ? 100 : 1)).toFixed(1)}`)
                .join(', ')}
            </dd>
          </>
        )}
        <dt>params</dt>
        <dd>
          {(info.params / 1e6).toFixed(2)} M ({fmtBytes(info.params * 4)} f32)
        </dd>
      </dl>
      {info.report && info.report.length > 0 && (
        <details open data-testid="checkpoint-report">
          <summary>Detected from the checkpoint</summary>
          <ul>
            {info.report.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
