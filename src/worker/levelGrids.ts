/**
 * The feature levels of a multi-level model as the protocol names them: each level's grid and
 * stride. Multi-scale SAM-DETR has three levels (strides 8, 16, 32), Deformable DETR four (and
 * 64, a stride-2 conv on the last map): the strides come from the model, not the level count.
 */
import { DEFORM_STRIDES, MS_STRIDES, isDeformableDetr, type ModelConfig } from '../model/config';
import type { LevelMemory } from '../model/types';
import type { LayerGrid } from './messages';

export function levelStrides(c: ModelConfig): number[] {
  return isDeformableDetr(c) ? DEFORM_STRIDES : MS_STRIDES;
}

export function levelGrids(c: ModelConfig, levels: Pick<LevelMemory, 'featH' | 'featW'>[]): LayerGrid[] {
  const strides = levelStrides(c);
  if (levels.length !== strides.length) throw new Error(`${levels.length} feature levels, but this model has ${strides.length}`);
  return levels.map((lv, i) => ({ featH: lv.featH, featW: lv.featW, stride: strides[i] }));
}
