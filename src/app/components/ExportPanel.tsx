interface Props {
  canExportImage: boolean;
  canExportCoco: boolean;
  onPng: () => void;
  onSvg: () => void;
  onCoco: () => void;
}

export function ExportPanel(p: Props) {
  return (
    <section>
      <h2>Export</h2>
      <div className="row">
        <button type="button" data-testid="export-png" onClick={p.onPng} disabled={!p.canExportImage}>
          PNG
        </button>
        <button type="button" data-testid="export-svg" onClick={p.onSvg} disabled={!p.canExportImage}>
          SVG
        </button>
        <button type="button" data-testid="export-coco" onClick={p.onCoco} disabled={!p.canExportCoco}>
          COCO JSON
        </button>
      </div>
      <p className="muted small">The image at its own resolution with the current overlays; COCO results hold all top-k detections.</p>
    </section>
  );
}
