interface Props {
  epoch: number;
  onExplore: () => void;
  onDismiss: () => void;
}

/** The first view's two sentences on what to look at, and the way to the single-model explorer. */
export function ClaimIntro({ epoch, onExplore, onDismiss }: Props) {
  return (
    <div className="claim-intro" data-testid="claim-intro" role="note">
      <p>
        <b>What to look at:</b> the same object, seen by SAM-DETR + SMCA (left) and by the DETR-style baseline (right){epoch ? `, both after ${epoch} training epoch${epoch === 1 ? '' : 's'}` : ''}.
        SAM-DETR matches each query to the object&apos;s salient points, so the paper expects its attention on the object from early in training while DETR&apos;s is still spread over the image:
        compare the maps and the table of measures, then move the timeline to watch both learn.
      </p>
      <div className="claim-actions">
        <button type="button" onClick={onExplore} data-testid="explore-one">Explore one model</button>
        <button type="button" onClick={onDismiss} aria-label="Hide this note">Hide</button>
      </div>
    </div>
  );
}
