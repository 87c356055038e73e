/**
 * Names of the project's own TF.js kernels. The model calls them by name (src/model/roiAlign.ts)
 * and the backend registers them (wasmRoiAlign.ts), so the name lives below both.
 */

/** The kernel that applies RoIAlign's axis weights in one step (registered for tfjs-wasm). */
export const ROI_ALIGN_KERNEL = 'SamDetrRoiAlignApply';
