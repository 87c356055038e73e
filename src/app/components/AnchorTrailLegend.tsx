import type { AnchorTrail } from '../anchorTrail';

/** What the DAB-DETR anchor overlay's marks mean (anchorTrailLayer draws them), in the image view's corner. */
export function AnchorTrailLegend({ trail }: { trail: AnchorTrail }) {
  const l = trail.current + 1;
  const L = trail.boxes.length;
  const s = trail.slot;
  return (
    <div className="view-anchor-legend" data-testid="anchor-legend">
      <div>
        query #{trail.query}
        {s ? ` = pattern ${s.pattern + 1} of ${s.patterns} × anchor ${s.anchor}` : ''}
      </div>
      <div>
        <svg width={18} height={10} aria-hidden="true"><rect x={1} y={1} width={16} height={8} fill="none" stroke="#fff" strokeWidth={2} strokeDasharray="6 4" /></svg>
        {' '}anchor box layer {l} reads
      </div>
      {l > 1 && (
        <div>
          <svg width={18} height={10} aria-hidden="true"><rect x={1} y={1} width={16} height={8} fill="none" stroke="#fff" strokeOpacity={0.45} strokeDasharray="2 3" /></svg>
          {' '}layer {l - 1}’s anchor; arrow: layer {l - 1}’s refinement
        </div>
      )}
      <div>
        <svg width={18} height={10} aria-hidden="true">
          <line x1={3} y1={5} x2={15} y2={5} stroke="#fff" strokeOpacity={0.55} />
          <circle cx={3} cy={5} r={2.5} fill="#000" stroke="#fff" />
          <circle cx={15} cy={5} r={3.5} fill="#fff" stroke="#fff" />
        </svg>
        {' '}anchor centres, layer 1 → {L} (filled: layer {l})
      </div>
    </div>
  );
}
