interface Props {
  /** Encoder tab, no location clicked yet. */
  pickEncoderPoint: boolean;
  /** Multi-scale model: its encoder attention is deformable (sampling points, not a map). */
  deformable?: boolean;
  /** Its feature levels (multi-scale SAM-DETR 3, Deformable DETR 4). */
  levels?: number;
  /** Decoder tab, detections shown, none selected. */
  pickQuery: boolean;
  /** Why the heatmap shows nothing (e.g. no SMCA prior in this model). */
  mapNote?: string;
  /** The selected query belongs to official DETR, which lacks SAM-DETR's geometry. */
  detr: boolean;
}

/** What to do next, and what the view cannot show, under the image. */
export function ViewHints({ pickEncoderPoint, deformable, levels = 3, pickQuery, mapNote, detr }: Props) {
  return (
    <>
      {pickEncoderPoint && !deformable && <p className="hint">Click a location on the image (or press I, J, K or L) to see the encoder self-attention from it, per head.</p>}
      {pickEncoderPoint && deformable && (
        <p className="hint" data-testid="deformable-hint">
          This {levels}-level encoder attends by deformable sampling: click a location on the image (or press I, J, K or L) to see where it samples, per head and level (4 points
          on each of the {levels} levels), each point sized by its attention weight.
        </p>
      )}
      {pickQuery && <p className="hint">Select a query (click a box or a list entry, or press ↓) to see its reference box, RoI grid, salient points and attention.</p>}
      {mapNote && <p className="hint">{mapNote}</p>}
      {detr && (
        <p className="hint" data-testid="detr-note">
          DETR has no reference boxes, RoI or salient points: its queries search the whole image. The dashed box is this layer&apos;s predicted box; the
          maps are each head&apos;s cross-attention.
        </p>
      )}
    </>
  );
}
