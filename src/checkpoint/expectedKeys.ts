import type { ModelConfig } from '../model/config';
import { stateDictLayout } from '../model/stateDictLayout';

/**
 * The state_dict a config has: names and shapes exactly as the official SAM-DETR model's
 * `state_dict()` lists them, in the same order (the tests check the four official layouts of
 * test/fixtures/pth/official_state_dict_layouts.json), for any ModelConfig.
 *
 * The layout is defined once, by the model code that consumes it (src/model/stateDictLayout.ts),
 * so the loader reports missing/unexpected keys against exactly the names the model will read:
 * - backbone: torchvision ResNet-18/34 (basic blocks) or 50/101 (bottlenecks) under
 *   `backbone.0.body`, widths scaled by `backboneWidth`, FrozenBatchNorm2d buffers
 *   (weight, bias, running_mean, running_var);
 * - SAM decoder layers with the official names (sa_*, ca_*, point1 to hiddenDim/4 channels,
 *   point2 MLP ending in nheads*2, or nheads*4 with SMCA, attn1/attn2 of hiddenDim*nheads);
 * - `transformer.decoder.bbox_embed.N` and `bbox_embed.N` both (one module, listed twice);
 * - `decoder: 'detr'`, this project's plain baseline: the same model around standard post-norm
 *   decoder layers with nn.MultiheadAttention's packed projections (`self_attn.in_proj_*`,
 *   `cross_attn.in_proj_*`, out_proj, norm1-3, linear1/2), and a learned
 *   `query_pos_embed.weight` [numQueries, hiddenDim] beside the anchor boxes of
 *   `query_embed.weight` [numQueries, 4]. (Unlike DETR proper, which has `multihead_attn` and a
 *   [N, 256] query_embed: with `detrStyle: 'official'` this returns facebookresearch/detr's own
 *   layout, and detectConfig recognises such checkpoints from those names.)
 */
export type ShapeList = [string, number[]][];

export function expectedStateDictShapes(config: ModelConfig): ShapeList {
  return stateDictLayout(config);
}
