/**
 * COCO bbox evaluation from the command line.
 *
 *   npm run eval -- --gt GT.json --detections DETS.json [--json]
 *   npm run eval -- --model PATH [--n N] [--seed S] [--json] [--analysis [--score-thr T]]
 *   npm run eval -- --model PATH --examples [--score-thr T]
 *
 * --examples runs the model on the app's bundled example images and prints, per example, the
 * bar of src/eval/exampleCheck.ts (each object of >= 24 px found with its class, score >= 0.5,
 * IoU >= 0.7, no duplicate above the display threshold T, default the card's) as a markdown table.
 *
 * --analysis (with --model) also prints AP per class and a confusion table of the detections
 * scoring >= T (default: the model card's display threshold, else 0.3) matched to objects by
 * IoU >= 0.5 whatever their class: class confusion, duplicates, background and misses apart.
 * Prints the 12 COCOeval summary numbers as a table, or with --json one JSON object
 * with exactly the keys AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
 *
 * --model DIR evaluates a bundled model folder (public/models/NAME: model.json +
 * weights.safetensors), or a training run's folder (state.json + checkpoint.safetensors), on the first N (default 500) scenes of the fixed validation set,
 * generated at the model's input size.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateDetections, formatStats, STAT_KEYS } from '../src/eval';
import type { CocoDetection, CocoGroundTruth, CocoStats } from '../src/eval';
import { cocoEvaluate } from '../src/eval/cocoeval';
import { detectScenes, detectScenesRaw } from '../src/eval/evaluateModel';
import { confusionTable, formatConfusion, perClassAP } from '../src/eval/errorAnalysis';
import { validationSet } from '../src/data/scene';
import { toCocoGroundTruth } from '../src/data/coco';
import { buildModel } from '../src/model/model';
import type { ModelCard } from '../src/model/modelCard';
import { useBackend } from '../src/backend/useBackend';
import { readSafetensors } from '../src/checkpoint/safetensors';
import type { ModelConfig } from '../src/model/config';
import { generateScene, CLASS_NAMES } from '../src/data/scene';
import { EXAMPLES } from '../src/data/examples';
import { checkExample, FOUND_IOU, FOUND_SCORE, MIN_SIZE } from '../src/eval/exampleCheck';

interface Args {
  gt?: string;
  detections?: string;
  model?: string;
  n?: number;
  seed?: number;
  json: boolean;
  analysis: boolean;
  scoreThr?: number;
  examples: boolean;
}

const USAGE = `usage:
  npm run eval -- --gt GT.json --detections DETS.json [--json]
  npm run eval -- --model PATH [--n N] [--seed S] [--json] [--analysis [--score-thr T]]
  npm run eval -- --model PATH --examples [--score-thr T]`;

function fail(msg: string): never {
  console.error(`eval: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, analysis: false, examples: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`);
      return v;
    };
    const num = (): number => {
      const s = value();
      const v = Number(s);
      if (!Number.isFinite(v)) fail(`${a} needs a number, got "${s}"`);
      return v;
    };
    switch (a) {
      case '--gt': args.gt = value(); break;
      case '--detections': case '--dets': args.detections = value(); break;
      case '--model': args.model = value(); break;
      case '--n': args.n = num(); break;
      case '--seed': args.seed = num(); break;
      case '--json': args.json = true; break;
      case '--analysis': args.analysis = true; break;
      case '--examples': args.examples = true; break;
      case '--score-thr': args.scoreThr = num(); break;
      case '-h': case '--help': console.log(USAGE); return process.exit(0);
      default: fail(`unknown argument "${a}"`);
    }
  }
  return args;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function print(stats: CocoStats, json: boolean): void {
  if (json) {
    const out: Record<string, number> = {};
    for (const k of STAT_KEYS) out[k] = stats[k];
    console.log(JSON.stringify(out));
  } else {
    console.log(formatStats(stats));
  }
}

/** A model folder: bundled (model.json + weights.safetensors) or a training run (state.json + checkpoint.safetensors). */
function readModelFolder(dir: string): { card: Pick<ModelCard, 'config' | 'inputSize' | 'scoreThreshold' | 'sceneSize'>; weights: Uint8Array } {
  const cardPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.safetensors');
  if (existsSync(cardPath) && existsSync(weightsPath)) return { card: readJson(cardPath) as ModelCard, weights: readFileSync(weightsPath) };
  const statePath = join(dir, 'state.json');
  const ckptPath = join(dir, 'checkpoint.safetensors');
  if (existsSync(statePath) && existsSync(ckptPath)) {
    const state = readJson(statePath) as { config: ModelConfig; hyper: { imageSize: number } };
    const size = state.hyper.imageSize;
    return { card: { config: state.config, inputSize: size, sceneSize: [size, size] }, weights: readFileSync(ckptPath) };
  }
  fail(`${dir} is neither a model folder (model.json + weights.safetensors) nor a training run (state.json + checkpoint.safetensors)`);
}

