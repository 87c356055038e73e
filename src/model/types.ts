import type * as tf from '@tensorflow/tfjs';

/**
 * Weights keyed by the official PyTorch state_dict names
 * (e.g. `transformer.decoder.layers.3.point2.6.bias`), in PyTorch layouts
 * (Linear: [out, in]; Conv2d: [out, in, kh, kw]). The model converts layouts once on build.
 */
export type StateDict = Map<string, { shape: number[]; data: Float32Array }>;

/** A batch ready for the model: NHWC normalized images and a padding mask (1 = padded). */
export interface ImageBatch {
  images: tf.Tensor4D; // [B, H, W, 3]
  mask: tf.Tensor3D; // [B, H, W], float 0/1
  /** Unpadded size of each image in the batch, [h, w]. */
  sizes: [number, number][];
}

/** What the encoder produced; enough to re-run the decoder alone. */
export interface EncoderOutput {
  /** [B, h*w, C] encoder memory, row-major over (h, w). */
  memory: tf.Tensor3D;
  /** [B, h*w, C] sine position embedding of the feature map. */
  pos: tf.Tensor3D;
  /** [B, h*w] 1 where padded. */
  maskFlat: tf.Tensor2D;
  featH: number;
  featW: number;
  /** Size [H, W] of the (resized, padded) input tensor, to turn relative coordinates into pixels. */
  inputSize: [number, number];
  /** [B, 2] valid ratio (w, h) of each image on the feature map. */
  validRatio: tf.Tensor2D;
  /** Inputs of each encoder layer ([B, h*w, C]), kept so the encoder self-attention row of a location can be recomputed on demand. */
  layerInputs: tf.Tensor3D[];
  /**
   * Multi-scale models only: each feature level (stride 8, 16, 32) as its decoder layers read it
   * (memory, pos = sine + level_embed, mask, size, valid ratio). The top-level fields then hold
   * the levels concatenated ([B, sum(h*w), C]) with featH/featW/validRatio those of level 0.
   */
  levels?: LevelMemory[];
}

/** One feature level of a multi-scale encoder output. */
export interface LevelMemory {
  memory: tf.Tensor3D;
  pos: tf.Tensor3D;
  maskFlat: tf.Tensor2D;
  featH: number;
  featW: number;
  validRatio: tf.Tensor2D;
}

