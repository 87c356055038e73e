/**
 * The bench's command line: `npm run bench -- SUITE [--json] [options]`. Each suite declares its own
 * options (node:util parseArgs configs); these helpers parse the suite name, the shared flags and
 * the list and size values the suites take.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const SUITES = {
  model: 'our engine per stage: official-size models and the bundled one, Node wasm and Chromium backends; --profile STAGE: per kernel',
  official: 'ours (Chromium wasm) against the official PyTorch code of each official-size model and a PyTorch ResNet-50, with ratios',
  page: 'page load to the first drawn detections, fresh profiles, per backend',
  interaction: 'redraws without recomputation (User Timing measures of the app), target 16 ms',
  memory: 'tensors kept over runs; wasm heap of an official-size run; Chromium RSS through a dropped checkpoint',
  ceiling: 'the arithmetic ceiling: the model\'s dense shapes on Chromium wasm and in PyTorch, GFLOP/s, same threads',
  train: 'training kernels: a ResNet-like block forward and forward+backward on wasm and cpu, per-layer conv gradients',
  peer: 'onnxruntime-web in the same Chromium and run: ResNet-50 and the official DETR-R50 at 800x1066, ours / peer',
} as const;

export type SuiteName = keyof typeof SUITES;
export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** Options every suite takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies Options;

export function usage(): string {
  const width = Math.max(...Object.keys(SUITES).map((s) => s.length));
  return [
    'npm run bench -- SUITE [--json] [options]      (or npx tsx bench/main.ts SUITE ...)',
    '',
    ...Object.entries(SUITES).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    '--json prints one JSON object on stdout (progress goes to stderr); `npm run bench -- SUITE --help` lists a suite\'s options.',
  ].join('\n');
}

/** The suite (first argument) and the rest; throws with the usage on an unknown or missing suite. */
export function splitSuite(argv: string[]): { suite: SuiteName; rest: string[] } {
  const [first, ...rest] = argv;
  if (!first || first.startsWith('-')) throw new Error(`no suite given\n\n${usage()}`);
  if (!(first in SUITES)) throw new Error(`unknown suite "${first}" (known: ${Object.keys(SUITES).join(', ')})\n\n${usage()}`);
  return { suite: first as SuiteName, rest };
}

/** Parses a suite's arguments strictly (an unknown option or a stray positional is an error). */
export function parseSuiteArgs(rest: string[], options: Options): Values {
  const { values } = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: false });
  return values as Values;
}

/** One line per option of a suite, for --help. */
export function optionHelp(options: Options, help: Record<string, string>): string {
  const all: Options = { ...COMMON_OPTIONS, ...options };
  return Object.entries(all)
    .map(([k, o]) => `  --${k}${o.type === 'string' ? ` VALUE${o.default !== undefined ? ` (default ${o.default})` : ''}` : ''}${help[k] ? `: ${help[k]}` : ''}`)
    .join('\n');
}

/** A comma list of allowed names; undefined gives `def`. */
export function parseList<T extends string>(value: string | boolean | undefined, allowed: readonly T[], def: readonly T[], what: string): T[] {
  if (value === undefined || value === '' || typeof value === 'boolean') return [...def];
  const out = value.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = out.filter((x) => !(allowed as readonly string[]).includes(x));
  if (bad.length) throw new Error(`unknown ${what} ${bad.join(', ')} (known: ${allowed.join(', ')})`);
  return out as T[];
}

/** A positive integer option; undefined gives `def`. */
export function parseCount(value: string | boolean | undefined, def: number, what: string): number {
  if (value === undefined || typeof value === 'boolean') return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive integer, got "${value}"`);
  return n;
}

/** "HxW" (or "WxH" with order 'wh') to [height, width]. */
export function parseSize(value: string | boolean | undefined, def: string, order: 'hw' | 'wh' = 'hw', what = 'size'): [number, number] {
  const s = typeof value === 'string' ? value : def;
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--${what} must look like 800x1066, got "${s}"`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  return order === 'hw' ? [a, b] : [b, a];
}
