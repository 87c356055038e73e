export {
  CLASS_NAMES, NUM_CLASSES, MASK_THRESHOLD, VALIDATION_SEED, generateScene, validationSeed, validationSet,
} from './scene';
export type { BoxXYWH, ClassName, Scene, SceneObject, SceneOptions } from './scene';
export { categoryIdOf, classIdOf, cocoCategories, sceneFileName, toCocoGroundTruth } from './coco';
export type { CocoExportOptions, SyntheticCocoGroundTruth, SyntheticCocoImage } from './coco';
export { adler32, crc32, encodePng, storedDeflate } from './png';
export type { DeflateFn } from './png';
export { CLASS_COLORS, drawAnnotations, drawText, fillRect, makeGallery, strokeRect, upscale } from './draw';
export type { RgbImage } from './draw';
export { Rng, deriveSeed, hash3, mix32 } from './rng';
export { EllipticShape, OutlineShape, PolygonShape, PolylineShape, sdEllipse } from './shapes';
export type { Frame, Shape } from './shapes';
