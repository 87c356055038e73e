/**
 * Typed configuration of a SAM-DETR (or DETR-style baseline) model.
 * Field names follow the official `args` where one exists, in camelCase.
 */
export type BackboneName = 'resnet18' | 'resnet34' | 'resnet50' | 'resnet101';

export interface ModelConfig {
  /** ResNet depth. 18/34 use basic blocks, 50/101 bottlenecks (torchvision layout). */
  backbone: BackboneName;
  /** Channels of the stem and first stage; torchvision uses 64. Smaller for bundled models. */
  backboneWidth: number;
  /** DC5: last stage uses dilation 2 instead of stride 2. */
  dilation: boolean;
  /**
   * With `dilation`, the third stage is dilated too (torchvision's replace_stride_with_dilation
   * [False, True, True]): stride 8. Not an official SAM-DETR option; the bundled models use it
   * for a 20x20 feature grid at 160 px. Absent: false. A state dict cannot show it.
   */
  dilateLayer3?: boolean;
  /**
   * Decoder kind: 'sam' = SAM-DETR (Semantics Aligner), 'detr' = plain DETR-style baseline (or
   * official DETR, see detrStyle), 'conditional' = Conditional DETR (Atten4Vis/ConditionalDETR,
   * see isConditionalDetr), 'dab' = DAB-DETR (IDEA-Research/DAB-DETR, `dab_detr`, see isDabDetr),
   * 'deformable' = Deformable DETR (fundamentalvision/Deformable-DETR, see isDeformableDetr).
   */
  decoder: 'sam' | 'detr' | 'conditional' | 'dab' | 'deformable';
  /** SMCA Gaussian-like prior (SAM-DETR only). */
  smca: boolean;
  /** input_proj has GroupNorm(32) after the 1x1 conv (official 12-epoch models). */
  inputProjGroupNorm: boolean;
  hiddenDim: number;
  nheads: number;
  numQueries: number;
  encLayers: number;
  decLayers: number;
  dimFeedforward: number;
  /** Number of class logits (91 for COCO: max id + 1). */
  numClasses: number;
  /** Hidden widths of the aligner's point2 MLP (official: [256, 512, 512]). */
  point2Hidden: number[];
  /**
   * With `decoder: 'detr'` only. 'baseline' (the default when absent) is this project's
   * DETR-style baseline, trained with SAM-DETR's recipe; 'official' is facebookresearch/detr.
   * Both run the same decoder layer (decoder.ts, detrLayer: zeros in, learned query positions
   * added to q/k of self-attention and to the query of cross-attention, sine positions on the
   * keys, packed nn.MultiheadAttention projections, post-norm). They differ only around it:
   * - heads: baseline one class/box head per layer, the box refining a reference box
   *   (`query_embed.weight` [nq, 4], refined layer by layer as in SAM-DETR); official one
   *   shared class head and one shared 3-layer box MLP, box = sigmoid(MLP(hs)), no reference box;
   * - official only: one LayerNorm (`transformer.decoder.norm`) on every layer's output before
   *   the heads (the next layer still gets the un-normalised output);
   * - class head: baseline sigmoid over numClasses; official softmax over numClasses + 1, the
   *   last being "no object" (see classLogits);
   * - names: baseline `query_pos_embed.weight`, `cross_attn.*`, `input_proj.0.0.*`; official
   *   `query_embed.weight` [nq, hidden], `multihead_attn.*`, `input_proj.*` (no GroupNorm).
   */
  detrStyle?: 'baseline' | 'official';
  /**
   * Multi-scale SAM-DETR (the official `--multiscale` models, SAM-DETR-R50-MS): ResNet stages
   * 2, 3 and 4 (strides 8, 16, 32) each through `input_proj.{l}` (1x1 conv + GroupNorm(32));
   * Deformable DETR's encoder (MS_LEVELS levels x MS_POINTS points per head, FFN
   * dimFeedforward / 2); SAM-DETR's decoder reading one level per layer pair, coarse to fine
   * (msDecoderLevel). Absent or false: the single-scale model.
   */
  multiscale?: boolean;
  /**
   * DAB-DETR only: `num_patterns`. With P > 0 every anchor box is read by P query slots (slot
   * p * numQueries + q has anchor q and content query `transformer.patterns.weight[p]`), so the
   * decoder has P x numQueries slots (querySlots). Absent or 0: one slot per anchor, content zeros.
   */
  numPatterns?: number;
  /**
   * Temperatures (H, W) of the backbone's sine positions; absent: 10000 for both. DAB-DETR's
   * PositionEmbeddingSineHW defaults to 20 and 20 (`pe_temperatureH`, `pe_temperatureW`).
   */
  peTemperature?: [number, number];
  /**
   * Deformable DETR only (`with_box_refine`): every decoder layer has its own class and box head,
   * and its box head refines the reference point (a box from layer 1 on) that the next layer
   * reads. Absent or false: one class head and one box head shared by every layer, the reference
   * point fixed.
   */
  withBoxRefine?: boolean;
  /**
   * Deformable DETR only (`two_stage`, needs withBoxRefine): the queries come from the encoder's
   * top-scoring proposals (one per memory token) instead of learned embeddings.
   */
  twoStage?: boolean;
}

