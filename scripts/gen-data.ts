/**
 * Writes the synthetic detection benchmark to disk.
 *
 *   npx tsx scripts/gen-data.ts --out DIR [--n 500] [--seed S] [--width 128] [--height 128] [--prefix val_]
 *   npx tsx scripts/gen-data.ts --gallery docs/gallery.png [--gallery-n 12] [--seed S]
 *
 * --out writes DIR/<prefix>NNNNN.png (RGB) and DIR/annotations.json (COCO instances; category
 * id = classId + 1). Scene i uses seed validationSeed(i, S); the default S is the validation seed,
 * so `--out DIR` reproduces `validationSet(n)`.
 * --gallery writes a grid of scenes with their boxes (hidden, i.e. too occluded, ones dashed grey).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  VALIDATION_SEED, encodePng, generateScene, makeGallery, sceneFileName, toCocoGroundTruth, validationSeed,
} from '../src/data';
import type { Scene } from '../src/data';

const deflate = (d: Uint8Array) => new Uint8Array(deflateSync(d, { level: 9 }));

interface Args {
  out?: string;
  gallery?: string;
  n: number;
  galleryN: number;
  seed: number;
  width: number;
  height: number;
  prefix: string;
}

const USAGE = 'usage: gen-data --out DIR [--n 500] [--seed S] [--width W] [--height H] [--prefix P] | --gallery FILE.png [--gallery-n 12]';

function parse(argv: string[]): Args {
  const a: Args = { n: 500, galleryN: 12, seed: VALIDATION_SEED, width: 128, height: 128, prefix: 'val_' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const s = argv[++i];
      if (s === undefined) throw new Error(`${k} needs a value\n${USAGE}`);
      return s;
    };
    const int = () => {
      const s = v();
      const x = Number(s);
      if (!Number.isInteger(x)) throw new Error(`${k} needs an integer, got "${s}"`);
      return x;
    };
    switch (k) {
      case '--out': a.out = v(); break;
      case '--gallery': a.gallery = v(); break;
      case '--n': a.n = int(); break;
      case '--gallery-n': a.galleryN = int(); break;
      case '--seed': a.seed = int(); break;
      case '--width': a.width = int(); break;
      case '--height': a.height = int(); break;
      case '--prefix': a.prefix = v(); break;
      case '-h': case '--help': console.log(USAGE); return process.exit(0);
      default: throw new Error(`unknown argument ${k}\n${USAGE}`);
    }
  }
  if (!a.out && !a.gallery) throw new Error(USAGE);
  return a;
}

function main(): void {
  const a = parse(process.argv.slice(2));
  const opts = { width: a.width, height: a.height };
  if (a.out) {
    mkdirSync(a.out, { recursive: true });
    const scenes: Scene[] = [];
    const t0 = performance.now();
    for (let i = 0; i < a.n; i++) {
      const s = generateScene(validationSeed(i, a.seed), opts);
      writeFileSync(join(a.out, sceneFileName(a.prefix, i, a.n)), encodePng(s.width, s.height, s.pixels, 3, deflate));
      scenes.push({ ...s, pixels: new Uint8ClampedArray(0) }); // keep annotations only
    }
    const gt = toCocoGroundTruth(scenes, a.prefix);
    writeFileSync(join(a.out, 'annotations.json'), JSON.stringify(gt));
    const ms = performance.now() - t0;
    console.log(`wrote ${a.n} images, ${gt.annotations.length} annotations to ${a.out} (${ms.toFixed(0)} ms)`);
  }
  if (a.gallery) {
    const scenes: Scene[] = [];
    for (let i = 0; i < a.galleryN; i++) scenes.push(generateScene(validationSeed(i, a.seed), opts));
    const g = makeGallery(scenes, { cols: 4, scale: 2 });
    mkdirSync(dirname(a.gallery), { recursive: true });
    writeFileSync(a.gallery, encodePng(g.width, g.height, g.pixels, 3, deflate));
    console.log(`wrote ${a.gallery} (${g.width}x${g.height}, ${scenes.length} scenes)`);
  }
}

try {
  main();
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
