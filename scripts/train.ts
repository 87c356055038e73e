/**
 * npm run train -- --model sam-detr|sam-detr-smca|detr-baseline --epochs N
 *   [--steps-per-epoch 200] [--batch 8] [--lr 2e-4] [--backbone-lr 2e-5] [--lr-drop EPOCH[,EPOCH...]] [--lr-restart EPOCH[,...]]
 *   [--val 200] [--data-seed 1] [--init-seed 7] [--backbone runs/backbone/backbone.safetensors]
 *   [--max-minutes M] [--out runs/NAME] [--publish]
 *
 * Trains one bundled model on generated scenes (wasm backend), evaluating on the fixed
 * validation set after every epoch. Writes into --out (resumable; rerun the same command
 * to continue): checkpoint.safetensors (float32), optimizer.safetensors (Adam moments), state.json, metrics.jsonl (one JSON
 * object per logged step and per epoch) and curve.json. --publish copies the latest
 * weights (float16) and a model card to public/models/NAME/. --backbone starts the backbone from
 * the pretrained weights that scripts/pretrain-backbone.ts writes (the stand-in for ImageNet).
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync, appendFileSync, rmSync, cpSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../src/train/wasmGradients';
import { BUNDLED, TRAIN_IMAGE_SIZE } from '../src/train/bundledConfigs';
import { initTrainingWeights } from '../src/train/init';
import { train, syncSharedBoxHeads, type SavedOptimizerState } from '../src/train/trainer';
import { isBackboneParam } from '../src/train/optimizer';
import { readSafetensors, writeSafetensors } from '../src/checkpoint/safetensors';
import { publishModel } from './lib/publishModel';
import type { CocoStats } from '../src/data/cocoTypes';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    'steps-per-epoch': { type: 'string', default: '200' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '2e-4' },
    'backbone-lr': { type: 'string', default: '2e-5' },
    'lr-drop': { type: 'string' },
    // Warm restarts (the rate back at its base from these epochs); with them, --lr-drop lists every drop epoch.
    'lr-restart': { type: 'string' },
    val: { type: 'string', default: '200' },
    'data-seed': { type: 'string', default: '1' },
    'init-seed': { type: 'string', default: '7' },
    'max-minutes': { type: 'string' },
    out: { type: 'string' },
    backbone: { type: 'string' },
    publish: { type: 'boolean', default: false },
    // Epochs (1-based) after which a float16 model folder is kept in OUT/snapshots/epoch-<E>/ (the app's training timeline).
    snapshots: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const name = values.model ?? '';
  const spec = BUNDLED[name];
  if (!spec) throw new Error(`unknown --model "${name}"; one of: ${Object.keys(BUNDLED).join(', ')}`);
  const out = values.out ?? join('runs', name);
  mkdirSync(out, { recursive: true });
  await useBackend('wasm');
  registerWasmTrainingKernels();
  const epochs = Number(values.epochs);
  const snapshotEpochs = new Set((values.snapshots ?? '').split(',').filter(Boolean).map(Number));
  const epochList = (v: string | undefined) => (v ? v.split(',').map(Number) : []);
  const drops = epochList(values['lr-drop']);
  const restarts = epochList(values['lr-restart']);
  // A single drop without restarts is StepLR's period, as before; a list or a restart is the explicit schedule.
  const schedule = drops.length > 1 || restarts.length ? { lrDrops: drops, lrRestarts: restarts } : {};
  const hyper = {
    epochs,
    stepsPerEpoch: Number(values['steps-per-epoch']),
    batchSize: Number(values.batch),
    imageSize: TRAIN_IMAGE_SIZE,
    lr: Number(values.lr),
    backboneLr: Number(values['backbone-lr']),
    lrDrop: drops.length ? drops[0] : Math.max(1, Math.round(epochs * 0.8)),
    ...schedule,
    dataSeed: Number(values['data-seed']),
    initSeed: Number(values['init-seed']),
    valImages: Number(values.val),
    init: 'Xavier/He weights; frozen BatchNorm statistics calibrated on 16 generated scenes (src/train/init.ts)',
    pretraining: undefined as PretrainingRecord | undefined,
  };
  const statePath = join(out, 'state.json');
  const ckptPath = join(out, 'checkpoint.safetensors');
  const optPath = join(out, 'optimizer.safetensors');
  let optimizerState: SavedOptimizerState | undefined;
  let startEpoch = 0;
  let weights = initTrainingWeights(spec.config, hyper.initSeed, TRAIN_IMAGE_SIZE);
  if (values.backbone) {
    // The pretrained backbone replaces every backbone.* entry, BatchNorm statistics included.
    const pre = readSafetensors(readFileSync(values.backbone)).stateDict;
    const missing = [...weights.keys()].filter((k) => isBackboneParam(k) && !pre.has(k));
    if (missing.length) throw new Error(`${values.backbone} lacks ${missing.length} backbone entries (first: ${missing[0]})`);
    for (const [k, v] of pre) {
      const cur = weights.get(k);
      if (!cur || cur.shape.join() !== v.shape.join()) throw new Error(`${values.backbone}: ${k} does not fit this config`);
      weights.set(k, v);
    }
    hyper.init = `backbone pretrained on dense cell classification of generated scenes (${values.backbone}, scripts/pretrain-backbone.ts); the rest Xavier/He`;
    hyper.pretraining = pretrainingRecord(values.backbone);
  }
  let curve: SavedRun['curve'] = [];
  let trainSeconds = 0;
  // The saved run this command resumes (or, when finished, publishes); undefined for a new run.
  let state: SavedRun | undefined;
  if (existsSync(statePath) && existsSync(ckptPath)) {
    const saved: SavedRun = JSON.parse(readFileSync(statePath, 'utf8'));
    state = saved;
    if (JSON.stringify(saved.config) !== JSON.stringify(spec.config)) throw new Error(`${out} holds a run of another config; use another --out`);
    startEpoch = saved.epoch + 1;
    curve = saved.curve;
    trainSeconds = saved.trainSeconds;
    // A resumed run keeps the initialisation it started from.
    hyper.init = saved.hyper?.init ?? 'Xavier/He weights; identity frozen BatchNorm statistics (before src/train/init.ts calibrated them)';
    hyper.pretraining = saved.hyper?.pretraining ?? hyper.pretraining;
    weights = readSafetensors(readFileSync(ckptPath)).stateDict;
    if (existsSync(optPath) && saved.optimizer) optimizerState = { ...saved.optimizer, moments: readSafetensors(readFileSync(optPath)).stateDict };
    else console.log('no optimizer state saved: Adam moments restart from zero');
    console.log(`resuming ${name} from epoch ${startEpoch} (${out})`);
  }
  const log = (rec: object) => appendFileSync(join(out, 'metrics.jsonl'), JSON.stringify(rec) + '\n');
  const command = [
    `npm run train -- --model ${name} --epochs ${epochs} --steps-per-epoch ${hyper.stepsPerEpoch} --batch ${hyper.batchSize}`,
    `--lr ${hyper.lr} --backbone-lr ${hyper.backboneLr} --lr-drop ${hyper.lrDrops?.join(',') ?? hyper.lrDrop}${hyper.lrRestarts?.length ? ` --lr-restart ${hyper.lrRestarts.join(',')}` : ''} --val ${hyper.valImages}`,
    values.backbone ? `--backbone ${values.backbone}` : '',
    values.out ? `--out ${values.out}` : '',
    values.snapshots ? `--snapshots ${values.snapshots}` : '',
    '--publish',
  ].filter(Boolean).join(' ');
  if (state && startEpoch >= epochs) {
    // Already trained to the end: --publish exports the last checkpoint; nothing else to do.
    if (values.publish) {
      publishModel(name, spec, weights, { ...hyper, epochsDone: state.epoch + 1, trainSeconds, stats: state.stats, command });
      publishSnapshots(out, name);
      console.log(`${name}: published epoch ${state.epoch + 1} from ${out} to public/models/${name}`);
    } else console.log(`${name}: ${out} is already trained to epoch ${epochs} (add --publish to export it)`);
    return;
  }
  await train({
    config: spec.config,
    weights,
    startEpoch,
    optimizerState,
    ...hyper,
    maxSeconds: values['max-minutes'] ? Number(values['max-minutes']) * 60 : undefined,
    onStep: (rec) => {
      log({ type: 'step', ...rec });
      console.log(`[${name}] epoch ${rec.epoch} step ${rec.step} loss ${rec.loss?.toFixed(3)} (ce ${rec.loss_ce?.toFixed(3)} l1 ${rec.loss_bbox?.toFixed(3)} giou ${rec.loss_giou?.toFixed(3)}) |g| ${rec.gradNorm.toFixed(2)} ${rec.sec.toFixed(0)}s`);
    },
    onEpoch: async (epoch, w, stats, info) => {
      trainSeconds += info.seconds;
      curve.push({ epoch: epoch + 1, AP: stats.AP, AP50: stats.AP50, AP75: stats.AP75, seconds: Math.round(trainSeconds), stepsPerSec: info.stepsPerSec });
      log({ type: 'epoch', epoch: epoch + 1, ...stats, stepsPerSec: info.stepsPerSec, trainSeconds });
      syncSharedBoxHeads(w);
      writeFileSync(ckptPath, writeSafetensors(w, { dtype: 'F32' }));
      writeFileSync(optPath, writeSafetensors(info.optimizer.moments, { dtype: 'F32' }));
      writeFileSync(statePath, JSON.stringify({ model: name, config: spec.config, hyper, epoch, curve, trainSeconds, stats, optimizer: { step: info.optimizer.step, lrs: info.optimizer.lrs } }, null, 2));
      writeFileSync(join(out, 'curve.json'), JSON.stringify({ model: name, label: spec.label, curve }, null, 2));
      console.log(`[${name}] epoch ${epoch + 1}/${epochs}: AP ${stats.AP.toFixed(3)} AP50 ${stats.AP50.toFixed(3)} AP75 ${stats.AP75.toFixed(3)} (${info.stepsPerSec.toFixed(2)} steps/s, ${(trainSeconds / 60).toFixed(1)} min)`);
      const done = { ...hyper, epochsDone: epoch + 1, trainSeconds, stats, command };
      if (snapshotEpochs.has(epoch + 1) || epoch + 1 === epochs) publishModel(name, spec, w, done, join(out, 'snapshots', `epoch-${epoch + 1}`));
      if (values.publish) {
        publishModel(name, spec, w, done);
        publishSnapshots(out, name);
      }
    },
  });
}

/** Copies the run's snapshot folders to public/models/NAME/snapshots/ and lists their epochs in the published card. */
function publishSnapshots(out: string, name: string): void {
  const from = join(out, 'snapshots');
  if (!existsSync(from)) return;
  const to = join('public', 'models', name, 'snapshots');
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  const epochs = readdirSync(from).map((d) => Number(/^epoch-(\d+)$/.exec(d)?.[1])).filter(Number.isFinite).sort((a, b) => a - b);
  const cardPath = join('public', 'models', name, 'model.json');
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  writeFileSync(cardPath, JSON.stringify({ ...card, snapshots: epochs }, null, 2) + '\n');
}

