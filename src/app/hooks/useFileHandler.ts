import { useCallback } from 'react';
import type { ModelInfo } from '../../worker/messages';
import { decodeImage, describeUnsupported, InputError, sniff, type DecodedImage } from '../imageInput';
import type { LensSession } from '../session/LensSession';
import type { Dispatch } from '../state/useViewState';
import { CLASS_NAMES } from '../scenes';
import { COCO_NAMES } from '../coco';
import { keepImage } from '../storage/lastImage';

/** Class names for a checkpoint's model: COCO's for 91 classes, the shapes' for the bundled 8, else numbers. */
export function classNamesFor(info: ModelInfo): string[] {
  const n = info.config.numClasses;
  if (n >= 91) return COCO_NAMES;
  if (n === CLASS_NAMES.length) return [...CLASS_NAMES];
  return Array.from({ length: n }, (_, i) => `class ${i}`);
}

/** Reads a file the way its first bytes say: an image (decoded, size-checked) or a checkpoint. */
async function sniffFile(file: File) {
  const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
  let sn = sniff(head, file.name);
  if (sn.kind === 'image' && sn.format === 'png') sn = sniff(new Uint8Array(await file.arrayBuffer()), file.name);
  else if (sn.kind === 'image' && sn.format === 'jpeg') {
    // A JPEG's end tells whether it is whole.
    const tail = new Uint8Array(await file.slice(Math.max(0, file.size - 4096)).arrayBuffer());
    const full = new Uint8Array(head.length + tail.length);
    full.set(head);
    full.set(tail, head.length);
    sn = sniff(full, file.name);
  }
  return sn;
}

/**
 * Handles a dropped, pasted or opened file: a new image, a checkpoint to load, or a clear error.
 * An image is kept in the browser for a reload (storage/lastImage.ts) unless it is that kept one
 * coming back (`restored`). Resolves true when the file was an image that decoded.
 */
export function useFileHandler(session: LensSession, dispatch: Dispatch, setUpload: (im: DecodedImage) => void, leaveSideBySide: () => void) {
  return useCallback(
    async (file: File, restored = false): Promise<boolean> => {
      session.setError(null);
      const sn = await sniffFile(file);
      if (sn.kind === 'image') {
        try {
          session.setBusy({ label: `Decoding ${file.name}` });
          const im = await decodeImage(file, file.name, sn);
          setUpload({ ...im, name: `upload:${file.name}:${Date.now()}` });
          // The kept image coming back is the one the URL already shows: its query, encoder
          // location and zoom stay (a new image would make them refer to nothing).
          if (!restored) dispatch({ type: 'setImage', image: 'upload' });
          session.setBusy(
            null,
            im.origWidth !== im.width ? `Loaded ${file.name} (${im.origWidth}×${im.origHeight}, resized to ${im.width}×${im.height})` : `Loaded ${file.name} (${im.width}×${im.height})`,
          );
          if (!restored) void keepImage(globalThis.navigator?.storage, file);
          return true;
        } catch (e) {
          session.fail(e instanceof InputError ? e : new Error(`"${file.name}": ${(e as Error).message}`), 'image');
        }
        return false;
      }
      if (sn.kind === 'checkpoint') {
        const info = await session.loadCheckpoint(file, file.name, classNamesFor);
        if (info) {
          dispatch({ type: 'setModel', model: info.name });
          leaveSideBySide();
        }
        return false;
      }
      if (sn.kind === 'safetensors') {
        session.fail(new Error(`"${file.name}" is a safetensors file; load bundled models from the model picker, or drop an official .pth checkpoint (SAM-DETR, DETR, Conditional DETR, DAB-DETR, Deformable DETR).`));
        return false;
      }
      session.fail(new Error(describeUnsupported(sn, file.name)));
      return false;
    },
    [session, dispatch, setUpload, leaveSideBySide],
  );
}
