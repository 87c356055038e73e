import { type ModelConfig, OFFICIAL_R50, OFFICIAL_DETR_R50, OFFICIAL_CONDITIONAL_DETR_R50, OFFICIAL_DAB_DETR_R50, OFFICIAL_DEFORMABLE_DETR_R50, MS_LEVELS, MS_POINTS, DEFORM_LEVELS, DEFORM_POINTS, msDecoderLevel } from '../model/config';
import { sigmoidTopK } from '../model/scoring';

/** One tensor of a parity fixture (see test/fixtures/official/README.md). */
export interface FixtureTensor {
  name: string;
  dtype: 'float32' | 'uint8' | 'int32';
  shape: number[];
  data: Float32Array | Uint8Array | Int32Array;
  note?: string;
}

export interface Fixture {
  variant: string;
  weightSeed: number;
  config: ModelConfig;
  imageSizes: [number, number][];
  targetSizes: [number, number][];
  tensors: Map<string, FixtureTensor>;
}

const KNOWN_KEYS = ['backbone', 'dilation', 'smca', 'input_proj_groupnorm', 'hidden_dim', 'nheads', 'num_queries', 'enc_layers', 'dec_layers', 'dim_feedforward', 'num_classes', 'class_head', 'pre_norm',
  // multi-scale SAM-DETR: its hard-coded values are checked, epochs only names the schedule
  'multiscale', 'num_feature_levels', 'feature_strides', 'encoder_dim_feedforward', 'encoder_points', 'decoder_level_of_layer', 'epochs',
  // DAB-DETR: patterns and the sine temperatures are read; what the model hard-codes is checked
  'num_patterns', 'transformer_activation', 'pe_temperature', 'num_select', 'query_dim', 'iter_update',
  // Deformable DETR: the variant is read; the levels and points it hard-codes are checked
  'enc_n_points', 'dec_n_points', 'with_box_refine', 'two_stage'];

/** DAB-DETR's fixed choices: a fixture that says otherwise describes a model this one is not. */
function checkDabDetrFixed(raw: Record<string, unknown>, config: ModelConfig): void {
  const want: [string, unknown][] = [['transformer_activation', 'prelu'], ['query_dim', 4], ['iter_update', true], ['num_select', sigmoidTopK(config)]];
  for (const [k, v] of want) {
    if (raw[k] !== undefined && raw[k] !== v) throw new Error(`DAB-DETR ${k} ${JSON.stringify(raw[k])} is not the model's ${JSON.stringify(v)}`);
  }
}

/**
 * Maps a fixture's official-style config onto ours; unknown keys are an error, not a guess.
 * `family` is the manifest's: absent for SAM-DETR, 'detr' for facebookresearch/detr,
 * 'conditional-detr' for Atten4Vis/ConditionalDETR, 'dab-detr' for IDEA-Research/DAB-DETR,
 * 'deformable-detr' for fundamentalvision/Deformable-DETR.
 */
