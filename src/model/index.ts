export * from './config';
export * from './types';
export { buildModel, checkWeights, encoderAttentionRow, type SamDetrModel } from './model';
export { encoderSelfAttention } from './encoder';
export { preprocess, prepareImage, batchImages, officialResizeShape, resizeRgb, IMAGENET_MEAN, IMAGENET_STD } from './preprocess';
export { postprocess, postprocessSoftmax, topScores, bestRealClass } from './postprocess';
export { disposeEncoder, disposeDecoder } from './dispose';
export { formulaWeights, formulaTensor, fnv1a32 } from './formulaWeights';
export { stateDictLayout, type Layout } from './stateDictLayout';