/** What one decoder layer did, as tensors (pull only the slices you show). */
export interface DecoderLayerTrace {
  /**
   * [B, nq, 4] reference boxes (sigmoid, cxcywh, relative to the padded batch tensor); absent for official DETR, which has none.
   * DAB-DETR: the anchor box the layer reads (layer 0: sigmoid(refpoint_embed); then the previous layer's refinement), one per query slot.
   */
  referenceBoxes?: tf.Tensor3D;
  /** SAM only: [B, nq, 4] RoIAlign boxes x1y1x2y2 in feature-map cells (before aligned=True's -0.5). */
  roiBoxes?: tf.Tensor3D;
  /** SAM only: [B, nq, heads, 2] tanh offsets in [-1, 1] inside the RoI (x, y). */
  salientOffsets?: tf.Tensor4D;
  /** SAM only: [B, nq, heads, 2] salient points, (x, y) relative to the padded batch tensor in [0,1]. */
  salientPoints?: tf.Tensor4D;
  /** SAM only: [B, nq, heads, 2] salient points in pixels of the input tensor (divide by the preprocess scale for original-image pixels). */
  salientPointsPx?: tf.Tensor4D;
  /** SAM only: [B, nq, heads*2 or heads*4] raw point2 output. */
  point2Out?: tf.Tensor3D;
  /** SMCA only: [B, nq, heads, 2] predicted scales (x, y). */
  smcaScales?: tf.Tensor4D;
  /** SMCA only: [B, heads, nq, h*w] log-weight map added to the logits (zeros never stored when prior is off). */
  gaussian?: tf.Tensor4D;
  /**
   * [B, nq, 2] reference point, (x, y) in [0, 1] of the padded batch tensor. Conditional DETR:
   * s = sigmoid(ref_point_head(query position)), the same in every layer. Deformable DETR: the point
   * the layer reads, sigmoid(transformer.reference_points(query position)), the same in every layer
   * without box refinement; with it, layer 0's only (the later layers read referenceBoxes).
   */
  referencePoints?: tf.Tensor3D;
  /** Conditional DETR only: [B, nq, C] sine embedding of the reference point, times query_scale(previous output) from layer 1 on (before ca_qpos_sine_proj). */
  querySineEmbed?: tf.Tensor3D;
  /** [B, heads, nq, h*w] cross-attention after softmax; absent for Deformable DETR, whose cross-attention samples (samplingLocations). */
  crossAttn?: tf.Tensor4D;
  /**
   * Conditional DETR only, when asked for (ForwardOptions.attentionParts): [B, heads, nq, h*w] the
   * two halves of its cross-attention logit, each through a softmax over the keys on its own:
   * the conditional spatial query against the key positions (q_spatial·k_pos, the paper's
   * Figure 1) and the content query against the content keys (q_content·k_content; layer 0 adds
   * DETR's query and key positions to these, as the official layer does). Both are scaled as the
   * whole logit is, so softmax(log spatialAttn + log contentAttn) = crossAttn.
   */
  spatialAttn?: tf.Tensor4D;
  contentAttn?: tf.Tensor4D;
  /**
   * Deformable DETR only: [B, nq, L, 2 or 4] the reference point (x, y) or box (cx, cy, w, h) as the
   * layer's deformable cross-attention reads it, per level (times each level's valid ratio).
   */
  levelReferences?: tf.Tensor4D;
  /** Deformable DETR only: [B, nq, heads, L, P, 2] where the cross-attention samples, (x, y) in [0, 1] of each padded level. */
  samplingLocations?: tf.Tensor;
  /** Deformable DETR only: [B, nq, heads, L, P] the weight of each sampling point (softmax over levels x points per head). */
  samplingWeights?: tf.Tensor;
  /** [B, heads, nq, nq] decoder self-attention after softmax. */
  selfAttn: tf.Tensor4D;
  /**
   * [B, nq, C] layer output (after its last norm; official DETR: after the decoder's shared norm,
   * what the heads see; Conditional DETR: before that norm, what the next layer and query_scale read;
   * DAB-DETR: after it, as official DETR).
   */
  hs: tf.Tensor3D;
  /** [B, nq, classLogits(config)] class logits of this layer (official DETR: numClasses + 1, softmax, last = no object). */
  predLogits: tf.Tensor3D;
  /** [B, nq, 4] boxes of this layer (sigmoid cxcywh, relative to the padded batch tensor). */
  predBoxes: tf.Tensor3D;
}

export interface DecoderOutput {
  layers: DecoderLayerTrace[];
  /**
   * Two-stage Deformable DETR only: the encoder's proposals, one per memory token, from which the
   * top numQueries by class-0 logit become the queries: logits [B, S, numClasses] and boxes
   * [B, S, 4] (sigmoid cxcywh; 1 where a proposal is padded or invalid) and the indices
   * [B, numQueries] of those taken.
   */
  proposals?: { logits: tf.Tensor3D; boxes: tf.Tensor3D; taken: tf.Tensor2D };
}

export interface ForwardOptions {
  /** For an SMCA model: false runs it with the Gaussian prior switched off (ablation). Default true. */
  smcaPrior?: boolean;
  /** Conditional DETR: also trace the spatial and content parts of the cross-attention (DecoderLayerTrace.spatialAttn). Default false. */
  attentionParts?: boolean;
}

export interface BackboneOutput {
  /** [B, h, w, Cb] last-stage features. */
  features: tf.Tensor4D;
  /** [B, h, w] feature-level padding mask (nearest downsampling). */
  mask: tf.Tensor3D;
  /** [B, h, w, C] sine position embedding. */
  pos: tf.Tensor4D;
  /** Multi-scale models only: every level (stride 8, 16, 32); the fields above are the last level's. */
  levels?: { features: tf.Tensor4D; mask: tf.Tensor3D; pos: tf.Tensor4D }[];
}

export interface Detection {
  score: number;
  label: number;
  /** x1, y1, x2, y2 in pixels of the target size. */
  box: [number, number, number, number];
  /** Which query produced it. */
  query: number;
}
