import type { ModelConfig } from './config';

/**
 * The model card stored as public/models/<name>/model.json: written by scripts/lib/publishModel.ts
 * (and scripts/finalize-models.ts), read by the app's worker and by the evaluation script.
 */
export interface ModelCard {
  name: string;
  label?: string;
  config: ModelConfig;
  classNames: string[];
  /** Shorter side of the model input, and the longest side allowed. */
  inputSize: number;
  maxSize?: number;
  /** Size [w, h] of the generated scenes the model was trained on (the app generates examples at it). */
  sceneSize?: [number, number];
  /** The encoder's feature grid [h, w] at inputSize (the attention maps' resolution). */
  featureGrid?: [number, number];
  /** Training snapshots shipped beside the model: epochs with a loadable folder snapshots/epoch-<E>/. */
  snapshots?: number[];
  dataSeed?: number;
  initSeed?: number;
  recipe?: string;
  initialisation?: string;
  pretraining?: { minutes: number; heldOutCellAccuracy: number; command: string };
  epochs?: number;
  trainingTime?: string;
  /** Validation statistics (COCO keys, plus the number of images). */
  val?: Record<string, number>;
  command?: string;
  /** True for the untrained placeholder models. */
  placeholder?: boolean;
  /** Suggested score threshold for display (used until the user picks one). */
  scoreThreshold?: number;
  /** How scoreThreshold was chosen (scripts/finalize-models.ts) and what it gives on validation. */
  scoreThresholdChoice?: { f1: number; precision: number; recall: number; rule: string };
  description?: string;
  weights?: string;
  /** The model side-by-side comparison opens with. */
  pair?: string;
}
