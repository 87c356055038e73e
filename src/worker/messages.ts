/** Typed messages between the page and the inference worker. */
import type { ModelConfig } from '../model/config';
import type { Detection } from '../model/types';
import type { WeightsFileHandle } from './storedModel';
import type { DilationSource } from '../checkpoint/detectConfig';
import type { DecoderSampling, DecoderProposal } from './decoderSampling';
export type { DecoderSampling, DecoderProposal };

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export type { ModelCard } from '../model/modelCard';
// The model library's types the page names, so it needs no import from src/model (docs/architecture.md).
export type { Detection, ModelConfig };
import type { ModelCard } from '../model/modelCard';

/** Official DETR, SAM-DETR (single- or multi-scale), or the project's DETR-style baseline. */
import type { ModelFamily } from '../model/scoring';
export type { ModelFamily };

/**
 * The largest configuration the page's URL may name (query index, layer): the page learns model
 * facts through this protocol, never from the model library itself.
 */
export { CONFIG_MAX } from '../model/config';

export interface ModelInfo {
  slot: number;
  name: string;
  source: 'bundled' | 'checkpoint';
  config: ModelConfig;
  classNames: string[];
  inputSize: number;
  maxSize: number;
  placeholder: boolean;
  card?: ModelCard;
  /** For checkpoints: epoch and the detection report. */
  epoch?: number;
  report?: string[];
  /** Problems the reader found that do not stop the model (non-finite weights, named). */
  warnings?: string[];
  /**
   * Checkpoints: where DC5 came from (see detectConfig). From the file name or the default it is
   * a guess, and the user may switch it: `config.dilation` is what runs, `dilationDetected` what
   * was guessed. Absent: bundled models (their card says) and models stored before this was kept.
   */
  dilationSource?: DilationSource;
  dilationDetected?: boolean;
  /** Checkpoints: DC5 is a guess (from the file name or the default), which the user may switch. */
  dilationGuess?: boolean;
  /** Which family the model belongs to (the model zoo matches on it); set by the engine for every model. */
  family?: ModelFamily;
  /**
   * Query slots of the decoder, the range of `query` (slices, detections, the URL): numQueries,
   * times numPatterns for DAB-DETR with patterns. Set by the engine for every model; absent
   * (a ModelInfo made elsewhere): numQueries.
   */
  querySlots?: number;
  params: number;
  loadMs: number;
}

export interface StageTiming {
  stage: string;
  ms: number;
}

export interface RunResult {
  slot: number;
  variant: Variant;
  detections: Detection[];
  featH: number;
  featW: number;
  resized: [number, number];
  padded: [number, number];
  timings: StageTiming[];
  backend: BackendName;
  /**
   * Multi-scale models only: [L] the grid each decoder layer reads (as QuerySlice.layerGrids), so
   * the view can name every layer's level before a query is selected; featH x featW is the finest.
   */
  layerGrids?: LayerGrid[];
}

/** 'main' = the model as trained; 'off' = an SMCA model re-run with its Gaussian prior switched off. */
export type Variant = 'main' | 'off';

/** Everything drawn for one query, for all decoder layers (each array has one entry per layer). */
export interface QuerySlice {
  slot: number;
  variant: Variant;
  query: number;
  layers: number;
  heads: number;
  featH: number;
  featW: number;
  /** [L][4] sigmoid cxcywh, norm; null for official DETR, which has none. */
  referenceBoxes: number[][] | null;
  /** [L][4] x1y1x2y2 in feature cells (SAM only). */
  roiBoxes: number[][] | null;
  /** [L][heads][2] norm (SAM only). */
  salientPoints: number[][][] | null;
  /** [L][heads][2] (SMCA only). */
  smcaScales: number[][][] | null;
  /** [L][heads] Float32Array(h*w); Deformable DETR: [L][] (no dense map, see `sampling`). */
  attention: Float32Array[][];
  /** [L][heads] Float32Array(h*w) log-weight maps (SMCA with prior on only). */
  gaussian: Float32Array[][] | null;
  /** [L] per-layer prediction of this query: best class, its score, box (sigmoid cxcywh norm). */
  predictions: { label: number; score: number; box: number[] }[];
  /**
   * Multi-scale models only: [L] the grid each layer's attention, gaussian and roiBoxes refer
   * to (layers 0-1 stride 32, 2-3 stride 16, 4-5 stride 8); absent: every layer is featH x featW.
   */
  layerGrids?: LayerGrid[];
  /**
   * Deformable DETR only: where each layer's cross-attention samples (its `attention` is then
   * empty: there is no dense map), the reference each layer reads, the two-stage proposal.
   */
  sampling?: DecoderSampling;
  /**
   * Conditional DETR only: [L][2] the reference point s = sigmoid(ref_point_head(query_embed)),
   * (x, y) relative to the padded input; the same point in every layer (one per query).
   */
  referencePoints?: number[][];
  /**
   * Conditional DETR only: [L][heads] Float32Array(h*w), the two parts of the cross-attention
   * logit each through a softmax of its own: the conditional spatial query against the key
   * positions, and the content query against the content keys (DecoderLayerTrace.spatialAttn).
   */
  spatialAttention?: Float32Array[][];
  contentAttention?: Float32Array[][];
}

/** A feature grid: featH x featW cells of `stride` pixels of the padded input. */
export interface LayerGrid {
  featH: number;
  featW: number;
  stride: number;
}

