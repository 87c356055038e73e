import { type BackboneName, type ModelConfig, OFFICIAL_CONDITIONAL_DETR_R50, OFFICIAL_DAB_DETR_R50, OFFICIAL_DEFORMABLE_DETR_R50, OFFICIAL_DETR_R50, OFFICIAL_R50, hasDetrInputSide, isDabDetr, isDeformableDetr } from '../model/config';
import { expectedStateDictShapes } from './expectedKeys';
import { formulaTensor } from './formulaWeights';
import { PyFloat, type SaveTensor, floatTensor } from './pickleWriter';
import { PyNamespace, PyOrderedDict, PyTuple } from './pyTypes';

/**
 * A full training checkpoint shaped like the official SAM-DETR ones (model, optimizer,
 * lr_scheduler, epoch, args), with the fixture weight formula instead of trained weights.
 * Tensors are computed only when the writer reaches them.
 */

/**
 * Variant names as the fixtures use them: r50_e12, r50_smca_e50, r50_dc5_smca_e12, r101_e50, ...,
 * multi-scale SAM-DETR's ms_r50_e12, ms_r50_smca_e50, ... (GroupNorm in input_proj whatever the
 * schedule, no DC5), official DETR's detr_r50, detr_r101, detr_r50_dc5, detr_r101_dc5 (its
 * 500-epoch releases), Conditional DETR's condetr_r50, ..., condetr_r101_dc5 (50 epochs) and
 * DAB-DETR's dabdetr_r50, dabdetr_r50_dc5, dabdetr_r101, ..., with `_pat3` for 3 patterns
 * (dabdetr_r50_pat3, dabdetr_r50_dc5_pat3; 50 epochs) and Deformable DETR's deform_r50,
 * deform_r50_refine (iterative box refinement), deform_r50_two_stage (refinement + two-stage),
 * also with r101 (50 epochs).
 */
export function variantConfig(variant: string): { config: ModelConfig; epochs: number } {
  const d = /^detr_r(50|101)(_dc5)?$/.exec(variant);
  if (d) return { config: { ...OFFICIAL_DETR_R50, backbone: `resnet${d[1]}` as BackboneName, dilation: !!d[2] }, epochs: 500 };
  const cd = /^condetr_r(50|101)(_dc5)?$/.exec(variant);
  if (cd) return { config: { ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: `resnet${cd[1]}` as BackboneName, dilation: !!cd[2] }, epochs: 50 };
  const dab = /^dabdetr_r(50|101)(_dc5)?(?:_pat(\d+))?$/.exec(variant);
  if (dab) return { config: { ...OFFICIAL_DAB_DETR_R50, backbone: `resnet${dab[1]}` as BackboneName, dilation: !!dab[2], numPatterns: Number(dab[3] ?? 0) }, epochs: 50 };
  const df = /^deform_r(50|101)(_refine|_two_stage)?$/.exec(variant);
  if (df) return { config: { ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: `resnet${df[1]}` as BackboneName, withBoxRefine: !!df[2], twoStage: df[2] === '_two_stage' }, epochs: 50 };
  const ms = /^ms_r50(_smca)?_e(\d+)$/.exec(variant);
  if (ms) return { config: { ...OFFICIAL_R50, multiscale: true, smca: !!ms[1], inputProjGroupNorm: true }, epochs: Number(ms[2]) };
  const m = /^r(18|34|50|101)(_dc5)?(_smca)?_e(\d+)$/.exec(variant);
  if (!m) throw new Error(`unknown variant "${variant}" (expected e.g. r50_e12, r50_smca_e50, r50_dc5_smca_e12, ms_r50_e12, ms_r50_smca_e50, detr_r50, detr_r101_dc5, condetr_r50_dc5, dabdetr_r50, dabdetr_r50_dc5_pat3, deform_r50, deform_r50_refine, deform_r50_two_stage)`);
  const epochs = Number(m[4]);
  const config: ModelConfig = {
    ...OFFICIAL_R50,
    backbone: `resnet${m[1]}` as BackboneName,
    dilation: !!m[2],
    smca: !!m[3],
    inputProjGroupNorm: epochs < 25,
  };
  return { config, epochs };
}

