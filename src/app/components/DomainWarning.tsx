/**
 * On the image, when a bundled shape model looks at an image that is not one of its generated
 * scenes: its boxes on a photo mean nothing, and the way to look at photos is an official checkpoint.
 * The other way round (`photoModel`): a COCO checkpoint (91+ classes) looking at a generated shapes scene.
 */
export function DomainWarning({ classes, photoModel = false }: { classes: string[]; photoModel?: boolean }) {
  if (photoModel)
    return (
      <div className="domain-warning" data-testid="domain-warning" role="note">
        This is a generated scene of synthetic shapes, which this checkpoint never saw: its boxes here mean little. Drop or paste a
        photo (or use “Open image or .pth…”) to see it on the images it was trained for.
      </div>
    );
  return (
    <div className="domain-warning" data-testid="domain-warning" role="note">
      This model knows only {classes.length} synthetic shapes ({classes.join(', ')}), learned from generated scenes: on other images its
      boxes mean nothing. For photos, drop an official <code>.pth</code> checkpoint here (SAM-DETR, DETR, Conditional DETR, DAB-DETR or Deformable DETR) (or use “Open image or .pth…”).
    </div>
  );
}
