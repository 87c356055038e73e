import { type ModelConfig, stageBlocks, backboneChannels, isOfficialDetr, isConditionalDetr, isDabDetr, isDeformableDetr, MS_LEVELS, MS_POINTS, DEFORM_LEVELS, DEFORM_POINTS, msEncoderFeedforward, msBackboneChannels } from './config';

/**
 * The state_dict names and shapes a config has, in the order the official model's
 * `state_dict()` lists them. SAM-DETR names are the official ones; the DETR-style
 * baseline (our own) reuses them where the module is the same and names its standard
 * attention `self_attn.in_proj_*` / `cross_attn.in_proj_*` (packed q, k, v as nn.MultiheadAttention)
 * and its learned query embedding `query_pos_embed.weight`. Official DETR (facebookresearch/detr)
 * has its own names, see officialDetrLayout, and so have Conditional DETR and DAB-DETR, see
 * conditionalDetrLayout and dabDetrLayout.
 */
export type Layout = [string, number[]][];

function linear(out: Layout, name: string, inDim: number, outDim: number): void {
  out.push([`${name}.weight`, [outDim, inDim]], [`${name}.bias`, [outDim]]);
}

function norm(out: Layout, name: string, dim: number): void {
  out.push([`${name}.weight`, [dim]], [`${name}.bias`, [dim]]);
}

function frozenBn(out: Layout, name: string, dim: number): void {
  out.push([`${name}.weight`, [dim]], [`${name}.bias`, [dim]], [`${name}.running_mean`, [dim]], [`${name}.running_var`, [dim]]);
}

function mlp(out: Layout, name: string, inDim: number, hidden: number, outDim: number, layers: number): void {
  for (let i = 0; i < layers; i++) {
    linear(out, `${name}.layers.${i}`, i === 0 ? inDim : hidden, i === layers - 1 ? outDim : hidden);
  }
}

function backboneLayout(out: Layout, c: ModelConfig): void {
  const p = 'backbone.0.body';
  const w = c.backboneWidth;
  const bottleneck = c.backbone === 'resnet50' || c.backbone === 'resnet101';
  const expansion = bottleneck ? 4 : 1;
  out.push([`${p}.conv1.weight`, [w, 3, 7, 7]]);
  frozenBn(out, `${p}.bn1`, w);
  let inCh = w;
  stageBlocks(c.backbone).forEach((n, s) => {
    const planes = w * 2 ** s;
    for (let b = 0; b < n; b++) {
      const q = `${p}.layer${s + 1}.${b}`;
      if (bottleneck) {
        out.push([`${q}.conv1.weight`, [planes, inCh, 1, 1]]);
        frozenBn(out, `${q}.bn1`, planes);
        out.push([`${q}.conv2.weight`, [planes, planes, 3, 3]]);
        frozenBn(out, `${q}.bn2`, planes);
        out.push([`${q}.conv3.weight`, [planes * 4, planes, 1, 1]]);
        frozenBn(out, `${q}.bn3`, planes * 4);
      } else {
        out.push([`${q}.conv1.weight`, [planes, inCh, 3, 3]]);
        frozenBn(out, `${q}.bn1`, planes);
        out.push([`${q}.conv2.weight`, [planes, planes, 3, 3]]);
        frozenBn(out, `${q}.bn2`, planes);
      }
      const needsDown = b === 0 && (s > 0 || inCh !== planes * expansion);
      if (needsDown) {
        out.push([`${q}.downsample.0.weight`, [planes * expansion, inCh, 1, 1]]);
        frozenBn(out, `${q}.downsample.1`, planes * expansion);
      }
      inCh = planes * expansion;
    }
  });
}

/** nn.MultiheadAttention: packed q, k, v projection, then out_proj. */
function multiheadAttention(out: Layout, name: string, d: number): void {
  out.push([`${name}.in_proj_weight`, [3 * d, d]], [`${name}.in_proj_bias`, [3 * d]]);
  linear(out, `${name}.out_proj`, d, d);
}

/**
 * facebookresearch/detr's state_dict, in its order: transformer, the decoder's shared output
 * norm, the shared heads (class_embed is numClasses + 1 wide: the last is "no object"),
 * query_embed (the query positions, [nq, hidden]), input_proj (a plain 1x1 conv), backbone.
 */
