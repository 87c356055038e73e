import { type BackboneName, type ModelConfig, OFFICIAL_R50, validateConfig } from '../model/config';
import { CheckpointError, ForeignCheckpointError } from './errors';
import { expectedStateDictShapes } from './expectedKeys';

/**
 * Works out which model a checkpoint holds. The training `args` say it directly where they
 * exist; otherwise names and shapes of the weights do (all but DC5, which changes no weight).
 * Checkpoints of related models (DETR, Deformable / Conditional DETR, multi-scale SAM-DETR)
 * are named in a ForeignCheckpointError instead of failing later with a pile of missing keys.
 */
export type Shapes = Map<string, number[]>;

export interface DetectedConfig {
  config: ModelConfig;
  /** Guesses, defaults and disagreements worth telling the user. */
  notes: string[];
}

const BOTTLENECK_LAYER3: Record<number, BackboneName> = { 6: 'resnet50', 23: 'resnet101' };
const BASIC_LAYER3: Record<number, BackboneName> = { 2: 'resnet18', 6: 'resnet34' };

/**
 * Layer/block count under `prefix`: the indices 0, 1, 2, ... that are all present. Counting
 * distinct indices instead let one stray key (`transformer.decoder.layers.9.extra`) add a
 * layer; keys past a gap, or with a non-numeric index, are named in a note instead.
 */
function indexCount(shapes: Shapes, prefix: string, notes: string[], what: string): number {
  const index = new Map<string, number>(); // key -> its layer index (NaN when not a number)
  for (const k of shapes.keys()) {
    if (!k.startsWith(prefix)) continue;
    const idx = k.slice(prefix.length).split('.')[0];
    index.set(k, /^(0|[1-9]\d{0,5})$/.test(idx) ? Number(idx) : Number.NaN);
  }
  const seen = new Set(index.values());
  let n = 0;
  while (seen.has(n)) n++;
  const stray = [...index].filter(([, i]) => !(i < n)).map(([k]) => k);
  if (stray.length) {
    notes.push(`counted ${n} ${what} (${n ? `indices 0-${n - 1}` : 'no index 0'}); ${listNames(stray)} ${stray.length === 1 ? 'does' : 'do'} not continue that numbering and ${stray.length === 1 ? 'is' : 'are'} not used`);
  }
  return n;
}