/** Feature levels of multi-scale SAM-DETR (hard-coded officially). */
export const MS_LEVELS = 3;
/** Strides of the multi-scale levels (ResNet layer2, layer3, layer4). */
export const MS_STRIDES = [8, 16, 32];
/** Sampling points per head and level of its deformable encoder attention (hard-coded officially). */
export const MS_POINTS = 4;

/** The feature level decoder layer `l` of a multi-scale model reads: 2 (stride 32) for layers 0-1, 1 for 2-3, 0 for 4-5. */
export function msDecoderLevel(l: number): number {
  return MS_LEVELS - 1 - Math.floor(l / 2);
}

/** Width of the multi-scale (deformable) encoder's FFN: officially half of dim_feedforward. */
export function msEncoderFeedforward(c: ModelConfig): number {
  return Math.floor(c.dimFeedforward / 2);
}

/** Output channels of the backbone stages a multi-scale model reads (layer2, layer3, layer4). */
export function msBackboneChannels(c: ModelConfig): number[] {
  const last = backboneChannels(c);
  return [last / 4, last / 2, last];
}

/** Feature levels of Deformable DETR: ResNet strides 8, 16, 32 and a stride-2 conv on the last map (64). */
export const DEFORM_LEVELS = 4;
/** Strides of Deformable DETR's levels. */
export const DEFORM_STRIDES = [8, 16, 32, 64];
/** Sampling points per head and level in its encoder and decoder (`enc_n_points`, `dec_n_points`). */
export const DEFORM_POINTS = 4;
/** Queries a two-stage Deformable DETR takes from its encoder's proposals (`two_stage_num_proposals` = num_queries). */
export const twoStageProposals = (c: Pick<ModelConfig, 'numQueries'>): number => c.numQueries;

/** True for a facebookresearch/detr model (see ModelConfig.detrStyle). */
export function isOfficialDetr(c: ModelConfig): boolean {
  return c.decoder === 'detr' && c.detrStyle === 'official';
}

/**
 * True for a Conditional DETR model (Atten4Vis/ConditionalDETR): DETR's backbone, sine positions
 * (cell ends, as DETR), bare input_proj and encoder; a decoder whose cross-attention query is the
 * content query concatenated per head with a conditional spatial query (the sine embedding of a
 * reference point predicted from the learned query position, scaled by query_scale(output) from
 * layer 1 on); one shared decoder norm, class head (sigmoid focal) and box MLP, the reference
 * point added to the box centre before the sigmoid (conditionalDecoder.ts).
 */
export function isConditionalDetr(c: Pick<ModelConfig, 'decoder'>): boolean {
  return c.decoder === 'conditional';
}

