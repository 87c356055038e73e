import type { EffectMeasure, LayerEffect } from '../effect';

/** One block of the table: the selected object, or the mean over every object both models found. */
export interface EffectBlock {
  /** 'selected' or 'mean' (data attribute for tests). */
  scope: 'selected' | 'mean';
  /** The selected ground-truth object's index in its scene (tests follow it across epochs). */
  object?: number;
  title: string;
  /** Per model (first, second), per layer. */
  effects: [LayerEffect[], LayerEffect[]];
}

interface Props {
  titles: [string, string];
  blocks: EffectBlock[];
  /** Said when there is nothing to measure yet (no selection, slices still coming). */
  note: string | null;
  layer: number;
  onLayer: (layer: number) => void;
}

/** The measures, how each is read, and which direction means "found the object". */
const MEASURES: { key: EffectMeasure; label: string; better: '↑' | '↓'; title: string }[] = [
  { key: 'truthShare', label: 'in true box', better: '↑', title: 'Share of the attention inside the ground-truth box of the object (generated scenes only)' },
  { key: 'boxShare', label: 'in pred. box', better: '↑', title: "Share of the attention inside the query's final predicted box" },
  { key: 'entropy', label: 'entropy', better: '↓', title: 'Normalised attention entropy: 1 = spread evenly over the image, 0 = one cell' },
  { key: 'centroidOffset', label: 'centroid off', better: '↓', title: "Distance of the attention's centre of mass from the predicted box's centre, in half-diagonals of the box" },
];

const MODEL_STYLE = ['effect-a', 'effect-b'];
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));

/**
 * The effect of semantic alignment in numbers, per decoder layer, for the two compared models:
 * for the selected object and averaged over all the objects both found, so that one query cannot
 * mislead. Each measure is averaged over the visible heads (docs/visualizer.md says how each is
 * computed).
 */
export function EffectPanel({ titles, blocks, note, layer, onLayer }: Props) {
  const layers = Math.max(0, ...blocks.flatMap((b) => b.effects.flatMap((e) => e.map((x) => x.layer))));
  const cols = Array.from({ length: layers }, (_, i) => i + 1);
  return (
    <section className="effect-panel" data-testid="effect-panel" aria-label="Effect of semantic alignment: attention per decoder layer, both models">
      <h3>Where the attention is, per decoder layer</h3>
      <p className="effect-key">
        <span className="effect-a">A</span> {titles[0]} · <span className="effect-b">B</span> {titles[1]}
      </p>
      {note && <p className="effect-note">{note}</p>}
      {blocks.map((b) => (
        <table key={b.scope} className="effect-table" data-scope={b.scope} data-object={b.object}>
          <caption>{b.title}</caption>
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col" />
              {cols.map((l) => (
                <th key={l} scope="col" className={l === layer ? 'on' : ''}>
                  <button type="button" onClick={() => onLayer(l)} aria-pressed={l === layer} title={`Show decoder layer ${l}`}>L{l}</button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {MEASURES.filter((m) => m.key !== 'truthShare' || b.effects.some((e) => e.some((x) => x.truthShare !== null))).map((m) =>
              [0, 1].map((i) => (
                <tr key={`${m.key}${i}`} className={i === 1 ? 'second' : ''}>
                  {i === 0 && <th scope="rowgroup" rowSpan={2} title={m.title}>{m.label} {m.better}</th>}
                  <td className={MODEL_STYLE[i]}>{i === 0 ? 'A' : 'B'}</td>
                  {cols.map((l) => {
                    const v = b.effects[i].find((x) => x.layer === l)?.[m.key];
                    return (
                      <td key={l} className={l === layer ? 'on' : ''} data-measure={m.key} data-model={i} data-layer={l}>
                        {fmt(v)}
                      </td>
                    );
                  })}
                </tr>
              )),
            )}
          </tbody>
        </table>
      ))}
    </section>
  );
}
