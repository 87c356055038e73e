import { type BackboneName, type ModelConfig, OFFICIAL_CONDITIONAL_DETR_R50, OFFICIAL_DAB_DETR_R50, OFFICIAL_DEFORMABLE_DETR_R50, OFFICIAL_DETR_R50, OFFICIAL_R50, DEFORM_LEVELS, DEFORM_POINTS, isConditionalDetr, isDabDetr, isDeformableDetr, isOfficialDetr, validateConfig } from '../model/config';
import { CheckpointError, ForeignCheckpointError } from './errors';
import { expectedStateDictShapes } from './expectedKeys';

/**
 * Works out which model a checkpoint holds. The training `args` say it directly where they
 * exist; otherwise names and shapes of the weights do (all but DC5, which changes no weight,
 * and the head count of official, Conditional and DAB-DETR, which changes no shape). Six families load:
 * single-scale SAM-DETR (and this project's DETR-style baseline), multi-scale SAM-DETR (the
 * official `--multiscale` models: `transformer.level_embed` and `input_proj.1`/`.2` beside the SAM
 * decoder's point1/point2), official post-norm DETR (facebookresearch/detr, recognised by its
 * `[nq, hidden]` query_embed and `multihead_attn`) and Conditional DETR (Atten4Vis/ConditionalDETR:
 * `transformer.decoder.ref_point_head` / `query_scale` without DAB-DETR's anchor boxes) and DAB-DETR
 * (IDEA-Research/DAB-DETR's `dab_detr`: `refpoint_embed` [nq, 4] with `ref_anchor_head`) and
 * Deformable DETR (fundamentalvision/Deformable-DETR: deformable `cross_attn` in the decoder, four
 * levels, no SAM decoder; box refinement from `transformer.decoder.bbox_embed`, two-stage from
 * `transformer.enc_output`). Checkpoints of related models (pre-norm or panoptic DETR,
 * DAB-Deformable-DETR, DN-DETR, DINO) are
 * named in a ForeignCheckpointError instead of failing later with a pile of missing keys.
 */
export type Shapes = Map<string, number[]>;

/**
 * Where `config.dilation` (DC5) came from: the checkpoint's args (a fact), a `dc5` in the file
 * name or its absence (a guess), nothing at all (the default, false: a guess too), or nowhere
 * because the model has no DC5 (multi-scale). The weights never say: DC5 changes no weight.
 */
export type DilationSource = 'args' | 'file-name' | 'default' | 'n/a';

/** DC5 is a guess the user may correct: the file did not say it. */
export const dilationIsGuess = (source: DilationSource | undefined): boolean => source === 'file-name' || source === 'default';

