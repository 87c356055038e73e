/**
 * COCO bbox evaluation from the command line.
 *
 *   npm run eval -- --gt GT.json --detections DETS.json [--json]
 *   npm run eval -- --model PATH [--n N] [--seed S] [--json] [--analysis [--score-thr T]]
 *
 * --analysis (with --model) also prints AP per class and a confusion table of the detections
 * scoring >= T (default: the model card's display threshold, else 0.3) matched to objects by
 * IoU >= 0.5 whatever their class: class confusion, duplicates, background and misses apart.
 * Prints the 12 COCOeval summary numbers as a table, or with --json one JSON object
 * with exactly the keys AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
 *
 * --model DIR evaluates a bundled model folder (public/models/NAME: model.json +
 * weights.safetensors) on the first N (default 500) scenes of the fixed validation set,
 * generated at the model's input size.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateDetections, formatStats, STAT_KEYS } from '../src/eval';
import type { CocoDetection, CocoGroundTruth, CocoStats } from '../src/eval';
import { cocoEvaluate } from '../src/eval/cocoeval';
import { detectScenes } from '../src/eval/evaluateModel';
import { confusionTable, formatConfusion, perClassAP } from '../src/eval/errorAnalysis';
import { validationSet } from '../src/data/scene';
import { toCocoGroundTruth } from '../src/data/coco';
import { buildModel } from '../src/model/model';
import type { ModelCard } from '../src/model/modelCard';
import { useBackend } from '../src/model/backends';
import { readSafetensors } from '../src/weights/safetensors';

interface Args {
  gt?: string;
  detections?: string;
  model?: string;
  n?: number;
  seed?: number;
  json: boolean;
  analysis: boolean;
  scoreThr?: number;
}

const USAGE = `usage:
  npm run eval -- --gt GT.json --detections DETS.json [--json]
  npm run eval -- --model PATH [--n N] [--seed S] [--json] [--analysis [--score-thr T]]`;

function fail(msg: string): never {
  console.error(`eval: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, analysis: false };
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
      case '--score-thr': args.scoreThr = num(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0);
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

/** --model DIR: a bundled model folder (model.json + weights.safetensors) on the fixed validation set. */
async function runModel(args: Args): Promise<CocoStats> {
  const dir = args.model!;
  const cardPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.safetensors');
  if (!existsSync(cardPath) || !existsSync(weightsPath)) fail(`${dir} is not a model folder (needs model.json and weights.safetensors)`);
  const card = readJson(cardPath) as ModelCard;
  await useBackend('wasm');
  const model = buildModel(card.config, readSafetensors(readFileSync(weightsPath)).stateDict);
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