/** argparse.Namespace as the official main.py builds it (the fields that matter, and some that do not). */
function officialArgs(c: ModelConfig, epochs: number): PyNamespace<unknown> {
  const ns = new PyNamespace<unknown>();
  const f = (v: number) => new PyFloat(v);
  const fields: [string, unknown][] = [
    ['lr', f(1e-4)], ['lr_backbone', f(1e-5)], ['batch_size', 2], ['weight_decay', f(1e-4)],
    ['epochs', epochs], ['lr_drop', epochs < 25 ? 10 : 40], ['clip_max_norm', f(0.1)],
    ['frozen_weights', null], ['backbone', c.backbone], ['dilation', c.dilation], ['position_embedding', 'sine'],
    ['enc_layers', c.encLayers], ['dec_layers', c.decLayers], ['dim_feedforward', c.dimFeedforward],
    ['hidden_dim', c.hiddenDim], ['dropout', f(0.1)], ['nheads', c.nheads], ['num_queries', c.numQueries],
    ['multiscale', c.multiscale ?? false], ['smca', c.smca], ['aux_loss', true],
    ['set_cost_class', f(2)], ['set_cost_bbox', f(5)], ['set_cost_giou', f(2)],
    ['cls_loss_coef', f(2)], ['bbox_loss_coef', f(5)], ['giou_loss_coef', f(2)], ['focal_alpha', f(0.25)],
    ['dataset_file', 'coco'], ['coco_path', 'data/coco'], ['output_dir', 'output/sam_detr'], ['device', 'cuda'],
    ['seed', 42], ['resume', ''], ['start_epoch', 0], ['eval', false], ['num_workers', 2],
    ['world_size', 8], ['dist_url', 'env://'], ['distributed', true], ['lr_linear_proj_names', []], ['lr_linear_proj_mult', f(0.1)],
  ];
  for (const [k, v] of fields) ns.attrs.set(k, v);
  return ns;
}

/**
 * argparse.Namespace as DAB-DETR's main.py builds it for `-m dab_detr`: the fields that decide the
 * model (DC5, patterns, sine temperatures, activation, num_select) and some that do not.
 */
function dabDetrArgs(c: ModelConfig, epochs: number): PyNamespace<unknown> {
  const ns = new PyNamespace<unknown>();
  const f = (v: number) => new PyFloat(v);
  const [th, tw] = c.peTemperature ?? [20, 20];
  const fields: [string, unknown][] = [
    ['lr', f(1e-4)], ['lr_backbone', f(1e-5)], ['batch_size', 2], ['weight_decay', f(1e-4)],
    ['epochs', epochs], ['lr_drop', 40], ['clip_max_norm', f(0.1)], ['modelname', 'dab_detr'],
    ['frozen_weights', null], ['backbone', c.backbone], ['dilation', c.dilation], ['position_embedding', 'sine'],
    ['pe_temperatureH', th], ['pe_temperatureW', tw], ['batch_norm_type', 'FrozenBatchNorm2d'],
    ['enc_layers', c.encLayers], ['dec_layers', c.decLayers], ['dim_feedforward', c.dimFeedforward],
    ['hidden_dim', c.hiddenDim], ['dropout', f(0)], ['nheads', c.nheads], ['num_queries', c.numQueries],
    ['pre_norm', false], ['num_select', 300], ['transformer_activation', 'prelu'], ['num_patterns', c.numPatterns ?? 0],
    ['random_refpoints_xy', false], ['masks', false], ['aux_loss', true], ['focal_alpha', f(0.25)],
    ['dataset_file', 'coco'], ['coco_path', 'data/coco'], ['output_dir', 'logs/DABDETR/R50'], ['device', 'cuda'],
    ['seed', 42], ['resume', ''], ['start_epoch', 0], ['eval', false], ['num_workers', 10], ['distributed', true],
  ];
  for (const [k, v] of fields) ns.attrs.set(k, v);
  return ns;
}

