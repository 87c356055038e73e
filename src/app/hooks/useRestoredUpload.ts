import { useEffect } from 'react';
import type { LensSession } from '../session/LensSession';
import type { Dispatch } from '../state/useViewState';
import { keptImage } from '../storage/lastImage';

/**
 * A page whose URL shows an opened image (`image=upload`) but has none in memory (a reload, a
 * later visit) opens the copy this browser kept (storage/lastImage.ts). Without one (a link
 * opened in another browser, storage refused, a file too large to keep) it shows Example 1 and
 * says why, instead of switching silently.
 */
export function useRestoredUpload(missing: boolean, open: (file: File, restored: boolean) => Promise<boolean>, session: LensSession, dispatch: Dispatch): void {
  useEffect(() => {
    if (!missing) return;
    let live = true;
    void (async () => {
      const file = await keptImage(globalThis.navigator?.storage);
      if (!live) return;
      // A kept file that no longer decodes gets the decoder's own message.
      if (file && (await open(file, true))) return;
      if (!live) return;
      dispatch({ type: 'setImage', image: 'example:1' });
      if (!file) session.setError('The image this link shows (image=upload) is not kept in this browser; showing Example 1. Drop or paste the image to see it again.');
    })();
    return () => {
      live = false;
    };
  }, [missing, open, session, dispatch]);
}