/**
 * True for a DAB-DETR model (IDEA-Research/DAB-DETR, `dab_detr`): Conditional DETR's backbone
 * input side and decoder layer, with learned 4D anchor boxes (`refpoint_embed`, cx cy w h before
 * the sigmoid) as the queries' positions, refined by the shared box head after every layer and
 * read by the next; the spatial query is the sine embedding of the anchor's centre, scaled by
 * query_scale(output) and modulated by the anchor's width and height (dabDecoder.ts); PReLU in
 * the encoder's and decoder's FFN; an encoder whose positions are scaled per layer; top-300
 * postprocess (num_select).
 */
export function isDabDetr(c: Pick<ModelConfig, 'decoder'>): boolean {
  return c.decoder === 'dab';
}

/**
 * True for a Deformable DETR model (fundamentalvision/Deformable-DETR): ResNet stages 2-4 and a
 * fourth level from a stride-2 3x3 conv on the last (each through input_proj + GroupNorm(32)),
 * sine positions at cell centres plus `transformer.level_embed`, a six-layer deformable encoder
 * (FFN dimFeedforward, 1024 officially) and a decoder whose cross-attention is multi-scale
 * deformable attention around one reference point per query (deformableDecoder.ts); sigmoid focal
 * classes, top-100 postprocess. Variants: withBoxRefine, twoStage.
 */
export function isDeformableDetr(c: Pick<ModelConfig, 'decoder'>): boolean {
  return c.decoder === 'deformable';
}

/** Decoder query slots: numQueries, times num_patterns for a DAB-DETR model with patterns. */
export function querySlots(c: Pick<ModelConfig, 'numQueries' | 'numPatterns'>): number {
  return c.numQueries * Math.max(1, c.numPatterns ?? 0);
}

/**
 * facebookresearch/detr's input side, shared by official DETR, Conditional DETR and DAB-DETR: input_proj
 * is a bare 1x1 Conv2d (`input_proj.*`), and the backbone's sine positions are cumsum / last
 * (cell ends), not SAM-DETR's cell centres (see sinePositionEmbedding).
 */
export function hasDetrInputSide(c: ModelConfig): boolean {
  return isOfficialDetr(c) || isConditionalDetr(c) || isDabDetr(c);
}

/** Width of the class head: official DETR has a softmax over the classes plus "no object". */
export function classLogits(c: ModelConfig): number {
  return isOfficialDetr(c) ? c.numClasses + 1 : c.numClasses;
}

/**
 * The released DETR R50 (facebookresearch/detr, detr-r50-e632da11.pth): 100 queries, 91 COCO
 * classes (+ no-object). R101 differs only in `backbone`, DC5 only in `dilation` (which leaves
 * no trace in the state dict).
 */
export const OFFICIAL_DETR_R50: ModelConfig = {
  backbone: 'resnet50',
  backboneWidth: 64,
  dilation: false,
  decoder: 'detr',
  detrStyle: 'official',
  smca: false,
  inputProjGroupNorm: false,
  hiddenDim: 256,
  nheads: 8,
  numQueries: 100,
  encLayers: 6,
  decLayers: 6,
  dimFeedforward: 2048,
  numClasses: 91,
  point2Hidden: [256, 512, 512],
};

/** The released SAM-DETR R50 (ZhangGongjie/SAM-DETR): 300 queries, 91 COCO classes, sigmoid focal. */
export const OFFICIAL_R50: ModelConfig = {
  backbone: 'resnet50',
  backboneWidth: 64,
  dilation: false,
  decoder: 'sam',
  smca: false,
  inputProjGroupNorm: true,
  hiddenDim: 256,
  nheads: 8,
  numQueries: 300,
  encLayers: 6,
  decLayers: 6,
  dimFeedforward: 2048,
  numClasses: 91,
  point2Hidden: [256, 512, 512],
};

/**
 * The released Conditional DETR R50 (Atten4Vis/ConditionalDETR, 50 epochs): 300 queries, 91
 * COCO classes (sigmoid focal, no no-object class). R101 differs only in `backbone`, DC5 only in
 * `dilation` (no trace in the state dict). SAM-DETR's code is built on Conditional DETR's, so
 * their configs differ only in the decoder and input_proj's GroupNorm (point2Hidden is unused here).
 */
export const OFFICIAL_CONDITIONAL_DETR_R50: ModelConfig = { ...OFFICIAL_R50, decoder: 'conditional', inputProjGroupNorm: false };

