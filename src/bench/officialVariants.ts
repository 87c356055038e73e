import { OFFICIAL_CONDITIONAL_DETR_R50, OFFICIAL_DAB_DETR_R50, OFFICIAL_DEFORMABLE_DETR_R50, OFFICIAL_DETR_R50, OFFICIAL_R50, type ModelConfig } from '../model/config';

/**
 * The official-size models the benchmarks time, with formula weights (a dense forward's time
 * does not depend on the values). Keys are the JSON keys of `npm run bench -- model --json`.
 * - official: SAM-DETR-R50 w/ SMCA, 50-epoch layout (no GroupNorm in input_proj);
 * - official_ms: SAM-DETR-R50-MS w/ SMCA (ResNet stages 2-4, deformable encoder, decoder reading
 *   one level per layer pair);
 * - official_detr: DETR-R50 as released (facebookresearch/detr, 100 queries, softmax over 92);
 * - official_condetr: Conditional DETR-R50 as released (Atten4Vis/ConditionalDETR, 300 queries);
 * - official_dabdetr: DAB-DETR-R50 as released (IDEA-Research/DAB-DETR `dab_detr`, 300 anchors, no patterns);
 * - official_deform: Deformable DETR-R50 with iterative box refinement and two-stage
 *   (fundamentalvision/Deformable-DETR, "++ two-stage": 4 levels, 300 queries from the encoder's proposals).
 * `variant` is the same model's name in scripts/make-checkpoint.ts (variantConfig gives this
 * config), which tools/official_bench.py builds with the official PyTorch code.
 */
export const OFFICIAL_VARIANTS = {
  official: { label: 'official R50 SMCA', config: { ...OFFICIAL_R50, smca: true, inputProjGroupNorm: false } as ModelConfig, smca: true, variant: 'r50_smca_e50' },
  official_ms: { label: 'official R50-MS SMCA', config: { ...OFFICIAL_R50, multiscale: true, smca: true } as ModelConfig, smca: true, variant: 'ms_r50_smca_e12' },
  official_detr: { label: 'official DETR-R50', config: OFFICIAL_DETR_R50, smca: false, variant: 'detr_r50' },
  official_condetr: { label: 'official Conditional DETR-R50', config: OFFICIAL_CONDITIONAL_DETR_R50, smca: false, variant: 'condetr_r50' },
  official_dabdetr: { label: 'official DAB-DETR-R50', config: OFFICIAL_DAB_DETR_R50, smca: false, variant: 'dabdetr_r50' },
  official_deform: {
    label: 'official Deformable DETR-R50 refine + two-stage',
    config: { ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true, twoStage: true } as ModelConfig,
    smca: false,
    variant: 'deform_r50_two_stage',
  },
} as const;

export type OfficialVariant = keyof typeof OFFICIAL_VARIANTS;
export const OFFICIAL_VARIANT_NAMES = Object.keys(OFFICIAL_VARIANTS) as OfficialVariant[];
