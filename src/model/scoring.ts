/**
 * How a model turns its class logits into scored detections, chosen from its configuration, so
 * the engine, the evaluation and the benchmarks never branch on the family themselves:
 * - sigmoid focal heads (SAM-DETR, the DETR-style baseline, Conditional DETR, DAB-DETR, Deformable DETR): a sigmoid
 *   per query x class, the top k of all of them (one query may give several detections); k is
 *   100 unless the caller says, DAB-DETR's 300 (its PostProcess's num_select);
 * - softmax heads with a "no object" class (official DETR): per query, the best real class of
 *   the softmax, one detection per query.
 */
import type * as tf from '@tensorflow/tfjs';
import { isConditionalDetr, isDabDetr, isDeformableDetr, isOfficialDetr, querySlots, type ModelConfig } from './config';
import { bestRealClass, postprocess, postprocessSoftmax, topScores } from './postprocess';
import type { Detection } from './types';

interface HeadOutputs {
  predLogits: tf.Tensor3D;
  predBoxes: tf.Tensor3D;
}

/** The family a configuration belongs to, as the page is told it (ModelInfo.family). */
export type ModelFamily = 'DETR' | 'SAM-DETR' | 'Conditional DETR' | 'DAB-DETR' | 'Deformable DETR' | 'baseline';

export function familyOf(c: ModelConfig): ModelFamily {
  if (isOfficialDetr(c)) return 'DETR';
  if (isConditionalDetr(c)) return 'Conditional DETR';
  if (isDabDetr(c)) return 'DAB-DETR';
  if (isDeformableDetr(c)) return 'Deformable DETR';
  return c.decoder === 'sam' ? 'SAM-DETR' : 'baseline';
}

type Scoring = 'sigmoid' | 'softmax';

function scoringOf(c: ModelConfig): Scoring {
  return isOfficialDetr(c) ? 'softmax' : 'sigmoid';
}

/**
 * The sigmoid rule's k: the caller's, else the family's official one (DAB-DETR's PostProcess keeps
 * num_select = 300, SAM-DETR's, Conditional DETR's and Deformable DETR's 100); at most the number of slot x class
 * scores there are (DAB-DETR with patterns has numPatterns x numQueries slots).
 */
export function sigmoidTopK(c: ModelConfig, topK?: number): number {
  return Math.min(topK ?? (isDabDetr(c) ? 300 : 100), querySlots(c) * c.numClasses);
}

/** The model's own postprocess of one decoder layer's heads (the official one for its family). */
export async function detectionsOf(
  c: ModelConfig, layer: HeadOutputs, targetSizes: [number, number][], topK?: number,
): Promise<Detection[][]> {
  if (scoringOf(c) === 'softmax') return postprocessSoftmax(layer, targetSizes);
  return postprocess(layer, targetSizes, sigmoidTopK(c, topK));
}

/**
 * The scoring's tensors before the read (the WebGPU compile pass runs them once to compile their
 * shaders); the caller disposes them.
 */
export function scoreTensors(c: ModelConfig, layer: HeadOutputs, topK?: number): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  return scoringOf(c) === 'softmax' ? bestRealClass(layer) : topScores(layer, sigmoidTopK(c, topK));
}

/**
 * One query's best real class and its score from its logits row (plain numbers, for a layer-by-layer
 * trace): the sigmoid of the largest logit, or that class's softmax probability with "no object"
 * in the normaliser.
 */
export function bestClassOfRow(c: ModelConfig, row: ArrayLike<number>): { label: number; score: number } {
  let best = 0;
  for (let k = 1; k < c.numClasses; k++) if (row[k] > row[best]) best = k;
  if (scoringOf(c) === 'sigmoid') return { label: best, score: 1 / (1 + Math.exp(-row[best])) };
  let mx = -Infinity;
  for (let k = 0; k < row.length; k++) mx = Math.max(mx, row[k]);
  let z = 0;
  for (let k = 0; k < row.length; k++) z += Math.exp(row[k] - mx);
  return { label: best, score: Math.exp(row[best] - mx) / z };
}