/**
 * The released DAB-DETR R50 (IDEA-Research/DAB-DETR, `dab_detr`, 50 epochs): 300 anchor boxes,
 * 91 COCO classes (sigmoid focal), no patterns, sine positions at temperature 20. R101 differs
 * only in `backbone`, DC5 only in `dilation` (no trace in the state dict), the 3-pattern models
 * in `numPatterns` (`transformer.patterns.weight`).
 */
export const OFFICIAL_DAB_DETR_R50: ModelConfig = {
  ...OFFICIAL_CONDITIONAL_DETR_R50,
  decoder: 'dab',
  numPatterns: 0,
  peTemperature: [20, 20],
};

/**
 * The released Deformable DETR R50 (fundamentalvision/Deformable-DETR, 50 epochs, plain): 300
 * queries, 91 COCO classes (sigmoid focal), FFN 1024, 4 levels, GroupNorm in every input_proj.
 * `withBoxRefine` and `twoStage` give the other two releases. point2Hidden is SAM-DETR's and unused.
 */
export const OFFICIAL_DEFORMABLE_DETR_R50: ModelConfig = {
  ...OFFICIAL_CONDITIONAL_DETR_R50,
  decoder: 'deformable',
  inputProjGroupNorm: true,
  dimFeedforward: 1024,
  withBoxRefine: false,
  twoStage: false,
};

/** Output channels of the backbone's last stage. */
export function backboneChannels(c: ModelConfig): number {
  const bottleneck = c.backbone === 'resnet50' || c.backbone === 'resnet101';
  return c.backboneWidth * 8 * (bottleneck ? 4 : 1);
}

export function stageBlocks(name: BackboneName): number[] {
  switch (name) {
    case 'resnet18': return [2, 2, 2, 2];
    case 'resnet34': return [3, 4, 6, 3];
    case 'resnet50': return [3, 4, 6, 3];
    case 'resnet101': return [3, 4, 23, 3];
  }
}

/**
 * Upper bounds for validateConfig: several times the largest DETR-family model (ResNet-101,
 * hidden 256, FFN 2048, 300 queries, 6+6 layers, 91 classes), so only absurd values fail.
 */
export const CONFIG_MAX = {
  hiddenDim: 4096,
  nheads: 256,
  numQueries: 10_000,
  encLayers: 64,
  decLayers: 64,
  dimFeedforward: 65_536,
  numClasses: 100_000,
  backboneWidth: 1024,
} as const;

/** Checks a config for values the model code cannot build; returns a list of problems. */
/** The backbone's output stride: 32, 16 with DC5 (layer4 dilated), 8 with layer3 dilated too. */
export const outputStride = (c: Pick<ModelConfig, 'dilation' | 'dilateLayer3'>): number => (c.dilation ? (c.dilateLayer3 ? 8 : 16) : 32);

