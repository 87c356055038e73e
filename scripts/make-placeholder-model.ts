/**
 * Writes the UNTRAINED placeholder bundled models (formula weights, no training) so the app has
 * something to run before the trained models land:
 *   public/models/placeholder-sam/       SAM-DETR, tiny config
 *   public/models/placeholder-sam-smca/  the same with SMCA
 * and (re)writes public/models/index.json, keeping entries for other models already listed.
 *
 *   npx tsx scripts/make-placeholder-model.ts
 */
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formulaWeights } from '../src/model/formulaWeights';
import type { ModelConfig } from '../src/model/config';
import { writeSafetensors } from '../src/weights/safetensors';
import { CLASS_NAMES } from '../src/data/scene';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'models');

const base: ModelConfig = {
  backbone: 'resnet18',
  backboneWidth: 16,
  dilation: false,
  decoder: 'sam',
  smca: false,
  inputProjGroupNorm: false,
  hiddenDim: 64,
  nheads: 8,
  numQueries: 30,
  encLayers: 2,
  decLayers: 3,
  dimFeedforward: 128,
  numClasses: CLASS_NAMES.length,
  point2Hidden: [64, 128, 128],
};

const models = [
  { name: 'placeholder-sam', config: base, seed: 1, pair: 'placeholder-sam-smca' },
  { name: 'placeholder-sam-smca', config: { ...base, smca: true }, seed: 2, pair: 'placeholder-sam' },
];

interface IndexEntry { name: string; label: string; placeholder?: boolean; default?: boolean; smca?: boolean; pair?: string }

const indexPath = join(root, 'index.json');
const index: { models: IndexEntry[] } = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : { models: [] };

for (const m of models) {
  const dir = join(root, m.name);
  mkdirSync(dir, { recursive: true });
  const sd = formulaWeights(m.config, m.seed);
  const bytes = writeSafetensors(sd, { dtype: 'F16', metadata: { note: 'untrained placeholder: formula weights' } });
  writeFileSync(join(dir, 'weights.safetensors'), bytes);
  const card = {
    name: m.name,
    placeholder: true,
    description: 'UNTRAINED PLACEHOLDER: deterministic formula weights, no training. Its detections are meaningless; it exists to exercise the app until the trained models are bundled.',
    config: m.config,
    classNames: [...CLASS_NAMES],
    inputSize: 128,
    maxSize: 213,
    sceneSize: [192, 144],
    dataSeed: null,
    recipe: 'none (formula weights)',
    epochs: 0,
    trainingTime: '0',
    val: {},
    command: 'npx tsx scripts/make-placeholder-model.ts',
    pair: m.pair,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  const label = `untrained placeholder: SAM-DETR${m.config.smca ? ' + SMCA' : ''}`;
  const entry: IndexEntry = { name: m.name, label, placeholder: true, smca: m.config.smca, pair: m.pair };
  const i = index.models.findIndex((e) => e.name === m.name);
  if (i >= 0) index.models[i] = { ...index.models[i], ...entry };
  else index.models.push(entry);
  console.log(`${m.name}: ${sd.size} tensors, ${(bytes.length / 1024).toFixed(1)} KiB`);
}
if (!index.models.some((e) => e.default)) index.models[0].default = true;
writeFileSync(indexPath, JSON.stringify(index, null, 2) + '\n');
console.log(`wrote ${indexPath}`);