/** --model DIR --examples: the bar for the app's example images, one markdown row per example. */
async function runExamples(args: Args): Promise<void> {
  const { card, weights } = readModelFolder(args.model!);
  await useBackend('wasm');
  const model = buildModel(card.config, readSafetensors(weights).stateDict);
  const thr = args.scoreThr ?? card.scoreThreshold ?? 0.3;
  const [w, h] = card.sceneSize ?? [card.inputSize ?? 160, card.inputSize ?? 160];
  const names = card.config.numClasses === CLASS_NAMES.length ? CLASS_NAMES : null;
  console.log(`display threshold ${thr}; found = class right, score >= ${FOUND_SCORE}, IoU >= ${FOUND_IOU}; objects of >= ${MIN_SIZE} px\n`);
  console.log('| example | objects >= 24 px | found | duplicates | background boxes shown | missed or wrong (class: best same-class score / IoU) | pass |');
  console.log('|---|---|---|---|---|---|---|');
  try {
    for (const ex of EXAMPLES) {
      const scene = generateScene(ex.seed, { width: w, height: h });
      const [dets] = await detectScenesRaw(model, [scene]);
      const r = checkExample(scene.objects, dets, thr);
      const req = r.objects.filter((o) => o.required);
      const missed = req.filter((o) => !o.found).map((o) => `${names ? names[o.classId] : o.classId}: ${o.best ? `${o.best.score.toFixed(2)} / ${o.best.iou.toFixed(2)}` : 'none'}`);
      console.log(`| ${ex.label} (seed ${ex.seed}) | ${req.length} | ${req.filter((o) => o.found).length} | ${req.reduce((n, o) => n + o.duplicates, 0)} | ${r.background} | ${missed.join('; ') || '-'} | ${r.pass ? 'yes' : 'no'} |`);
    }
  } finally {
    model.dispose();
  }
}

/** --model DIR: on the fixed validation set. */
async function runModel(args: Args): Promise<CocoStats> {
  const { card, weights } = readModelFolder(args.model!);
  await useBackend('wasm');
  const model = buildModel(card.config, readSafetensors(weights).stateDict);
  try {
    const size = card.inputSize ?? 128;
    const scenes = validationSet(args.n ?? 500, args.seed, { width: size, height: size });
    const gt = toCocoGroundTruth(scenes);
    const dets = await detectScenes(model, scenes);
    const res = cocoEvaluate(gt, dets);
    if (args.analysis) {
      const name = (id: number) => gt.categories.find((c) => c.id === id)?.name ?? String(id);
      console.log('AP per class (area all, 100 detections):');
      for (const c of perClassAP(res)) console.log(`  ${name(c.categoryId).padEnd(10)} AP ${c.AP.toFixed(3)}  AP50 ${c.AP50.toFixed(3)}`);
      console.log(formatConfusion(confusionTable(gt, dets, args.scoreThr ?? card.scoreThreshold ?? 0.3), name));
      console.log('');
    }
    return res.stats;
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let stats: CocoStats;
  if (args.model !== undefined) {
    if (args.gt || args.detections) fail('--model cannot be combined with --gt/--detections');
  } else if (args.analysis) {
    fail('--analysis needs --model');
  }
  if (args.model !== undefined && args.examples) {
    await runExamples(args);
    return;
  }
  if (args.model !== undefined) {
    stats = await runModel(args);
  } else {
    if (!args.gt || !args.detections) fail('--gt and --detections are required');
    const gt = readJson(args.gt) as CocoGroundTruth;
    const dets = readJson(args.detections) as CocoDetection[];
    if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
      fail(`${args.gt} is not a COCO instances file (needs images, annotations, categories)`);
    }
    if (!Array.isArray(dets)) fail(`${args.detections} is not a COCO results file (a JSON array)`);
    stats = evaluateDetections(gt, dets);
  }
  print(stats, args.json);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