export function validateConfig(c: ModelConfig): string[] {
  const errs: string[] = [];
  if (!['resnet18', 'resnet34', 'resnet50', 'resnet101'].includes(c.backbone)) errs.push(`unknown backbone "${c.backbone}"`);
  if (c.decoder !== 'sam' && c.decoder !== 'detr' && c.decoder !== 'conditional' && c.decoder !== 'dab' && c.decoder !== 'deformable') errs.push(`unknown decoder "${String(c.decoder)}"`);
  if (c.decoder !== 'sam' && c.smca) errs.push('SMCA needs the SAM decoder');
  // Conditional DETR's input_proj is a bare Conv2d, as official DETR's.
  if (isConditionalDetr(c) && c.inputProjGroupNorm) errs.push('Conditional DETR has no input_proj GroupNorm');
  if (isDabDetr(c) && c.inputProjGroupNorm) errs.push('DAB-DETR has no input_proj GroupNorm');
  if (c.numPatterns !== undefined && (!Number.isInteger(c.numPatterns) || c.numPatterns < 0 || c.numPatterns > 64)) errs.push('numPatterns must be an integer in 0..64');
  if (c.numPatterns && !isDabDetr(c)) errs.push('numPatterns needs the DAB-DETR decoder');
  // Patterns multiply the decoder's slots: a damaged or hostile file must not ask for millions.
  else if (Number.isInteger(c.numPatterns) && Number.isInteger(c.numQueries) && querySlots(c) > CONFIG_MAX.numQueries) errs.push(`${c.numPatterns} patterns x ${c.numQueries} queries is more than ${CONFIG_MAX.numQueries} query slots`);
  if (c.peTemperature !== undefined && (!Array.isArray(c.peTemperature) || c.peTemperature.length !== 2 || c.peTemperature.some((t) => !(t > 1 && t <= 1e6)))) errs.push('peTemperature must be two numbers in (1, 1e6]');
  // The anchor's sine embedding (4 x hiddenDim/2 features per query) is split in per-axis quarters.
  if (isDabDetr(c) && c.hiddenDim % 4 !== 0) errs.push('DAB-DETR needs hiddenDim divisible by 4');
  if ((c.withBoxRefine || c.twoStage) && !isDeformableDetr(c)) errs.push('withBoxRefine and twoStage need the Deformable DETR decoder');
  if (c.twoStage && !c.withBoxRefine) errs.push('two-stage Deformable DETR needs withBoxRefine');
  if (isDeformableDetr(c)) {
    if (!c.inputProjGroupNorm) errs.push('Deformable DETR input_proj always has GroupNorm(32)');
    if (c.dilation) errs.push('Deformable DETR here has no DC5 (dilation)');
    if (c.dilateLayer3) errs.push('Deformable DETR has no dilated layer3');
  }
  if (c.detrStyle !== undefined && c.detrStyle !== 'baseline' && c.detrStyle !== 'official') errs.push(`unknown detrStyle "${String(c.detrStyle)}"`);
  if (c.detrStyle === 'official' && c.decoder !== 'detr') errs.push('detrStyle "official" needs the DETR decoder');
  if (isOfficialDetr(c) && c.inputProjGroupNorm) errs.push('official DETR has no input_proj GroupNorm');
  if (c.dilateLayer3 && !c.dilation) errs.push('dilateLayer3 needs dilation (DC5)');
  if (c.hiddenDim % c.nheads !== 0) errs.push(`hiddenDim ${c.hiddenDim} not divisible by nheads ${c.nheads}`);
  if (c.hiddenDim % 2 !== 0) errs.push('hiddenDim must be even (sine embedding)');
  if (c.inputProjGroupNorm && c.hiddenDim % 32 !== 0) errs.push('GroupNorm(32) needs hiddenDim divisible by 32');
  for (const k of ['hiddenDim', 'nheads', 'numQueries', 'encLayers', 'decLayers', 'dimFeedforward', 'numClasses', 'backboneWidth'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < (k === 'encLayers' ? 0 : 1)) errs.push(`${k} must be a positive integer`);
    // Absurd sizes come from damaged or hostile checkpoints; building them would exhaust memory.
    else if (c[k] > CONFIG_MAX[k]) errs.push(`${k} ${c[k]} is larger than ${CONFIG_MAX[k]}`);
  }
  if (c.multiscale) {
    if (c.decoder !== 'sam') errs.push('multiscale needs the SAM decoder');
    if (c.dilation) errs.push('multiscale has no DC5 (dilation)');
    if (c.dilateLayer3) errs.push('multiscale has no dilated layer3');
    if (!c.inputProjGroupNorm) errs.push('multiscale input_proj always has GroupNorm(32)');
    // The official decoder assigns levels to exactly six layers and hard-codes 8 heads.
    if (c.decLayers !== 6) errs.push('multiscale needs decLayers 6 (two layers per level)');
    if (c.nheads !== 8) errs.push('multiscale needs nheads 8');
  }
  if (!Array.isArray(c.point2Hidden) || c.point2Hidden.some((w) => !Number.isInteger(w) || w < 1 || w > CONFIG_MAX.dimFeedforward)) {
    errs.push(`point2Hidden must be positive integers up to ${CONFIG_MAX.dimFeedforward}`);
  }
  return errs;
}
