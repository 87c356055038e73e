/**
 * On the image, when a bundled shape model looks at an image that is not one of its generated
 * scenes: its boxes on a photo mean nothing, and the way to look at photos is an official checkpoint.
 */
export function DomainWarning({ classes }: { classes: string[] }) {
  return (
    <div className="domain-warning" data-testid="domain-warning" role="note">
      This model knows only {classes.length} synthetic shapes ({classes.join(', ')}), learned from generated scenes: on other images its
      boxes mean nothing. For photos, drop an official SAM-DETR <code>.pth</code> checkpoint here (or use “Open image or .pth…”).
    </div>
  );
}
