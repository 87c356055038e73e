/**
 * Browser-safe entry point of the checkpoint reader/writer. Node file access is in
 * nodeSource.ts / nodeSink.ts, imported directly by Node code only.
 */
export { type ByteSource, blobSource, bytesSource } from './byteSource';
export { type ByteSink, MemorySink } from './byteSink';
export { type Checkpoint, openCheckpoint } from './checkpoint';
export { type DetectedConfig, type DilationSource, compareWithConfig, detectConfig, dilationIsGuess } from './detectConfig';
export { type DType, halfToFloat, toFloat32 } from './dtypes';
export { CheckpointError, type CheckpointErrorCode, ForeignCheckpointError } from './errors';
export { type ShapeList, expectedStateDictShapes } from './expectedKeys';
export { formulaCheckpoint, variantConfig } from './formulaCheckpoint';
export { fnv1a32, formulaTensor } from './formulaWeights';
export { type LoadOptions, type LoadProgress, type LoadReport, type LoadedCheckpoint, loadStateDict } from './loadStateDict';
export { PyFloat, SaveStorage, SaveTensor, floatTensor } from './pickleWriter';
export { type PyValue, PyNamespace, PyOrderedDict, PyTuple, toPlain } from './pyTypes';
export { Storage, TensorRef } from './tensor';
export { type SaveOptions, torchSave } from './torchSave';
