export * from '../data/cocoTypes';
export { bboxIou, cocoEvaluate, defaultParams, evaluateDetections, formatStats } from './cocoeval';
export type { AreaRange, EvalParams, EvalResult, EvaluateOptions } from './cocoeval';