function officialDetrLayout(c: ModelConfig): Layout {
  const out: Layout = [];
  const d = c.hiddenDim;
  detrEncoderLayout(out, c);
  for (let l = 0; l < c.decLayers; l++) {
    const p = `transformer.decoder.layers.${l}`;
    multiheadAttention(out, `${p}.self_attn`, d);
    multiheadAttention(out, `${p}.multihead_attn`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    for (const n of ['norm1', 'norm2', 'norm3']) norm(out, `${p}.${n}`, d);
  }
  norm(out, 'transformer.decoder.norm', d);
  linear(out, 'class_embed', d, c.numClasses + 1);
  mlp(out, 'bbox_embed', d, d, 4, 3);
  out.push(['query_embed.weight', [c.numQueries, d]]);
  out.push(['input_proj.weight', [d, backboneChannels(c), 1, 1]], ['input_proj.bias', [d]]);
  backboneLayout(out, c);
  return out;
}

/** facebookresearch/detr's encoder layers, in its state_dict order (Conditional DETR's are the same). */
function detrEncoderLayout(out: Layout, c: ModelConfig): void {
  const d = c.hiddenDim;
  for (let l = 0; l < c.encLayers; l++) {
    const p = `transformer.encoder.layers.${l}`;
    multiheadAttention(out, `${p}.self_attn`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    for (const n of ['norm1', 'norm2']) norm(out, `${p}.${n}`, d);
  }
}

/**
 * Atten4Vis/ConditionalDETR's state_dict, in its order: DETR's encoder; decoder layers with
 * separate content and position projections (`sa_*`, `ca_*`; `ca_qpos_proj` only in layer 0,
 * the official decoder sets the others to None) and attention modules that keep only out_proj;
 * the shared decoder norm, `query_scale` and `ref_point_head` (2-layer MLPs); the shared heads
 * (class_embed numClasses wide: sigmoid focal, no "no object"); query_embed (the learned query
 * positions, [nq, hidden]); input_proj (a plain 1x1 conv); backbone.
 */
function conditionalDetrLayout(c: ModelConfig): Layout {
  const out: Layout = [];
  const d = c.hiddenDim;
  detrEncoderLayout(out, c);
  for (let l = 0; l < c.decLayers; l++) {
    const p = `transformer.decoder.layers.${l}`;
    for (const n of ['sa_qcontent_proj', 'sa_qpos_proj', 'sa_kcontent_proj', 'sa_kpos_proj', 'sa_v_proj']) linear(out, `${p}.${n}`, d, d);
    linear(out, `${p}.self_attn.out_proj`, d, d);
    const ca = ['ca_qcontent_proj', ...(l === 0 ? ['ca_qpos_proj'] : []), 'ca_kcontent_proj', 'ca_kpos_proj', 'ca_v_proj', 'ca_qpos_sine_proj'];
    for (const n of ca) linear(out, `${p}.${n}`, d, d);
    linear(out, `${p}.cross_attn.out_proj`, d, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    for (const n of ['norm1', 'norm2', 'norm3']) norm(out, `${p}.${n}`, d);
  }
  norm(out, 'transformer.decoder.norm', d);
  mlp(out, 'transformer.decoder.query_scale', d, d, d, 2);
  mlp(out, 'transformer.decoder.ref_point_head', d, d, 2, 2);
  linear(out, 'class_embed', d, c.numClasses);
  mlp(out, 'bbox_embed', d, d, 4, 3);
  out.push(['query_embed.weight', [c.numQueries, d]]);
  out.push(['input_proj.weight', [d, backboneChannels(c), 1, 1]], ['input_proj.bias', [d]]);
  backboneLayout(out, c);
  return out;
}

/**
 * IDEA-Research/DAB-DETR's state_dict (`dab_detr`), in its order: DETR's encoder layers, each
 * with its PReLU slope (`activation.weight`, [1]) last, and the encoder's `query_scale`; decoder
 * layers named as Conditional DETR's (`ca_qpos_proj` only in layer 0), PReLU slope last; the
 * decoder's norm, `query_scale`, `ref_point_head` (from the anchor's 4-axis sine embedding, 2C
 * wide), `ref_anchor_head` (C -> 2) and `bbox_embed`, which is the model's own `bbox_embed`
 * listed a second time (one module, two names: the fixtures and the released files hold the
 * same values under both); `transformer.patterns` with patterns; the heads; `refpoint_embed`
 * (the [nq, 4] anchors before the sigmoid); input_proj (a plain 1x1 conv); backbone.
 */
function dabDetrLayout(c: ModelConfig): Layout {
  const out: Layout = [];
  const d = c.hiddenDim;
  for (let l = 0; l < c.encLayers; l++) {
    const p = `transformer.encoder.layers.${l}`;
    multiheadAttention(out, `${p}.self_attn`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    for (const n of ['norm1', 'norm2']) norm(out, `${p}.${n}`, d);
    out.push([`${p}.activation.weight`, [1]]);
  }
  mlp(out, 'transformer.encoder.query_scale', d, d, d, 2);
  for (let l = 0; l < c.decLayers; l++) {
    const p = `transformer.decoder.layers.${l}`;
    for (const n of ['sa_qcontent_proj', 'sa_qpos_proj', 'sa_kcontent_proj', 'sa_kpos_proj', 'sa_v_proj']) linear(out, `${p}.${n}`, d, d);
    linear(out, `${p}.self_attn.out_proj`, d, d);
    norm(out, `${p}.norm1`, d);
    const ca = ['ca_qcontent_proj', ...(l === 0 ? ['ca_qpos_proj'] : []), 'ca_kcontent_proj', 'ca_kpos_proj', 'ca_v_proj', 'ca_qpos_sine_proj'];
    for (const n of ca) linear(out, `${p}.${n}`, d, d);
    linear(out, `${p}.cross_attn.out_proj`, d, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    for (const n of ['norm2', 'norm3']) norm(out, `${p}.${n}`, d);
    out.push([`${p}.activation.weight`, [1]]);
  }
  norm(out, 'transformer.decoder.norm', d);
  mlp(out, 'transformer.decoder.query_scale', d, d, d, 2);
  mlp(out, 'transformer.decoder.ref_point_head', 2 * d, d, d, 2);
  mlp(out, 'transformer.decoder.ref_anchor_head', d, d, 2, 2);
  mlp(out, 'transformer.decoder.bbox_embed', d, d, 4, 3);
  if (c.numPatterns) out.push(['transformer.patterns.weight', [c.numPatterns, d]]);
  linear(out, 'class_embed', d, c.numClasses);
  mlp(out, 'bbox_embed', d, d, 4, 3);
  out.push(['refpoint_embed.weight', [c.numQueries, 4]]);
  out.push(['input_proj.weight', [d, backboneChannels(c), 1, 1]], ['input_proj.bias', [d]]);
  backboneLayout(out, c);
  return out;
}

/** MSDeformAttn's four linear layers (`levels` x `points` sampling points per head). */
function msDeformAttn(out: Layout, name: string, c: ModelConfig, levels: number, points: number): void {
  const d = c.hiddenDim;
  linear(out, `${name}.sampling_offsets`, d, c.nheads * levels * points * 2);
  linear(out, `${name}.attention_weights`, d, c.nheads * levels * points);
  linear(out, `${name}.value_proj`, d, d);
  linear(out, `${name}.output_proj`, d, d);
}

/**
 * fundamentalvision/Deformable-DETR's state_dict, in its order: the level embedding; encoder
 * layers (MSDeformAttn, norm1, FFN, norm2); decoder layers (deformable cross_attn, norm1, packed
 * self_attn, norm2, FFN, norm3); with box refinement the decoder's `bbox_embed` (the model's own
 * box heads listed a second time: one module per layer, two names); two-stage adds the decoder's
 * `class_embed` (likewise the model's) and the proposal heads `enc_output`(_norm) and
 * `pos_trans`(_norm); without two-stage `reference_points` (C -> 2). Then class_embed and
 * bbox_embed, one per decoder layer (plus one for the encoder's proposals with two-stage: the
 * plain model lists the same shared head under every index), query_embed ([nq, 2C]: query
 * position and content) without two-stage, input_proj (1x1 conv + GroupNorm per backbone level,
 * 3x3 stride-2 conv + GroupNorm for the fourth) and the backbone.
 */
function deformableDetrLayout(c: ModelConfig): Layout {
  const out: Layout = [];
  const d = c.hiddenDim;
  out.push(['transformer.level_embed', [DEFORM_LEVELS, d]]);
  for (let l = 0; l < c.encLayers; l++) {
    const p = `transformer.encoder.layers.${l}`;
    msDeformAttn(out, `${p}.self_attn`, c, DEFORM_LEVELS, DEFORM_POINTS);
    norm(out, `${p}.norm1`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    norm(out, `${p}.norm2`, d);
  }
  for (let l = 0; l < c.decLayers; l++) {
    const p = `transformer.decoder.layers.${l}`;
    msDeformAttn(out, `${p}.cross_attn`, c, DEFORM_LEVELS, DEFORM_POINTS);
    norm(out, `${p}.norm1`, d);
    multiheadAttention(out, `${p}.self_attn`, d);
    norm(out, `${p}.norm2`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    norm(out, `${p}.norm3`, d);
  }
  const heads = c.decLayers + (c.twoStage ? 1 : 0);
  if (c.withBoxRefine) for (let l = 0; l < heads; l++) mlp(out, `transformer.decoder.bbox_embed.${l}`, d, d, 4, 3);
  if (c.twoStage) {
    for (let l = 0; l < heads; l++) linear(out, `transformer.decoder.class_embed.${l}`, d, c.numClasses);
    linear(out, 'transformer.enc_output', d, d);
    norm(out, 'transformer.enc_output_norm', d);
    linear(out, 'transformer.pos_trans', 2 * d, 2 * d);
    norm(out, 'transformer.pos_trans_norm', 2 * d);
  } else {
    linear(out, 'transformer.reference_points', d, 2);
  }
  for (let l = 0; l < heads; l++) linear(out, `class_embed.${l}`, d, c.numClasses);
  for (let l = 0; l < heads; l++) mlp(out, `bbox_embed.${l}`, d, d, 4, 3);
  if (!c.twoStage) out.push(['query_embed.weight', [c.numQueries, 2 * d]]);
  msBackboneChannels(c).forEach((ch, lvl) => {
    out.push([`input_proj.${lvl}.0.weight`, [d, ch, 1, 1]], [`input_proj.${lvl}.0.bias`, [d]]);
    norm(out, `input_proj.${lvl}.1`, d);
  });
  out.push([`input_proj.3.0.weight`, [d, backboneChannels(c), 3, 3]], ['input_proj.3.0.bias', [d]]);
  norm(out, 'input_proj.3.1', d);
  backboneLayout(out, c);
  return out;
}

export function stateDictLayout(c: ModelConfig): Layout {
  if (isDeformableDetr(c)) return deformableDetrLayout(c);
  if (isOfficialDetr(c)) return officialDetrLayout(c);
  if (isConditionalDetr(c)) return conditionalDetrLayout(c);
  if (isDabDetr(c)) return dabDetrLayout(c);
  const out: Layout = [];
  const d = c.hiddenDim;
  backboneLayout(out, c);
  if (c.multiscale) {
    // Multi-scale: the level embedding, then Deformable DETR's encoder layers (MSDeformAttn).
    out.push(['transformer.level_embed', [MS_LEVELS, d]]);
    for (let l = 0; l < c.encLayers; l++) {
      const p = `transformer.encoder.layers.${l}`;
      linear(out, `${p}.self_attn.sampling_offsets`, d, c.nheads * MS_LEVELS * MS_POINTS * 2);
      linear(out, `${p}.self_attn.attention_weights`, d, c.nheads * MS_LEVELS * MS_POINTS);
      linear(out, `${p}.self_attn.value_proj`, d, d);
      linear(out, `${p}.self_attn.output_proj`, d, d);
      norm(out, `${p}.norm1`, d);
      linear(out, `${p}.linear1`, d, msEncoderFeedforward(c));
      linear(out, `${p}.linear2`, msEncoderFeedforward(c), d);
      norm(out, `${p}.norm2`, d);
    }
  }
  for (let l = 0; l < (c.multiscale ? 0 : c.encLayers); l++) {
    const p = `transformer.encoder.layers.${l}`;
    out.push([`${p}.self_attn.in_proj_weight`, [3 * d, d]], [`${p}.self_attn.in_proj_bias`, [3 * d]]);
    linear(out, `${p}.self_attn.out_proj`, d, d);
    norm(out, `${p}.norm1`, d);
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    norm(out, `${p}.norm2`, d);
  }
  for (let l = 0; l < c.decLayers; l++) {
    const p = `transformer.decoder.layers.${l}`;
    if (c.decoder === 'sam') {
      for (const n of ['sa_qcontent_proj', 'sa_qpos_proj', 'sa_kcontent_proj', 'sa_kpos_proj', 'sa_v_proj']) linear(out, `${p}.${n}`, d, d);
      linear(out, `${p}.self_attn.out_proj`, d, d);
      norm(out, `${p}.norm1`, d);
      for (const n of ['ca_qcontent_proj', 'ca_kcontent_proj', 'ca_v_proj']) linear(out, `${p}.${n}`, d, d);
      mlp(out, `${p}.ca_qpos_sine_proj`, d, d, d, 2);
      mlp(out, `${p}.ca_kpos_sine_proj`, d, d, d, 2);
      linear(out, `${p}.cross_attn.out_proj`, d, d);
      norm(out, `${p}.norm2`, d);
      out.push([`${p}.point1.0.weight`, [d / 4, d, 1, 1]], [`${p}.point1.0.bias`, [d / 4]]);
      const widths = [(d / 4) * 49, ...c.point2Hidden, c.nheads * (c.smca ? 4 : 2)];
      for (let i = 0; i + 1 < widths.length; i++) linear(out, `${p}.point2.${2 * i}`, widths[i], widths[i + 1]);
      linear(out, `${p}.attn1`, d, d * c.nheads);
      linear(out, `${p}.attn2`, d, d * c.nheads);
    } else {
      out.push([`${p}.self_attn.in_proj_weight`, [3 * d, d]], [`${p}.self_attn.in_proj_bias`, [3 * d]]);
      linear(out, `${p}.self_attn.out_proj`, d, d);
      norm(out, `${p}.norm1`, d);
      out.push([`${p}.cross_attn.in_proj_weight`, [3 * d, d]], [`${p}.cross_attn.in_proj_bias`, [3 * d]]);
      linear(out, `${p}.cross_attn.out_proj`, d, d);
      norm(out, `${p}.norm2`, d);
    }
    linear(out, `${p}.linear1`, d, c.dimFeedforward);
    linear(out, `${p}.linear2`, c.dimFeedforward, d);
    norm(out, `${p}.norm3`, d);
  }
  // The decoder holds the same bbox_embed modules as the model; state_dict() lists them twice.
  for (let l = 0; l < c.decLayers; l++) mlp(out, `transformer.decoder.bbox_embed.${l}`, d, d, 4, 3);
  out.push(['query_embed.weight', [c.numQueries, 4]]);
  if (c.decoder === 'detr') out.push(['query_pos_embed.weight', [c.numQueries, d]]);
  if (c.multiscale) {
    msBackboneChannels(c).forEach((ch, lvl) => {
      out.push([`input_proj.${lvl}.0.weight`, [d, ch, 1, 1]], [`input_proj.${lvl}.0.bias`, [d]]);
      norm(out, `input_proj.${lvl}.1`, d);
    });
  } else {
    out.push(['input_proj.0.0.weight', [d, backboneChannels(c), 1, 1]], ['input_proj.0.0.bias', [d]]);
    if (c.inputProjGroupNorm) norm(out, 'input_proj.0.1', d);
  }
  for (let l = 0; l < c.decLayers; l++) linear(out, `class_embed.${l}`, d, c.numClasses);
  for (let l = 0; l < c.decLayers; l++) mlp(out, `bbox_embed.${l}`, d, d, 4, 3);
  return out;
}