/** Multi-scale SAM-DETR and Deformable DETR: where the deformable encoder attention of one stride-8 cell samples. */
export interface EncoderPointsSlice {
  slot: number;
  layer: number;
  /** The cell, y * featW + x of the stride-8 grid (RunResult's featH x featW). */
  index: number;
  heads: number;
  /** Per level (strides 8, 16, 32; Deformable DETR also 64): its grid. */
  levels: LayerGrid[];
  /**
   * [heads][levels][points] = [x, y, weight]: x, y relative to that level's padded map
   * (x * featW * stride = pixels of the padded input; may fall outside [0, 1], where the
   * sample reads zeros), weight the softmax over the head's levels x points.
   */
  points: number[][][][];
}

export interface EncoderSlice {
  slot: number;
  layer: number;
  index: number;
  featH: number;
  featW: number;
  /** [heads] Float32Array(h*w). */
  attention: Float32Array[];
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  numBytesInGPU?: number;
}

/** A bundled model's files as the page fetched them. */
export interface BundledFiles {
  card: ModelCard;
  weights: Blob;
}

export type Request =
  /** wasmThreads: threads for the wasm backend (1 = single-threaded build); default from the cores. Applies when wasm first starts. */
  | { type: 'init'; backend?: BackendName; wasmThreads?: number }
  /** files: the card and weights the page fetched itself (see LensSession.loadBundled); else the worker fetches them from baseUrl. */
  | { type: 'loadBundled'; slot: number; name: string; baseUrl: string; files?: BundledFiles }
  /** store: the page will send storeWeights for it (the worker keeps what it needs until then). */
  /** dilation: the user's DC5 for this checkpoint, applied only where the file does not say (a guess). */
  | { type: 'loadCheckpoint'; slot: number; file: Blob; fileName: string; classNames?: string[]; store?: boolean; dilation?: boolean }
  /** A checkpoint kept in the browser: its stored model file (worker/storedModel.ts); dilation as for loadCheckpoint. */
  | { type: 'loadStored'; slot: number; file: Blob; fileName: string; dilation?: boolean }
  /** The checkpoint in `slot` with DC5 switched (only where it is a guess): the same weights, no file read. */
  | { type: 'setDilation'; slot: number; dilation: boolean }
  /** Writes the weights of the checkpoint loaded in `slot` (named `model`) into a file of the page's store; null: none will be. */
  | { type: 'storeWeights'; slot: number; model: string; handle: WeightsFileHandle | null }
  | { type: 'unload'; slot: number }
  | { type: 'detect'; slot: number; rgb: Uint8ClampedArray; width: number; height: number; inputSize?: number; maxSize?: number; topK?: number }
  | { type: 'rerun'; slot: number; smcaPrior: boolean; topK?: number }
  | { type: 'querySlice'; slot: number; variant: Variant; query: number }
  | { type: 'encoderAttention'; slot: number; layer: number; index: number }
  /** Multi-scale models: the deformable sampling points of one stride-8 cell (index) in an encoder layer. */
  | { type: 'encoderPoints'; slot: number; layer: number; index: number }
  | { type: 'memory' }
  /** URLs the worker fetched (for the offline cache). */
  | { type: 'resources' };

export interface InitResult {
  backend: BackendName;
  /** Why the backends before it in the chain (or the requested one) were not used. */
  fallbacks: { backend: BackendName; reason: string }[];
  /** wasm: threads the backend runs (tfjs-backend-wasm's getThreadsCount). */
  threads?: number;
  /** wasm: why it runs single-threaded (not isolated, or the threaded build failed to start). */
  threadsNote?: string;
  /** auto with an unnamed GPU adapter: the timed probe that decided (see backendChoice.ts). */
  probe?: string;
  crossOriginIsolated: boolean;
}

export interface ResponseMap {
  init: InitResult;
  loadBundled: ModelInfo;
  loadCheckpoint: ModelInfo;
  loadStored: ModelInfo;
  setDilation: ModelInfo;
  /** Bytes written. */
  storeWeights: number;
  unload: null;
  detect: RunResult;
  rerun: RunResult;
  querySlice: QuerySlice;
  encoderAttention: EncoderSlice;
  encoderPoints: EncoderPointsSlice;
  memory: MemoryInfo;
  resources: string[];
}

export type Envelope = { id: number; req: Request };

/** The request of one type, and the worker's handler for it: the response type follows the request. */
export type RequestOf<K extends Request['type']> = Extract<Request, { type: K }>;
export type Handlers = { [K in Request['type']]: (req: RequestOf<K>, progress: (p: Progress) => void) => Promise<ResponseMap[K]> | ResponseMap[K] };

/**
 * `done`/`total`: bytes of a read. `step`/`steps`: within a run's stage, the backbone blocks or the
 * encoder or decoder layers done (sent as each ends, from the model's layerProgress).
 */
export type Progress = { stage: string; done?: number; total?: number; message?: string; step?: number; steps?: number };

export type WorkerMessage =
  | { id: number; kind: 'ok'; result: unknown }
  /** `code`: the reader's stable error code (CheckpointError), which structured cloning of an Error would drop. */
  | { id: number; kind: 'error'; error: string; code?: string; details?: string }
  | { id: number; kind: 'progress'; progress: Progress };
