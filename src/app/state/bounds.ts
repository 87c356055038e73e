import { CONFIG_MAX } from '../../worker/messages';
import { MAX_IMAGE_SIDE } from '../imageInput';

/**
 * The range of every numeric view-state field, in one place: the reducer clamps its actions to
 * these and the URL codecs (./codecs) clamp or drop what a link gives to the same, so a link
 * can open no state that the controls could not reach. A value outside them is not only
 * meaningless: `zoom=1e20` made a transform that hung the page, `1e308` one that crashed it.
 */
export interface Range {
  min: number;
  max: number;
}

export const clampTo = (r: Range, v: number): number => Math.min(r.max, Math.max(r.min, v));

/** Zoom factor relative to the fit-to-view scale (the `+`/`-` keys, the wheel, `Z`). */
export const ZOOM: Range = { min: 0.1, max: 64 };
/** `Z` (zoom to the selected box) never zooms out of the fit. */
export const ZOOM_TO: Range = { min: 1, max: ZOOM.max };
/**
 * Image coordinates (px) of the zoom centre and the encoder point: a band one largest image
 * wide around any image the app shows (images are at most MAX_IMAGE_SIDE), so panning off the
 * edge stays possible and nothing drawn is far off-screen.
 */
export const IMAGE_COORD: Range = { min: -MAX_IMAGE_SIDE, max: 2 * MAX_IMAGE_SIDE };
/** Query index: below the most queries a model may have (the model's own count is checked when it is known). */
export const QUERY: Range = { min: 0, max: CONFIG_MAX.numQueries - 1 };
/** Layer, 1-based, encoder or decoder (the model's own count is applied where it is known). */
export const LAYER: Range = { min: 1, max: Math.max(CONFIG_MAX.encLayers, CONFIG_MAX.decLayers) };
/** Visible-heads bitmask: 31 bits, as allHeads makes it (bit operations are on int32). */
export const HEADS: Range = { min: 0, max: 0x7fffffff };
export const THRESHOLD: Range = { min: 0, max: 1 };
/** Training epoch of the bundled models shown (0 = the published, final models). */
export const EPOCH: Range = { min: 0, max: 10_000 };
/** WASM threads asked for (0 = automatic): the threaded build pre-creates 8 pthreads (worker/wasmThreads MAX_REQUESTED_WASM_THREADS). */
export const THREADS: Range = { min: 0, max: 8 };
