import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { outputStride, type ModelConfig } from '../../src/model/config';
import type { ModelCard } from '../../src/model/modelCard';
import type { StateDict } from '../../src/model/types';
import { writeSafetensors } from '../../src/checkpoint/safetensors';
import { CLASS_NAMES } from '../../src/data/scene';
import type { CocoStats } from '../../src/data/cocoTypes';
import type { TrainOptions } from '../../src/train/trainer';

type PublishInfo = Pick<TrainOptions, 'epochs' | 'stepsPerEpoch' | 'batchSize' | 'imageSize' | 'lr' | 'backboneLr' | 'lrDrop' | 'lrDrops' | 'lrRestarts' | 'dataSeed' | 'valImages'> & {
  initSeed: number;
  epochsDone: number;
  trainSeconds: number;
  stats: CocoStats;
  command: string;
  /** How the weights were initialised (train.ts `hyper.init`). */
  init?: string;
  /** The shared backbone pretraining, when the run started from it. */
  pretraining?: { minutes: number; heldOutCellAccuracy: number; command: string };
};

/**
 * Writes public/models/NAME/{weights.safetensors (float16), model.json} and lists it in index.json.
 * With `to`, writes the same two files into that folder instead and lists nothing (a training
 * snapshot: scripts/train.ts --snapshots).
 */
export function publishModel(name: string, spec: { config: ModelConfig; label: string }, w: StateDict, info: PublishInfo, to?: string): void {
  const root = join('public', 'models');
  const dir = to ?? join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.safetensors'), writeSafetensors(w, { dtype: 'F16', metadata: { model: name } }));
  const card: ModelCard = {
    name,
    label: spec.label,
    placeholder: false,
    description: `${spec.label}, trained by this project on its synthetic shapes benchmark (scripts/train.ts).`,
    config: spec.config,
    classNames: [...CLASS_NAMES],
    inputSize: info.imageSize,
    maxSize: info.imageSize,
    sceneSize: [info.imageSize, info.imageSize],
    featureGrid: featureGrid(spec.config, info.imageSize),
    dataSeed: info.dataSeed,
    initSeed: info.initSeed,
    recipe: `Hungarian matching (focal 2, L1 5, GIoU 2), sigmoid focal loss (alpha 0.25, gamma 2) + L1 + GIoU (2/5/2) on every decoder layer, AdamW lr ${info.lr} (backbone ${info.backboneLr}), weight decay 1e-4, grad clip 0.1, ${scheduleText(info)}; batch ${info.batchSize}, ${info.stepsPerEpoch} steps per epoch, ${info.imageSize}x${info.imageSize} generated scenes`,
    initialisation: info.init,
    pretraining: info.pretraining,
    epochs: info.epochsDone,
    trainingTime: `${(info.trainSeconds / 60).toFixed(1)} min of wall time on a 2-core CPU machine (Node tfjs-wasm, which trains on one thread)`,
    val: { images: info.valImages, ...info.stats },
    command: info.command,
    pair: name === 'sam-detr' ? 'sam-detr-smca' : name === 'sam-detr-smca' ? 'sam-detr' : undefined,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  if (to) return;
  const indexPath = join(root, 'index.json');
  const index: { models: { name: string; label: string; default?: boolean; smca?: boolean; pair?: string; placeholder?: boolean }[] } = existsSync(indexPath)
    ? JSON.parse(readFileSync(indexPath, 'utf8'))
    : { models: [] };
  const entry = { name, label: spec.label, smca: spec.config.smca, pair: card.pair, placeholder: false };
  const i = index.models.findIndex((m) => m.name === name);
  if (i >= 0) index.models[i] = { ...index.models[i], ...entry };
  else index.models.push(entry);
  writeFileSync(indexPath, JSON.stringify(index, null, 2) + '\n');
}

/** The learning-rate schedule in words: StepLR's drop, or the drops and warm restarts in epoch order (1-based "after epoch N"). */
export function scheduleText(info: Pick<PublishInfo, 'lr' | 'lrDrop' | 'lrDrops' | 'lrRestarts'>): string {
  if (!info.lrDrops?.length) return `lr x0.1 at epoch ${info.lrDrop}`;
  const events = [
    ...info.lrDrops.map((e) => [e, `x0.1 after epoch ${e}`] as const),
    ...(info.lrRestarts ?? []).map((e) => [e, `back to ${info.lr} after epoch ${e} (a warm restart)`] as const),
  ].sort((a, b) => a[0] - b[0]);
  return `lr ${events.map(([, t]) => t).join(', then ')}`;
}

/** The encoder's feature grid [h, w] at a square input of `size` px: stride 32, 16 with DC5, 8 with layer3 dilated too. */
export function featureGrid(c: ModelConfig, size: number): [number, number] {
  const stride = outputStride(c);
  const n = Math.ceil(size / stride);
  return [n, n];
}