/**
 * argparse.Namespace as Deformable DETR's main.py builds it: the fields that decide the model
 * (the variant, levels, points, FFN width, queries) and some that do not.
 */
function deformableDetrArgs(c: ModelConfig, epochs: number): PyNamespace<unknown> {
  const ns = new PyNamespace<unknown>();
  const f = (v: number) => new PyFloat(v);
  const fields: [string, unknown][] = [
    ['lr', f(2e-4)], ['lr_backbone_names', ['backbone.0']], ['lr_backbone', f(2e-5)],
    ['lr_linear_proj_names', ['reference_points', 'sampling_offsets']], ['lr_linear_proj_mult', f(0.1)],
    ['batch_size', 2], ['weight_decay', f(1e-4)], ['epochs', epochs], ['lr_drop', 40], ['lr_drop_epochs', null],
    ['clip_max_norm', f(0.1)], ['sgd', false], ['with_box_refine', c.withBoxRefine ?? false], ['two_stage', c.twoStage ?? false],
    ['frozen_weights', null], ['backbone', c.backbone], ['dilation', c.dilation], ['position_embedding', 'sine'],
    ['position_embedding_scale', f(2 * Math.PI)], ['num_feature_levels', 4], ['enc_layers', c.encLayers], ['dec_layers', c.decLayers],
    ['dim_feedforward', c.dimFeedforward], ['hidden_dim', c.hiddenDim], ['dropout', f(0.1)], ['nheads', c.nheads],
    ['num_queries', c.numQueries], ['dec_n_points', 4], ['enc_n_points', 4], ['masks', false], ['aux_loss', true],
    ['focal_alpha', f(0.25)], ['dataset_file', 'coco'], ['coco_path', './data/coco'], ['output_dir', 'exps/r50_deformable_detr'],
    ['device', 'cuda'], ['seed', 42], ['resume', ''], ['start_epoch', 0], ['eval', false], ['num_workers', 2], ['cache_mode', false],
    ['distributed', true],
  ];
  for (const [k, v] of fields) ns.attrs.set(k, v);
  return ns;
}

export interface FormulaCheckpointOptions {
  seed: number;
  epochs: number;
  /** Parameters that get AdamW exp_avg / exp_avg_sq tensors (present only to be skipped by readers). */
  optimizerStateFor?: string[];
}

export const DEFAULT_OPTIMIZER_STATE_FOR = [
  'backbone.0.body.layer4.0.downsample.0.weight',
  'transformer.encoder.layers.0.linear1.weight',
  'query_embed.weight',
  'class_embed.0.weight',
];

