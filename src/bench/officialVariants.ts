import { OFFICIAL_DETR_R50, OFFICIAL_R50, type ModelConfig } from '../model/config';

/**
 * The official-size models the benchmarks time, with formula weights (a dense forward's time
 * does not depend on the values). Keys are the JSON keys of `npm run bench -- model --json`.
 * - official: SAM-DETR-R50 w/ SMCA, 50-epoch layout (no GroupNorm in input_proj);
 * - official_ms: SAM-DETR-R50-MS w/ SMCA (ResNet stages 2-4, deformable encoder, decoder reading
 *   one level per layer pair);
 * - official_detr: DETR-R50 as released (facebookresearch/detr, 100 queries, softmax over 92).
 * `variant` is the same model's name in scripts/make-checkpoint.ts (variantConfig gives this
 * config), which tools/official_bench.py builds with the official PyTorch code.
 */
export const OFFICIAL_VARIANTS = {
  official: { label: 'official R50 SMCA', config: { ...OFFICIAL_R50, smca: true, inputProjGroupNorm: false } as ModelConfig, smca: true, variant: 'r50_smca_e50' },
  official_ms: { label: 'official R50-MS SMCA', config: { ...OFFICIAL_R50, multiscale: true, smca: true } as ModelConfig, smca: true, variant: 'ms_r50_smca_e12' },
  official_detr: { label: 'official DETR-R50', config: OFFICIAL_DETR_R50, smca: false, variant: 'detr_r50' },
} as const;

export type OfficialVariant = keyof typeof OFFICIAL_VARIANTS;
export const OFFICIAL_VARIANT_NAMES = Object.keys(OFFICIAL_VARIANTS) as OfficialVariant[];