export interface DetectedConfig {
  config: ModelConfig;
  /** Guesses, defaults and disagreements worth telling the user. */
  notes: string[];
  dilationSource: DilationSource;
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
  if (looksLikeOfficialDetr(s)) {
    // facebookresearch/detr: query_embed holds the query positions [nq, hidden]; one shared
    // class head of numClasses + 1 rows (the last is "no object").
    c.decoder = 'detr';
    c.detrStyle = 'official';
    c.smca = false;
    c.hiddenDim = dim('query_embed.weight', 1);
    const rows = dim('class_embed.weight') ?? dim('class_embed.bias');
    c.numClasses = rows === undefined ? undefined : rows - 1;
  }
  if (looksLikeConditionalDetr(s)) {
    // Atten4Vis/ConditionalDETR: query_embed holds the query positions [nq, hidden] as in DETR;
    // one shared class head of numClasses rows (sigmoid focal: no "no object" class).
    c.decoder = 'conditional';
    c.smca = false;
    c.hiddenDim = dim('query_embed.weight', 1) ?? c.hiddenDim;
    c.numClasses = dim('class_embed.weight') ?? dim('class_embed.bias');
  }
  if (looksLikeDabDetr(s)) {
    // IDEA-Research/DAB-DETR: refpoint_embed holds the [nq, 4] anchor boxes; one shared class head
    // of numClasses rows (sigmoid focal); `transformer.patterns` only with patterns.
    c.decoder = 'dab';
    c.smca = false;
    c.numQueries = dim('refpoint_embed.weight');
    c.hiddenDim = dim('transformer.decoder.norm.weight') ?? c.hiddenDim;
    c.numClasses = dim('class_embed.weight') ?? dim('class_embed.bias');
    c.numPatterns = dim('transformer.patterns.weight') ?? 0;
  }
  if (looksLikeDeformableDetr(s)) {
    // fundamentalvision/Deformable-DETR: query_embed is [nq, 2 x hidden] (position and content;
    // absent with two-stage); the head count shows in attention_weights (heads x 4 levels x 4 points).
    c.decoder = 'deformable';
    c.smca = false;
    c.hiddenDim = dim('transformer.level_embed', 1) ?? c.hiddenDim;
    const aw = dim('transformer.decoder.layers.0.cross_attn.attention_weights.weight') ?? dim('transformer.encoder.layers.0.self_attn.attention_weights.weight');
    if (aw !== undefined) c.nheads = aw / (DEFORM_LEVELS * DEFORM_POINTS);
    c.withBoxRefine = s.has('transformer.decoder.bbox_embed.0.layers.0.weight');
    c.twoStage = s.has('transformer.enc_output.weight');
    const levels = dim('transformer.level_embed');
    if (levels !== undefined && levels !== DEFORM_LEVELS) problems.push(`Deformable DETR with ${levels} feature levels is not supported (SAM-DETR Lens runs the official ${DEFORM_LEVELS})`);
  }
  c.encLayers = indexCount(s, 'transformer.encoder.layers.', notes, 'encoder layers');
  c.decLayers = indexCount(s, 'transformer.decoder.layers.', notes, 'decoder layers');
  c.dimFeedforward = dim('transformer.encoder.layers.0.linear1.weight') ?? dim('transformer.decoder.layers.0.linear1.weight');
  c.inputProjGroupNorm = s.has('input_proj.0.1.weight');
  if (looksMultiscale(s)) {
    // The deformable encoder's FFN is half of dim_feedforward (hard-coded officially): the
    // decoder's FFN is the one that says it.
    c.multiscale = true;
    c.inputProjGroupNorm = true; // hard-coded officially: a checkpoint without it is damaged, and the report says what it lacks
    c.dimFeedforward = dim('transformer.decoder.layers.0.linear1.weight') ?? (c.dimFeedforward === undefined ? undefined : c.dimFeedforward * 2);
  }
  const l0 = 'transformer.decoder.layers.0';
  if (c.decoder === 'deformable') {
    // Said above: nothing of the SAM or DETR decoders to read.
  } else if (c.detrStyle === 'official' || c.decoder === 'conditional' || c.decoder === 'dab') {
    // nheads stays unset: packed nn.MultiheadAttention weights (and Conditional and DAB-DETR's
    // hidden x hidden projections) have one shape for any head count.
  } else if (s.has(`${l0}.point1.0.weight`)) {
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

/**
 * Multi-scale SAM-DETR's signature: the SAM decoder (point1 in its layers) with Deformable
 * DETR's level embedding, deformable sampling or more than one input projection. Deformable
 * DETR itself has the latter without the former.
 */
function looksMultiscale(s: Shapes): boolean {
  let sam = false;
  let levels = false;
  for (const k of s.keys()) {
    if (/^transformer\.decoder\.layers\.\d+\.point1\./.test(k)) sam = true;
    if (k === 'transformer.level_embed' || /\.sampling_offsets\./.test(k) || /^input_proj\.[1-9]/.test(k)) levels = true;
  }
  return sam && levels;
}

/**
 * Deformable DETR's signature: deformable cross-attention in the decoder layers (SAM-DETR's decoder,
 * multi-scale or not, has point1 instead), and nothing of the models built on it: DINO's and
 * DN-DETR's label encoder, DAB-Deformable-DETR's anchor boxes (`refpoint_embed`, `tgt_embed`) and
 * its decoder's `ref_point_head` / `query_scale`.
 */
function looksLikeDeformableDetr(s: Shapes): boolean {
  if (!s.has('transformer.decoder.layers.0.cross_attn.sampling_offsets.weight')) return false;
  for (const k of s.keys()) {
    if (k === 'label_enc.weight' || k === 'refpoint_embed.weight' || k === 'tgt_embed.weight') return false;
    if (/^transformer\.decoder\.(ref_point_head|query_scale)\./.test(k) || /^transformer\.decoder\.layers\.\d+\.point1\./.test(k)) return false;
  }
  return true;
}

/**
 * What Deformable DETR's main.py args add: the variant (`--with_box_refine`, `--two_stage`).
 * Its levels and points (`--num_feature_levels`, `--enc_n_points`, `--dec_n_points`) are checked:
 * the model runs the official 4 and 4.
 */
function fromDeformableArgs(a: Record<string, unknown>): Partial<ModelConfig> {
  const c: Partial<ModelConfig> = {};
  if (typeof a.with_box_refine === 'boolean') c.withBoxRefine = a.with_box_refine;
  if (typeof a.two_stage === 'boolean') c.twoStage = a.two_stage;
  for (const [k, want] of [['num_feature_levels', DEFORM_LEVELS], ['enc_n_points', DEFORM_POINTS], ['dec_n_points', DEFORM_POINTS]] as const) {
    if (a[k] !== undefined && a[k] !== want) throw new CheckpointError('unsupported', `Deformable DETR with ${k} = ${String(a[k]).slice(0, 20)} is not supported (SAM-DETR Lens runs the official ${want})`);
  }
  return c;
}

/**
 * Official DETR's signature: query_embed [nq, hidden] (SAM-DETR and the baseline have [nq, 4]
 * anchor boxes there) and nn.MultiheadAttention cross-attention named `multihead_attn`.
 */
function looksLikeOfficialDetr(s: Shapes): boolean {
  const q = s.get('query_embed.weight');
  if (!q || q.length !== 2 || q[1] === 4) return false;
  for (const k of s.keys()) if (/^transformer\.decoder\.layers\.\d+\.multihead_attn\./.test(k)) return true;
  return false;
}

/**
 * Conditional DETR's signature: its decoder's reference-point head or query scale, without what
 * the models built on it add: DAB-DETR's anchor boxes (`refpoint_embed`, `ref_anchor_head`; DN-DETR
 * and DINO add `label_enc`) or Deformable DETR's levels.
 */
function looksLikeConditionalDetr(s: Shapes): boolean {
  let conditional = false;
  for (const k of s.keys()) {
    if (/^transformer\.decoder\.(ref_point_head|query_scale)\./.test(k)) conditional = true;
    if (k === 'refpoint_embed.weight' || k === 'label_enc.weight' || /^transformer\.decoder\.ref_anchor_head\./.test(k)) return false;
    if (k === 'transformer.level_embed' || /\.sampling_offsets\./.test(k)) return false;
  }
  return conditional;
}

/**
 * DAB-DETR's signature: the [nq, 4] anchor boxes (`refpoint_embed`) with the decoder's
 * width/height head (`ref_anchor_head`), and nothing of the models built on it: DN-DETR's and
 * DINO's label encoder, DAB-Deformable-DETR's levels.
 */
function looksLikeDabDetr(s: Shapes): boolean {
  const anchors = s.get('refpoint_embed.weight');
  if (!anchors || anchors.length !== 2 || anchors[1] !== 4 || s.has('label_enc.weight')) return false;
  let modulated = false;
  for (const k of s.keys()) {
    if (/^transformer\.decoder\.ref_anchor_head\./.test(k)) modulated = true;
    if (k === 'transformer.level_embed' || /\.sampling_offsets\./.test(k) || /^input_proj\.[1-9]/.test(k)) return false;
  }
  return modulated;
}

/**
 * What DAB-DETR's own args add (its main.py: `--num_patterns`, `--pe_temperatureH/W`,
 * `--transformer_activation`); `random_refpoints_xy` changes only training, not a weight.
 */
function fromDabArgs(a: Record<string, unknown>): Partial<ModelConfig> {
  const c: Partial<ModelConfig> = {};
  if (typeof a.num_patterns === 'number') c.numPatterns = a.num_patterns;
  const [th, tw] = [a.pe_temperatureH, a.pe_temperatureW];
  if (typeof th === 'number' || typeof tw === 'number') c.peTemperature = [typeof th === 'number' ? th : 20, typeof tw === 'number' ? tw : 20];
  const act = a.transformer_activation;
  if (act !== undefined && act !== 'prelu') {
    throw new CheckpointError('unsupported', `DAB-DETR with transformer_activation "${String(act).slice(0, 40)}" is not supported (SAM-DETR Lens runs the official PReLU)`);
  }
  return c;
}

/**
 * What the training args say (official argparse names; SAM-DETR's, DETR's, Conditional DETR's and
 * DAB-DETR's main.py share them). `detrLineage`: official, Conditional or DAB-DETR, which have no
 * SMCA, no multi-scale option and never a GroupNorm in input_proj, whatever the schedule.
 */
function fromArgs(a: Record<string, unknown>, detrLineage: boolean, dab = false, deformable = false): Partial<ModelConfig> {
  const c: Partial<ModelConfig> = {};
  const num = (k: string) => (typeof a[k] === 'number' ? (a[k] as number) : undefined);
  const bool = (k: string) => (typeof a[k] === 'boolean' ? (a[k] as boolean) : undefined);
  if (!detrLineage) c.smca = bool('smca');
  c.dilation = bool('dilation');
  // Only `true` is taken: false is every single-scale checkpoint's default, said by the weights too.
  if (!detrLineage && a.multiscale === true) c.multiscale = true;
  // The official single-scale SAM-DETR models put GroupNorm after input_proj only in the short
  // (12-epoch) schedule; the multi-scale ones always have it; official and Conditional DETR never.
  const epochs = num('epochs');
  if (c.multiscale || deformable) c.inputProjGroupNorm = true;
  else if (epochs !== undefined && !detrLineage) c.inputProjGroupNorm = epochs < 25;
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
  if (dab) Object.assign(c, fromDabArgs(a));
  if (deformable) Object.assign(c, fromDeformableArgs(a));
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

/**
 * Names the model family when it is neither single-scale SAM-DETR (or the baseline) nor
 * official post-norm DETR. Keys are compared with the layout of the closest family that loads.
 */
function checkFamily(s: Shapes, args: Record<string, unknown> | undefined, guess: ModelConfig): void {
  const keys = [...s.keys()];
  const has = (re: RegExp) => keys.some((k) => re.test(k));
  const deformable = s.has('transformer.level_embed') || has(/\.sampling_offsets\./);
  let kind: string | null = null;
  let detrVariant = false; // a facebookresearch/detr model other than the plain post-norm detector
  // DETRsegm wraps the detector (`detr.*`) and adds a box attention map and a mask head.
  if ((isOfficialDetr(guess) && args?.masks === true) || has(/^(bbox_attention|mask_head)\./)) [kind, detrVariant] = ['DETR segmentation (panoptic)', true];
  else if (s.has('label_enc.weight')) kind = deformable ? 'DINO' : 'DN-DETR';
  // Deformable DETR loads (looksLikeDeformableDetr); with DAB-DETR's anchor boxes it is DAB-Deformable-DETR.
  else if (isDeformableDetr(guess)) return;
  else if (deformable && (s.has('refpoint_embed.weight') || s.has('tgt_embed.weight'))) kind = 'DAB-Deformable-DETR';
  // Multi-scale SAM-DETR loads (looksMultiscale); the same levels without SAM's decoder are Deformable DETR's.
  else if (guess.multiscale) return;
  else if (deformable || has(/^input_proj\.[1-9]/)) kind = 'Deformable DETR variant';
  // DAB-DETR loads (looksLikeDabDetr); anchor boxes without its width/height head are another model.
  else if (isDabDetr(guess)) return;
  else if (s.has('refpoint_embed.weight') || has(/^transformer\.decoder\.ref_anchor_head\./)) kind = 'DAB-DETR variant';
  // Conditional DETR loads (looksLikeConditionalDetr).
  else if (isConditionalDetr(guess)) return;
  // normalize_before: DETR adds a final encoder LayerNorm that the post-norm model lacks.
  else if (isOfficialDetr(guess) && (args?.pre_norm === true || has(/^transformer\.encoder\.norm\./))) [kind, detrVariant] = ['pre-norm DETR', true];
  else if (!has(/^(backbone\.0\.body|transformer)\./)) {
    throw new CheckpointError('unsupported-family', `the checkpoint's model has none of SAM-DETR's weights (its keys start: ${listNames(keys)})`);
  }
  if (!kind) return;
  // Panoptic files hold the detector under `detr.`: compared without that prefix, what is left
  // over is what the segmentation adds.
  const inner = has(/^detr\./) ? new Map([...s].map(([k, v]) => [k.replace(/^detr\./, ''), v])) : s;
  // Deformable DETR is compared with multi-scale SAM-DETR (same backbone levels and encoder),
  // DETR's variants with post-norm DETR, the others with single-scale SAM-DETR.
  let closest: ModelConfig = kind.includes('Deformable DETR') ? { ...guess, decoder: 'sam', multiscale: true, inputProjGroupNorm: true } : { ...guess, decoder: 'sam', multiscale: false, inputProjGroupNorm: s.has('input_proj.0.1.weight') };
  if (detrVariant) {
    const w = inner === s ? guess : fromWeights(inner, [], []);
    for (const k of Object.keys(w) as (keyof ModelConfig)[]) if (w[k] === undefined) delete w[k];
    closest = { ...OFFICIAL_DETR_R50, ...w, decoder: 'detr', detrStyle: 'official', smca: false, inputProjGroupNorm: false };
  }
  const { missing, unexpected } = diffKeys(expectedStateDictShapes(closest).map(([k]) => k), inner);
  const family = detrVariant ? 'post-norm DETR' : closest.multiscale ? 'multi-scale SAM-DETR' : 'single-scale SAM-DETR';
  throw new ForeignCheckpointError(
    kind,
    `this is a ${kind} checkpoint, a model SAM-DETR Lens does not run (it runs SAM-DETR, single- and multi-scale, post-norm DETR without masks, Conditional DETR, DAB-DETR and Deformable DETR)`,
    missing,
    unexpected,
    `compared with ${family}: missing ${listNames(missing)}; unexpected ${listNames(unexpected)}`,
  );
}

/**
 * DC5 from a file name: the released DETR files are named like `detr-r50-dc5-f0fb7ef5.pth`,
 * Conditional DETR's like `ConditionalDETR_r50dc5_epoch50.pth` (dc5 right after the depth).
 */
function dilationFromFileName(fileName: string | undefined): boolean | undefined {
  if (fileName === undefined) return undefined;
  return /(^|[^a-z0-9]|r\d+)dc5([^a-z0-9]|$)/i.test(fileName);
}

/**
 * `fileName` (the file's base name, when the caller has one) is used only for what neither the
 * weights nor args show: DC5, guessed from a `dc5` in the name as the released files are named.
 */
export function detectConfig(shapes: Shapes, args?: Record<string, unknown>, fileName?: string): DetectedConfig {
  const notes: string[] = [];
  const problems: string[] = [];
  const w = fromWeights(shapes, notes, problems);
  for (const k of Object.keys(w) as (keyof ModelConfig)[]) if (w[k] === undefined) delete w[k];
  const officialDetr = w.detrStyle === 'official';
  const conditional = w.decoder === 'conditional';
  const dab = w.decoder === 'dab';
  const deformable = w.decoder === 'deformable';
  const base = officialDetr ? OFFICIAL_DETR_R50 : conditional ? OFFICIAL_CONDITIONAL_DETR_R50 : dab ? OFFICIAL_DAB_DETR_R50 : deformable ? OFFICIAL_DEFORMABLE_DETR_R50 : OFFICIAL_R50;
  checkFamily(shapes, args, { ...base, ...w });
  if (problems.length) throw new CheckpointError('unsupported', problems.join('; '));
  const a = args ? fromArgs(args, officialDetr || conditional || dab || deformable, dab, deformable) : {};
  for (const [k, v] of Object.entries(a) as [keyof ModelConfig, unknown][]) {
    if (k in w && JSON.stringify(w[k]) !== JSON.stringify(v)) notes.push(`args give ${k} = ${JSON.stringify(v)} but the weights look like ${JSON.stringify(w[k])}; following args`);
  }
  if (a.multiscale && !w.multiscale) {
    notes.push("args give multiscale = true but the weights have none of its keys (transformer.level_embed, input_proj.1, input_proj.2); following args");
  }
  const multiscale = Boolean(w.multiscale || a.multiscale);
  const fromName = dilationFromFileName(fileName);
  let dilationSource: DilationSource = 'args';
  if (multiscale) {
    // The multi-scale model reads ResNet's strides 8, 16 and 32: DC5 does not exist there.
    dilationSource = 'n/a';
  } else if (!('dilation' in a) && fromName !== undefined) {
    a.dilation = fromName;
    dilationSource = 'file-name';
    notes.push(`DC5 (dilation) cannot be seen in the weights and ${args ? "the checkpoint's args do not say" : 'the checkpoint has no args'}: guessing dilation = ${fromName} from the file name "${fileName!.slice(0, 100)}" (${fromName ? 'it says' : 'it does not say'} dc5)`);
  } else if (!('dilation' in a)) {
    dilationSource = 'default';
    notes.push(`DC5 (dilation) cannot be seen in the weights and ${args ? "the checkpoint's args do not say" : 'the checkpoint has no args'}: assuming dilation = false`);
  }
  if (officialDetr && !('nheads' in a)) {
    notes.push(`nheads cannot be seen in official DETR's weights (packed attention projections have the same shape for any head count) and ${args ? "the checkpoint's args do not say" : 'the checkpoint has no args'}: assuming the official ${base.nheads}`);
  }
  if ((conditional || dab) && !('nheads' in a)) {
    notes.push(`nheads cannot be seen in ${dab ? 'DAB-DETR' : 'Conditional DETR'}'s weights (its attention projections are hidden x hidden for any head count) and ${args ? "the checkpoint's args do not say" : 'the checkpoint has no args'}: assuming the official ${base.nheads}`);
  }
  const config: ModelConfig = { ...base, ...w, ...a };
  for (const k of Object.keys(base) as (keyof ModelConfig)[]) {
    const irrelevant = k === 'dilation' || (k === 'point2Hidden' && config.decoder !== 'sam') || ((officialDetr || conditional || dab) && k === 'nheads');
    if (!(k in w) && !(k in a) && !irrelevant) notes.push(`${k} not found in the checkpoint; using the official ${JSON.stringify(base[k])}`);
  }
  const invalid = validateConfig(config);
  if (invalid.length) throw new CheckpointError('invalid-config', `the checkpoint's configuration cannot be built: ${invalid.join('; ')}`);
  return { config, notes, dilationSource };
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