/** state.json: what a run saves after every epoch. */
interface SavedRun {
  config: unknown;
  epoch: number;
  curve: { epoch: number; AP: number; AP50: number; AP75: number; seconds: number; stepsPerSec: number }[];
  trainSeconds: number;
  stats: CocoStats;
  hyper?: { init?: string; pretraining?: PretrainingRecord };
  optimizer?: Omit<SavedOptimizerState, 'moments'>;
}

interface PretrainingRecord {
  minutes: number;
  heldOutCellAccuracy: number;
  command: string;
}

/** What scripts/pretrain-backbone.ts logged beside the backbone file (time, accuracy, settings), if it did. */
function pretrainingRecord(backbonePath: string): PretrainingRecord | undefined {
  const f = join(dirname(backbonePath), 'pretrain.jsonl');
  if (!existsSync(f)) return undefined;
  type Rec = { type: 'start'; hyper: { steps: number; batchSize: number; lr: number } } | { type: 'done'; seconds: number; accuracyAfter: number } | { type: string };
  const recs = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec).reverse();
  const start = recs.find((r): r is Extract<Rec, { type: 'start' }> => r.type === 'start');
  const done = recs.find((r): r is Extract<Rec, { type: 'done' }> => r.type === 'done');
  if (!start || !done) return undefined;
  const h = start.hyper;
  return {
    minutes: Math.round((done.seconds / 60) * 10) / 10,
    heldOutCellAccuracy: Math.round(done.accuracyAfter * 1000) / 1000,
    command: `npx tsx scripts/pretrain-backbone.ts --steps ${h.steps} --batch ${h.batchSize} --lr ${h.lr} --out ${dirname(backbonePath)}`,
  };
}

main().catch((e) => {
  console.error(`train: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
