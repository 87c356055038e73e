export * from './types';
export { bboxIou, cocoEvaluate, defaultParams, evaluateDetections, formatStats } from './cocoeval';
export type { AreaRange, EvalParams, EvalResult, EvaluateOptions } from './cocoeval';