export function configFromFixture(raw: Record<string, unknown>, family?: string): ModelConfig {
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.includes(k));
  if (unknown.length) throw new Error(`unknown config keys in fixture: ${unknown.join(', ')}`);
  if (family !== undefined && !['samdetr', 'detr', 'conditional-detr', 'dab-detr', 'deformable-detr'].includes(family)) throw new Error(`unknown model family "${family}"`);
  const detr = family === 'detr';
  const conditional = family === 'conditional-detr';
  const dab = family === 'dab-detr';
  const deformable = family === 'deformable-detr';
  // DETR's head is a softmax with a no-object class and its layers post-norm; the model has nothing else.
  if (raw.class_head !== undefined && !String(raw.class_head).startsWith(detr ? 'softmax' : 'sigmoid')) throw new Error(`unsupported class_head "${String(raw.class_head)}"`);
  if (raw.pre_norm) throw new Error('pre_norm DETR is not supported');
  const backbone = raw.backbone ?? 'resnet50';
  if (!['resnet18', 'resnet34', 'resnet50', 'resnet101'].includes(String(backbone))) throw new Error(`unknown backbone "${String(backbone)}"`);
  const base = detr ? OFFICIAL_DETR_R50 : conditional ? OFFICIAL_CONDITIONAL_DETR_R50 : dab ? OFFICIAL_DAB_DETR_R50 : deformable ? OFFICIAL_DEFORMABLE_DETR_R50 : OFFICIAL_R50;
  if (!deformable && ['enc_n_points', 'dec_n_points', 'with_box_refine', 'two_stage'].some((k) => raw[k] !== undefined)) throw new Error('Deformable DETR config keys in a fixture of another family');
  if (!dab && ['num_patterns', 'transformer_activation', 'pe_temperature', 'num_select', 'query_dim', 'iter_update'].some((k) => raw[k] !== undefined)) throw new Error('DAB-DETR config keys in a fixture of another family');
  const num = (k: string, d: number) => (raw[k] === undefined ? d : Number(raw[k]));
  const multiscale = Boolean(raw.multiscale);
  if (multiscale) {
    const same = (k: string, want: unknown) => {
      if (raw[k] !== undefined && JSON.stringify(raw[k]) !== JSON.stringify(want)) throw new Error(`multiscale ${k} ${JSON.stringify(raw[k])} is not the official ${JSON.stringify(want)}`);
    };
    same('num_feature_levels', MS_LEVELS);
    same('feature_strides', [8, 16, 32]);
    same('encoder_points', MS_POINTS);
    same('encoder_dim_feedforward', Math.floor(num('dim_feedforward', 2048) / 2));
    same('decoder_level_of_layer', Array.from({ length: num('dec_layers', 6) }, (_, l) => msDecoderLevel(l)));
  }
  const deformableFields: Partial<ModelConfig> = {};
  if (deformable) {
    for (const [k, want] of [['num_feature_levels', DEFORM_LEVELS], ['enc_n_points', DEFORM_POINTS], ['dec_n_points', DEFORM_POINTS]] as const) {
      if (raw[k] !== undefined && raw[k] !== want) throw new Error(`Deformable DETR ${k} ${JSON.stringify(raw[k])} is not the model's ${want}`);
    }
    deformableFields.withBoxRefine = Boolean(raw.with_box_refine);
    deformableFields.twoStage = Boolean(raw.two_stage);
  }
  const dabFields: Partial<ModelConfig> = {};
  if (dab) {
    dabFields.numPatterns = num('num_patterns', 0);
    const t = raw.pe_temperature;
    if (t !== undefined) {
      if (!Array.isArray(t) || t.length !== 2) throw new Error(`pe_temperature ${JSON.stringify(t)} is not [H, W]`);
      dabFields.peTemperature = [Number(t[0]), Number(t[1])];
    }
  }
  const config: ModelConfig = {
    ...base,
    ...(multiscale ? { multiscale } : {}),
    ...dabFields,
    ...deformableFields,
    backbone: backbone as ModelConfig['backbone'],
    dilation: Boolean(raw.dilation),
    smca: Boolean(raw.smca),
    inputProjGroupNorm: deformable || Boolean(raw.input_proj_groupnorm),
    hiddenDim: num('hidden_dim', 256),
    nheads: num('nheads', 8),
    numQueries: num('num_queries', base.numQueries),
    encLayers: num('enc_layers', 6),
    decLayers: num('dec_layers', 6),
    dimFeedforward: num('dim_feedforward', base.dimFeedforward),
    numClasses: num('num_classes', 91),
  };
  if (dab) checkDabDetrFixed(raw, config);
  return config;
}

/** Parses manifest.json text plus the bytes of tensors.bin. */
export function parseFixture(manifestText: string, bin: ArrayBuffer): Fixture {
  const m = JSON.parse(manifestText);
  const tensors = new Map<string, FixtureTensor>();
  for (const t of m.tensors as { name: string; dtype: string; shape: number[]; offset: number; bytes: number; note?: string }[]) {
    if (t.offset + t.bytes > bin.byteLength) throw new Error(`tensor ${t.name} lies past the end of tensors.bin (truncated file?)`);
    const slice = bin.slice(t.offset, t.offset + t.bytes);
    let data: FixtureTensor['data'];
    if (t.dtype === 'float32') data = new Float32Array(slice);
    else if (t.dtype === 'int32') data = new Int32Array(slice);
    else if (t.dtype === 'uint8') data = new Uint8Array(slice);
    else throw new Error(`unknown dtype ${t.dtype} for ${t.name}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`tensor ${t.name}: ${data.length} elements but shape [${t.shape}]`);
    tensors.set(t.name, { name: t.name, dtype: t.dtype as FixtureTensor['dtype'], shape: t.shape, data, note: t.note });
  }
  return {
    variant: m.variant ?? 'unnamed',
    weightSeed: m.weight_seed ?? 0,
    config: configFromFixture(m.config ?? {}, m.family),
    imageSizes: m.image_sizes,
    targetSizes: m.postprocess_target_sizes ?? m.image_sizes,
    tensors,
  };
}
