import { buildPng, buildSvg, cocoImageId, composeBase, download, toCocoResults } from './exporters';
import type { DecodedImage } from './imageInput';
import type { Heat } from './heatCanvas';
import type { Detection } from '../worker/messages';

/** What an export needs of the current view: the image, the main view's heatmap and its SVG overlay. */
export interface ExportSource {
  img: DecodedImage;
  heat: Heat | null;
  svg: SVGSVGElement | null;
}

export function exportSvg({ img, heat, svg }: ExportSource): void {
  const text = buildSvg(composeBase(img.canvas, heat, img.width, img.height), svg, img.width, img.height);
  download(new Blob([text], { type: 'image/svg+xml' }), 'sam-detr-lens.svg');
}

export async function exportPng({ img, heat, svg }: ExportSource): Promise<void> {
  const overlay = buildSvg(img.canvas, svg, img.width, img.height);
  const png = await buildPng(composeBase(img.canvas, heat, img.width, img.height), overlay.replace(/<image [^>]*\/>/, ''), img.width, img.height);
  download(png, 'sam-detr-lens.png');
}

/** The file name an upload came from (its image name is `upload:<file>:<time>`), or the scene's reference. */
function fileNameOf(img: DecodedImage, imageRef: string): string {
  const m = /^upload:(.*):\d+$/.exec(img.name);
  return m ? m[1] : `${imageRef.replace(':', '-')}.png`;
}

/** COCO results of every top-k detection, in the original image's pixels, with file and class names. */
export function exportCoco(img: DecodedImage, imageRef: string, detections: Detection[], synthetic: boolean, names: readonly string[]): void {
  const fileName = fileNameOf(img, imageRef);
  const res = toCocoResults(detections, cocoImageId(imageRef, fileName), img.origWidth / img.width, img.origHeight / img.height, synthetic ? 1 : 0, { fileName, names });
  download(new Blob([JSON.stringify(res, null, 1)], { type: 'application/json' }), 'detections.coco.json');
}
