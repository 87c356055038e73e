import type { ModelConfig } from '../model/config';
import { NUM_CLASSES } from '../data/scene';

/**
 * The three models of the convergence study: same backbone, widths, layer counts, queries
 * and budget; they differ only in the decoder (DETR-style baseline / SAM-DETR / SAM-DETR + SMCA).
 * ResNet-18 at a quarter width with DC5 (stride 16) keeps a 10x10 feature map at 160 px.
 */
const base: ModelConfig = {
  backbone: 'resnet18',
  backboneWidth: 16,
  dilation: true,
  decoder: 'sam',
  smca: false,
  inputProjGroupNorm: true,
  hiddenDim: 64,
  nheads: 8,
  numQueries: 20,
  encLayers: 2,
  decLayers: 3,
  dimFeedforward: 256,
  numClasses: NUM_CLASSES,
  point2Hidden: [64, 64],
};

export const BUNDLED: Record<string, { config: ModelConfig; label: string }> = {
  'detr-baseline': { config: { ...base, decoder: 'detr' }, label: 'DETR-style baseline' },
  'sam-detr': { config: { ...base }, label: 'SAM-DETR' },
  'sam-detr-smca': { config: { ...base, smca: true }, label: 'SAM-DETR + SMCA' },
};

/** Scene size the bundled models train and run at. */
export const TRAIN_IMAGE_SIZE = 160;
