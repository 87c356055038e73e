import { useEffect, useMemo, useRef } from 'react';
import { headColor } from '../palette';
import type { Box, Pt } from '../geometry';
import type { MapKind } from '../heatmap';
import { drawThumb } from './view/thumb';
import { ColorLegend } from './ColorLegend';
import type { Contrast } from '../colorScale';

export interface HeadPanel {
  head: number;
  visible: boolean;
  map: Float32Array | null;
  point: Pt | null;
}

interface Props {
  image: HTMLCanvasElement | null;
  imgW: number;
  imgH: number;
  featW: number;
  featH: number;
  heatRect: Box;
  kind: MapKind;
  contrast: Contrast;
  refBox: Box | null;
  panels: HeadPanel[];
  caption: string;
  onShow: (h: number) => void;
  onSolo: (h: number) => void;
}

const W = 132;

/**
 * What a panel's map holds, as data attributes: its range, its sum, and where its largest value
 * lies in image pixels (the centre of that feature cell). The e2e tests check the overlays by
 * these (a Gaussian peaks at its head's salient point; a difference of two softmaxes sums to 0).
 */
function mapStats(map: Float32Array | null, featW: number, featH: number, [x1, y1, x2, y2]: Box) {
  if (!map || map.length === 0) return {};
  let lo = Infinity, hi = -Infinity, sum = 0, arg = 0;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) {
      hi = v;
      arg = i;
    }
  }
  const cw = (x2 - x1) / featW;
  const ch = (y2 - y1) / featH;
  return {
    'data-min': lo.toExponential(4),
    'data-max': hi.toExponential(4),
    'data-sum': sum.toExponential(4),
    'data-peak-x': (x1 + ((arg % featW) + 0.5) * cw).toFixed(2),
    'data-peak-y': (y1 + (Math.floor(arg / featW) + 0.5) * ch).toFixed(2),
    'data-cell': Math.max(cw, ch).toFixed(2),
  };
}

function Panel({ p, props }: { p: HeadPanel; props: Props }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const h = Math.max(1, Math.round((W * props.imgH) / Math.max(1, props.imgW)));
  // Redrawn when what it shows changes (boxes and points compared by value: the parent makes new arrays each render).
  const { image, imgW, imgH, featW, featH, kind, contrast } = props;
  const heatKey = props.heatRect.join();
  const refKey = props.refBox?.join() ?? '';
  const pointKey = p.point?.join() ?? '';
  // Once per map, not per render (a selection re-renders every panel; 8 x 850 cells at official size).
  // eslint-disable-next-line react-hooks/exhaustive-deps -- props.heatRect is compared by value (heatKey)
  const stats = useMemo(() => mapStats(p.map, featW, featH, props.heatRect), [p.map, featW, featH, heatKey]);
  useEffect(() => {
    if (ref.current) drawThumb(ref.current, W, { ...props, map: p.map, box: props.refBox, point: p.point, pointColor: headColor(p.head) });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- props.heatRect, props.refBox and p.point are compared by value (the keys)
  }, [p.map, p.head, image, imgW, imgH, featW, featH, kind, contrast, heatKey, refKey, pointKey]);
  return (
    <figure className="sm-cell" style={{ '--head': headColor(p.head) } as React.CSSProperties}>
      <canvas
        ref={ref}
        width={W}
        height={h}
        // Kept mounted while a newly selected query's maps are fetched (a new canvas and context
        // per head cost most of a selection's redraw); only a canvas with its map is an attention map.
        data-testid={p.map ? 'attention-map' : 'attention-map-pending'}
        data-head={p.head}
        data-grid={`${props.featW}x${props.featH}`}
        data-cells={p.map?.length ?? 0}
        {...stats}
        role="img"
        aria-label={`Head ${p.head + 1} map`}
        onDoubleClick={() => props.onSolo(p.head)}
        title="double-click: only this head"
      />
      <figcaption>
        <span className="swatch" aria-hidden="true" /> head {p.head + 1}
      </figcaption>
    </figure>
  );
}

/** All heads side by side; hidden heads collapse to a button that shows them again. */
export function SmallMultiples(props: Props) {
  return (
    <section className="small-multiples" aria-label={props.caption}>
      <div className="sm-head">
        <h3>{props.caption}</h3>
        <ColorLegend kind={props.kind} contrast={props.contrast} />
      </div>
      <div className="sm-grid">
        {props.panels.map((p) =>
          p.visible ? (
            <Panel key={p.head} p={p} props={props} />
          ) : (
            <button key={p.head} type="button" className="sm-hidden" onClick={() => props.onShow(p.head)} style={{ width: W }}>
              head {p.head + 1} hidden — show
            </button>
          ),
        )}
      </div>
    </section>
  );
}
