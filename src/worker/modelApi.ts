/**
 * The single import point of the model library and the checkpoint reader for the worker.
 */
export {
  buildModel, preprocess, postprocess, encoderAttentionRow, disposeEncoder, disposeDecoder, formulaWeights,
  type SamDetrModel,
} from '../model';
import type { ModelConfig } from '../model/config';
import type { StateDict } from '../model/types';

export interface LoadedCheckpoint {
  stateDict: StateDict;
  config: ModelConfig;
  epoch?: number;
  report: string[];
}

export async function loadCheckpoint(_file: Blob, _onProgress: (done: number, total: number) => void): Promise<LoadedCheckpoint> {
  throw new Error('checkpoint reader not available yet');
}