/** The object to torch.save. Each model tensor has its own storage with that name's formula values. */
export function formulaCheckpoint(config: ModelConfig, opts: FormulaCheckpointOptions): Record<string, unknown> {
  const layout = expectedStateDictShapes(config);
  const model = new PyOrderedDict<string, SaveTensor>();
  for (const [name, shape] of layout) model.set(name, floatTensor(shape, () => formulaTensor(name, shape, opts.seed)));

  // AdamW's state_dict: parameters are numbered in model.parameters() order; FrozenBatchNorm
  // buffers and the decoder's aliases of bbox_embed (and Deformable DETR's of class_embed, and its
  // plain model's one shared head under every index) are not parameters of their own.
  const shared = isDeformableDetr(config) && !config.withBoxRefine;
  const params = layout
    .map(([name]) => name)
    .filter((n) => !/(running_mean|running_var)$/.test(n) && !/\.(bn\d|downsample\.1)\./.test(n) && !/^transformer\.decoder\.(bbox|class)_embed\./.test(n))
    .filter((n) => !(shared && /^(class|bbox)_embed\.[1-9]/.test(n)));
  const state = new Map<number, Map<string, SaveTensor | number>>();
  for (const name of opts.optimizerStateFor ?? DEFAULT_OPTIMIZER_STATE_FOR) {
    const i = params.indexOf(name);
    const shape = layout.find(([n]) => n === name)?.[1];
    if (i < 0 || !shape) continue;
    state.set(i, new Map<string, SaveTensor | number>([
      ['step', floatTensor([], () => Float32Array.of(opts.epochs * 1000))],
      ['exp_avg', floatTensor(shape, () => formulaTensor(`optimizer.${name}.exp_avg`, shape, opts.seed))],
      ['exp_avg_sq', floatTensor(shape, () => formulaTensor(`optimizer.${name}.exp_avg_sq`, shape, opts.seed).map(Math.abs))],
    ]));
  }
  const group = (lr: number, ids: number[]) => new Map<string, unknown>([
    ['lr', new PyFloat(lr)], ['betas', new PyTuple([new PyFloat(0.9), new PyFloat(0.999)])], ['eps', new PyFloat(1e-8)],
    ['weight_decay', new PyFloat(1e-4)], ['amsgrad', false], ['maximize', false], ['foreach', null], ['capturable', false],
    ['initial_lr', new PyFloat(lr)], ['params', ids],
  ]);
  const ids = params.map((_, i) => i);
  const isBackbone = (i: number) => params[i].startsWith('backbone.');
  const optimizer = {
    state,
    param_groups: [group(1e-4, ids.filter((i) => !isBackbone(i))), group(1e-5, ids.filter(isBackbone))],
  };
  const lrDrop = opts.epochs < 25 ? 10 : 40;
  const lrScheduler = {
    step_size: lrDrop, gamma: new PyFloat(0.1), base_lrs: [new PyFloat(1e-4), new PyFloat(1e-5)], last_epoch: opts.epochs,
    verbose: false, _step_count: opts.epochs + 1, _get_lr_called_within_step: false,
    _last_lr: [new PyFloat(1e-4 * 0.1 ** Math.floor(opts.epochs / lrDrop)), new PyFloat(1e-5 * 0.1 ** Math.floor(opts.epochs / lrDrop))],
  };
  const args = isDabDetr(config) ? dabDetrArgs(config, opts.epochs) : isDeformableDetr(config) ? deformableDetrArgs(config, opts.epochs) : officialArgs(config, opts.epochs);
  return { model, optimizer, lr_scheduler: lrScheduler, epoch: opts.epochs - 1, args };
}

/**
 * An official DETR checkpoint as facebookresearch/detr released them: `{"model": state_dict}`
 * and nothing else (no args, so DC5 shows only in the file name), with formula weights under
 * the official names and in state_dict() order. `config` must be an official DETR config
 * (e.g. OFFICIAL_DETR_R50, or variantConfig('detr_r101_dc5').config) or a Conditional DETR one
 * (OFFICIAL_CONDITIONAL_DETR_R50, variantConfig('condetr_r50_dc5').config), whose torch.hub
 * files are read the same way (`checkpoint["model"]`).
 */
export function formulaDetrCheckpoint(config: ModelConfig, opts: { seed: number }): Record<string, unknown> {
  if (!hasDetrInputSide(config)) throw new Error('formulaDetrCheckpoint needs an official DETR config (decoder "detr", detrStyle "official") or a Conditional DETR or DAB-DETR one (decoder "conditional" or "dab")');
  const model = new PyOrderedDict<string, SaveTensor>();
  for (const [name, shape] of expectedStateDictShapes(config)) model.set(name, floatTensor(shape, () => formulaTensor(name, shape, opts.seed)));
  return { model };
}

/**
 * The checkpoint object for a variant: official (or Conditional) DETR's release format, or a
 * training checkpoint with args (SAM-DETR's; DAB-DETR's and Deformable DETR's, whose released
 * files are their training checkpoints: model, optimizer, lr_scheduler, epoch, args).
 */
export function variantCheckpoint(variant: string, seed: number): Record<string, unknown> {
  const { config, epochs } = variantConfig(variant);
  return hasDetrInputSide(config) && !isDabDetr(config) ? formulaDetrCheckpoint(config, { seed }) : formulaCheckpoint(config, { seed, epochs });
}
