import type { ModelInfo } from '../../worker/messages';
import { modelTitle } from '../viewModel';

const fmtBytes = (n: number) => (n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

interface Props {
  info: ModelInfo | null;
  /** A checkpoint the URL names that is not stored here (no model is shown then). */
  missing?: string | null;
  inputSize: number;
  onInputSize: (v: number) => void;
}

/** What the active model is (architecture, training, parameters, what was detected from a checkpoint) and its input size. */
export function ModelPanel({ info, missing, inputSize, onInputSize }: Props) {
  return (
    <section>
      <h2>Model</h2>
      {info ? <ModelDetails info={info} /> : missing ? <p className="muted">{missing.slice(7)} is not stored in this browser: drop it to load it.</p> : <p className="muted">loading…</p>}
      <label className="field">
        <span>Input size</span>
        <select value={inputSize} onChange={(e) => onInputSize(Number(e.target.value))} aria-label="Model input size (shorter side)">
          <option value={0}>model default ({info?.inputSize ?? '…'})</option>
          {[128, 256, 320, 480, 640, 800].map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function ModelDetails({ info }: { info: ModelInfo }) {
  const c = info.config;
  const val = info.card?.val;
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
          {c.dilation ? ', DC5' : ''}
        </dd>
        <dt>SMCA</dt>
        <dd>{c.smca ? 'yes' : 'no'}</dd>
        <dt>layers</dt>
        <dd>
          {c.encLayers} enc / {c.decLayers} dec, {c.nheads} heads, d={c.hiddenDim}
        </dd>
        <dt>queries</dt>
        <dd>
          {c.numQueries}, {c.numClasses} classes
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
            <dt>val</dt>
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