/** What the weights alone say; fields they cannot show are left out. */
function fromWeights(s: Shapes, notes: string[], problems: string[]): Partial<ModelConfig> {
  const c: Partial<ModelConfig> = {};
  const dim = (name: string, i = 0) => s.get(name)?.[i];
  const body = 'backbone.0.body';
  if (s.has(`${body}.conv1.weight`)) {
    c.backboneWidth = dim(`${body}.conv1.weight`);
    const bottleneck = s.has(`${body}.layer1.0.conv3.weight`);
    const blocks = indexCount(s, `${body}.layer3.`, notes, 'layer3 blocks');
    c.backbone = (bottleneck ? BOTTLENECK_LAYER3 : BASIC_LAYER3)[blocks];
    // Raised only after the model family is checked: another family's backbone may differ too.
    if (!c.backbone) problems.push(`unsupported backbone: ${bottleneck ? 'bottleneck' : 'basic'}-block ResNet with ${blocks} blocks in layer3 (SAM-DETR Lens runs ResNet-18/34/50/101)`);
  }
  c.hiddenDim = dim('input_proj.0.0.weight') ?? dim('transformer.encoder.layers.0.norm1.weight');
  c.numQueries = dim('query_embed.weight');
  c.numClasses = dim('class_embed.0.weight') ?? dim('class_embed.0.bias');
  c.encLayers = indexCount(s, 'transformer.encoder.layers.', notes, 'encoder layers');
  c.decLayers = indexCount(s, 'transformer.decoder.layers.', notes, 'decoder layers');
  c.dimFeedforward = dim('transformer.encoder.layers.0.linear1.weight') ?? dim('transformer.decoder.layers.0.linear1.weight');
  c.inputProjGroupNorm = s.has('input_proj.0.1.weight');
  const l0 = 'transformer.decoder.layers.0';
  if (s.has(`${l0}.point1.0.weight`)) {
    c.decoder = 'sam';
    const attn1 = dim(`${l0}.attn1.weight`);
    if (attn1 !== undefined && c.hiddenDim) c.nheads = attn1 / c.hiddenDim;
    // point2 is Linear/ReLU alternating: the Linear layers sit at even indices.
    const linears = [...s.keys()]
      .map((k) => k.match(/^transformer\.decoder\.layers\.0\.point2\.(\d+)\.weight$/)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const widths = linears.map((i) => dim(`${l0}.point2.${i}.weight`)!);
    c.point2Hidden = widths.slice(0, -1);
    const last = widths[widths.length - 1];
    // SMCA's point2 also predicts a per-head scale: nheads*4 outputs instead of nheads*2.
    if (c.nheads && last === c.nheads * 4) c.smca = true;
    else if (c.nheads && last === c.nheads * 2) c.smca = false;
    else if (widths.length) notes.push(`point2 ends in ${last} outputs, which fits neither ${c.nheads}*2 (plain) nor ${c.nheads}*4 (SMCA)`);
  } else if (s.has(`${l0}.cross_attn.in_proj_weight`)) {
    c.decoder = 'detr';
    c.smca = false;
  }
  return c;
}

/** What the training args say (official argparse names). */
function fromArgs(a: Record<string, unknown>): Partial<ModelConfig> {
  const c: Partial<ModelConfig> = {};
  const num = (k: string) => (typeof a[k] === 'number' ? (a[k] as number) : undefined);
  const bool = (k: string) => (typeof a[k] === 'boolean' ? (a[k] as boolean) : undefined);
  c.smca = bool('smca');
  c.dilation = bool('dilation');
  // The official models put GroupNorm after input_proj only in the short (12-epoch) schedule.
  const epochs = num('epochs');
  if (epochs !== undefined) c.inputProjGroupNorm = epochs < 25;
  c.numQueries = num('num_queries');
  c.hiddenDim = num('hidden_dim');
  c.nheads = num('nheads');
  c.encLayers = num('enc_layers');
  c.decLayers = num('dec_layers');
  c.dimFeedforward = num('dim_feedforward');
  if (typeof a.backbone === 'string') {
    if (!['resnet18', 'resnet34', 'resnet50', 'resnet101'].includes(a.backbone)) {
      throw new CheckpointError('unsupported', `unsupported backbone "${a.backbone.slice(0, 40)}" in the checkpoint's args (SAM-DETR Lens runs ResNet-18/34/50/101)`);
    }
    c.backbone = a.backbone as BackboneName;
  }
  for (const k of Object.keys(c) as (keyof ModelConfig)[]) if (c[k] === undefined) delete c[k];
  return c;
}

function listNames(names: string[]): string {
  if (names.length === 0) return 'none';
  // Names come from the file: shorten each, so a 100 KB key cannot fill the message.
  const shown = names.slice(0, 4).map((n) => (n.length > 100 ? `${n.slice(0, 100)}...` : n)).join(', ');
  return names.length > 4 ? `${shown}, ... (${names.length} in all)` : shown;
}

function diffKeys(expected: string[], shapes: Shapes): { missing: string[]; unexpected: string[] } {
  const want = new Set(expected);
  return { missing: expected.filter((k) => !shapes.has(k)), unexpected: [...shapes.keys()].filter((k) => !want.has(k)) };
}

/** Names the model family when it is not single-scale SAM-DETR (or the baseline). */
function checkFamily(s: Shapes, args: Record<string, unknown> | undefined, guess: ModelConfig): void {
  const keys = [...s.keys()];
  const has = (re: RegExp) => keys.some((k) => re.test(k));
  let kind: string | null = null;
  if (s.has('transformer.level_embed') || has(/\.sampling_offsets\./)) kind = 'Deformable DETR';
  else if (args?.multiscale === true || has(/^input_proj\.[1-9]/)) kind = 'multi-scale SAM-DETR';
  else if (has(/^transformer\.decoder\.(ref_point_head|query_scale)\./)) kind = 'Conditional DETR';
  else if ((s.get('query_embed.weight')?.[1] ?? 4) !== 4 && has(/^transformer\.decoder\.layers\.\d+\.multihead_attn\./)) kind = 'DETR';
  else if (!has(/^(backbone\.0\.body|transformer)\./)) {
    throw new CheckpointError('unsupported-family', `the checkpoint's model has none of SAM-DETR's weights (its keys start: ${listNames(keys)})`);
  }
  if (!kind) return;
  const { missing, unexpected } = diffKeys(expectedStateDictShapes({ ...guess, decoder: 'sam' }).map(([k]) => k), s);
  throw new ForeignCheckpointError(
    kind,
    `this is a ${kind} checkpoint; SAM-DETR Lens runs single-scale SAM-DETR; missing: ${listNames(missing)}; unexpected: ${listNames(unexpected)}`,
    missing,
    unexpected,
  );
}

export function detectConfig(shapes: Shapes, args?: Record<string, unknown>): DetectedConfig {
  const notes: string[] = [];
  const problems: string[] = [];
  const w = fromWeights(shapes, notes, problems);
  for (const k of Object.keys(w) as (keyof ModelConfig)[]) if (w[k] === undefined) delete w[k];
  checkFamily(shapes, args, { ...OFFICIAL_R50, ...w });
  if (problems.length) throw new CheckpointError('unsupported', problems.join('; '));
  const a = args ? fromArgs(args) : {};
  for (const [k, v] of Object.entries(a) as [keyof ModelConfig, unknown][]) {
    if (k in w && JSON.stringify(w[k]) !== JSON.stringify(v)) notes.push(`args give ${k} = ${JSON.stringify(v)} but the weights look like ${JSON.stringify(w[k])}; following args`);
  }
  if (!('dilation' in a)) {
    notes.push(`DC5 (dilation) cannot be seen in the weights and ${args ? "the checkpoint's args do not say" : 'the checkpoint has no args'}: assuming dilation = false`);
  }
  const config: ModelConfig = { ...OFFICIAL_R50, ...w, ...a };
  for (const k of Object.keys(OFFICIAL_R50) as (keyof ModelConfig)[]) {
    const irrelevant = k === 'dilation' || (k === 'point2Hidden' && config.decoder === 'detr');
    if (!(k in w) && !(k in a) && !irrelevant) notes.push(`${k} not found in the checkpoint; using the official ${JSON.stringify(OFFICIAL_R50[k])}`);
  }
  const invalid = validateConfig(config);
  if (invalid.length) throw new CheckpointError('invalid-config', `the checkpoint's configuration cannot be built: ${invalid.join('; ')}`);
  return { config, notes };
}

/** Missing and unexpected names, and shape mismatches, of a state dict against a config. */
export function compareWithConfig(shapes: Shapes, config: ModelConfig) {
  const expected = expectedStateDictShapes(config);
  const { missing, unexpected } = diffKeys(expected.map(([k]) => k), shapes);
  const mismatched = expected
    .filter(([k, shape]) => shapes.has(k) && JSON.stringify(shapes.get(k)) !== JSON.stringify(shape))
    .map(([name, expectedShape]) => ({ name, expected: expectedShape, actual: shapes.get(name)! }));
  return { expected, missing, unexpected, mismatched };
}
