import * as tf from '@tensorflow/tfjs';
import { buildModel, msEncoderLayerTrace } from '../model/model';
import { detectionsOf as modelDetections } from '../model/scoring';
import { isOfficialDetr, querySlots } from '../model/config';
import { encoderSelfAttention } from '../model/encoder';
import { disposeDecoder, disposeEncoder } from '../model/dispose';
import type { StateDict } from '../model/types';
import type { Fixture } from './fixture';
import { compareTensor, type CompareRow } from './compare';
import { CPU_TOLERANCE, type ToleranceFor } from './tolerance';
import { alignTiedDetections, permute } from './ties';
import { checkSigmoidDetections, checkSoftmaxDetections, type DetectionRecord } from './postprocessCheck';

type Named = Map<string, ArrayLike<number>>;

/** Reads a tensor back after permuting it into the fixture's (PyTorch) layout. */
async function put(out: Named, name: string, t: tf.Tensor, perm?: number[]): Promise<void> {
  const p = perm ? tf.transpose(t, perm) : t;
  out.set(name, await p.data());
  if (p !== t) p.dispose();
}

/** put() for a temporary made just for the comparison: disposed after the readback. */
async function putTemp(out: Named, name: string, t: tf.Tensor): Promise<void> {
  await put(out, name, t);
  t.dispose();
}

/**
 * Runs the model on a fixture's inputs and returns every tensor the fixture names,
 * in the fixture's layouts (NCHW feature maps, [hw, B, C] memory, ...).
 */
export async function runFixture(fx: Fixture, weights: StateDict): Promise<Named> {
  const c = fx.config;
  const model = buildModel(c, weights);
  const inImages = fx.tensors.get('input.images')!;
  const inMask = fx.tensors.get('input.mask')!;
  const [b, , H, W] = inImages.shape;
  const images = tf.tidy(() => tf.tensor4d(inImages.data as Float32Array, [b, 3, H, W]).transpose([0, 2, 3, 1])) as tf.Tensor4D;
  const mask = tf.tensor3d(Float32Array.from(inMask.data), [b, H, W]);
  const out: Named = new Map();
  const enc = model.runEncoder({ images, mask, sizes: fx.imageSizes }, { backbone: true });
  const dec = model.runDecoder(enc, { debug: true });
  try {
    const bb = enc.backbone!;
    if (enc.levels) {
      // Per level: backbone.{features,mask,pos}.l and input_proj.l (Deformable DETR's fourth level
      // has only the latter); the encoder's deformable attention (recomputed from each layer's
      // input) where the fixture holds it.
      for (const [l, lv] of bb.levels!.entries()) {
        await put(out, `backbone.features.${l}`, lv.features, [0, 3, 1, 2]);
        await put(out, `backbone.mask.${l}`, lv.mask);
        await put(out, `backbone.pos.${l}`, lv.pos, [0, 3, 1, 2]);
      }
      for (const [l, x] of enc.inputProjLevels!.entries()) await put(out, `input_proj.${l}`, x, [0, 3, 1, 2]);
      for (let l = 0; l < c.encLayers; l++) {
        if (!fx.tensors.has(`encoder.${l}.output`) && !fx.tensors.has(`encoder.${l}.sampling_locations`)) continue;
        const t = msEncoderLayerTrace(model, enc, l);
        await putTemp(out, `encoder.${l}.sampling_locations`, t.locations);
        await putTemp(out, `encoder.${l}.attention_weights`, t.weights);
        await putTemp(out, `encoder.${l}.output`, t.out);
      }
      await put(out, 'encoder.memory', enc.memory);
    } else {
      await put(out, 'backbone.features', bb.features, [0, 3, 1, 2]);
      await put(out, 'backbone.mask', bb.mask);
      await put(out, 'backbone.pos', bb.pos, [0, 3, 1, 2]);
      await put(out, 'input_proj', enc.inputProj!, [0, 3, 1, 2]);
      await put(out, 'encoder.memory', enc.memory, [1, 0, 2]);
    }
    // Full encoder self-attention maps only for the layers the fixture holds (DETR's: 0 and 5).
    for (let l = 0; l < c.encLayers; l++) {
      const name = `encoder.${l}.self_attn_weights`;
      if (fx.tensors.has(name)) await putTemp(out, name, encoderSelfAttention(model.params, c, l, enc.layerInputs[l], enc.pos, enc.maskFlat));
    }
    const nq = querySlots(c); // DAB-DETR with patterns: every pattern's slots
    for (let l = 0; l < dec.layers.length; l++) {
      const L = dec.layers[l];
      const hw = L.crossAttn?.shape[3] ?? 0; // the layer's level (multi-scale) or the one feature map; Deformable DETR has no dense map
      if (L.roiBoxes) await put(out, `decoder.${l}.roi_boxes`, L.roiBoxes);
      if (L.salientOffsets) await put(out, `decoder.${l}.salient_points`, L.salientOffsets);
      if (L.point2Out) await put(out, `decoder.${l}.point2_out`, L.point2Out);
      if (l === 0 && L.referencePoints) await put(out, 'decoder.reference_points', L.referencePoints);
      // DAB-DETR's anchor boxes, what each layer reads.
      if (L.referenceBoxes && fx.tensors.has(`decoder.${l}.anchor_boxes`)) await put(out, `decoder.${l}.anchor_boxes`, L.referenceBoxes);
      if (L.querySineEmbed) await put(out, `decoder.${l}.query_sine_embed`, L.querySineEmbed);
      // Deformable DETR: the reference the layer starts from, as its levels read it, and where it samples.
      if (l === 0 && L.levelReferences) await put(out, 'decoder.init_reference', L.referencePoints ?? L.referenceBoxes!);
      if (L.levelReferences) await put(out, `decoder.${l}.reference_points`, L.levelReferences);
      if (L.samplingLocations) await put(out, `decoder.${l}.sampling_locations`, L.samplingLocations);
      if (L.samplingWeights) await put(out, `decoder.${l}.attention_weights`, L.samplingWeights);
      if (L.crossAttn) await put(out, `decoder.${l}.cross_attn_weights`, L.crossAttn);
      if (L.gaussian) await putTemp(out, `decoder.${l}.smca_gaussian`, tf.tidy(() => L.gaussian!.transpose([2, 3, 0, 1]).reshape([nq, hw, -1])));
      const rows = Math.min(20, nq);
      if (fx.tensors.has(`decoder.${l}.self_attn_weights`)) await put(out, `decoder.${l}.self_attn_weights`, L.selfAttn);
      await putTemp(out, `decoder.${l}.self_attn_weights_head0`, tf.tidy(() => L.selfAttn.slice([0, 0, 0, 0], [b, 1, rows, nq]).reshape([b, rows, nq])));
      const dbg = (L as { debug?: Record<string, tf.Tensor> }).debug;
      for (const key of ['attn1', 'attn2']) {
        if (dbg?.[key]) {
          const t = dbg[key];
          const q = Math.min(10, nq);
          await putTemp(out, `decoder.${l}.${key}`, tf.tidy(() => t.slice([0, 0, 0], [b, q, t.shape[2]!]).transpose([1, 0, 2])));
        }
      }
      await put(out, `decoder.${l}.hs`, L.hs);
      await put(out, `outputs.${l}.pred_logits`, L.predLogits);
      await put(out, `outputs.${l}.pred_boxes`, L.predBoxes);
    }
    if (dec.proposals) {
      await put(out, 'two_stage.enc_outputs_class', dec.proposals.logits);
      await put(out, 'two_stage.enc_outputs_boxes', dec.proposals.boxes);
    }
    const last = dec.layers[dec.layers.length - 1];
    // The family's own postprocess (scoring.ts): DETR's keeps every query in query order;
    // SAM-DETR's and Conditional DETR's rank the top 100, DAB-DETR's the top 300.
    const dets = await modelDetections(c, last, fx.targetSizes);
    dets.forEach((d, i) => {
      out.set(`postprocess.${i}.scores`, Float32Array.from(d.map((x) => x.score)));
      out.set(`postprocess.${i}.labels`, Int32Array.from(d.map((x) => x.label)));
      out.set(`postprocess.${i}.boxes`, Float32Array.from(d.flatMap((x) => x.box.map(Math.fround))));
      out.set(`postprocess.${i}.queries`, Int32Array.from(d.map((x) => x.query)));
    });
  } finally {
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([images, mask]);
    if (enc.backbone) tf.dispose([enc.backbone.features, enc.backbone.mask, enc.backbone.pos, ...(enc.backbone.levels ?? []).flatMap((lv) => [lv.features, lv.mask, lv.pos])]);
    enc.inputProj?.dispose();
    if (enc.inputProjLevels) tf.dispose(enc.inputProjLevels);
    model.dispose();
  }
  return out;
}

/**
 * Compares every non-input tensor of the fixture with ours, then checks each image's
 * postprocessed detections against the official head outputs of the last layer
 * (`postprocess.b.decoded`, see postprocessCheck.ts), which does not depend on how ties ranked.
 * DETR's detections are one per query in query order, so they compare as they are (no tie
 * alignment) and the decoded check is the softmax one.
 */
export function compareFixture(fx: Fixture, ours: Named, tolerance: ToleranceFor = CPU_TOLERANCE): CompareRow[] {
  const softmax = isOfficialDetr(fx.config);
  const aligned = softmax ? { values: new Map() as Named, moved: new Map<string, number>(), skip: new Map<string, Set<number>>(), refused: new Map<string, number[]>() } : alignPostprocess(fx, ours, tolerance);
  const rows: CompareRow[] = [];
  for (const t of fx.tensors.values()) {
    if (t.name.startsWith('input.')) continue;
    const skip = aligned.skip.get(t.name);
    const { atol, rtol } = tolerance(t.name);
    const row = compareTensor(t.name, aligned.values.get(t.name) ?? ours.get(t.name), t.data, t.dtype !== 'float32', atol, rtol, skip);
    const moved = aligned.moved.get(t.name);
    const cut = skip?.size ? skip.size / (t.name.endsWith('boxes') ? 4 : 1) : 0;
    const notes = [moved ? `${moved} tied ranks reordered` : '', cut ? `${cut} tie members cut by top-${t.shape[0]} not compared` : ''];
    if (notes.some(Boolean)) row.note = notes.filter(Boolean).join('; ');
    const refused = aligned.refused.get(t.name);
    if (refused?.length) {
      row.pass = false;
      row.error = `${refused.length} official detection(s) of the last tie run unmatched though scored above the cut by more than the tolerance (first at rank ${refused[0]})`;
    }
    rows.push(row);
  }
  const dets = detectionsOf(ours);
  const last = fx.config.decLayers - 1;
  const logits = fx.tensors.get(`outputs.${last}.pred_logits`);
  const boxes = fx.tensors.get(`outputs.${last}.pred_boxes`);
  for (let b = 0; fx.tensors.has(`postprocess.${b}.scores`); b++) {
    const name = `postprocess.${b}.decoded`;
    if (!logits || !boxes) {
      rows.push({ name, maxAbs: NaN, maxRel: NaN, worstIndex: -1, pass: false, exact: false, compared: 0, total: 0, error: `fixture lacks outputs.${last}.pred_logits / pred_boxes` });
      continue;
    }
    const [, nq, nc] = logits.shape;
    const ref = {
      logits: logits.data.subarray(b * nq * nc, (b + 1) * nq * nc),
      boxes: boxes.data.subarray(b * nq * 4, (b + 1) * nq * 4),
      numQueries: nq,
      numClasses: nc,
      targetSize: fx.targetSizes[b],
    };
    const { atol, rtol } = tolerance(name);
    rows.push(softmax
      ? checkSoftmaxDetections(name, dets[b] ?? [], ref, atol, rtol)
      : checkSigmoidDetections(name, dets[b] ?? [], ref, fx.tensors.get(`postprocess.${b}.scores`)!.shape[0], atol, rtol));
  }
  return rows;
}

/** Our postprocessed detections per image, as runFixture left them in `ours`. */
export function detectionsOf(ours: Named): DetectionRecord[][] {
  const out: DetectionRecord[][] = [];
  for (let b = 0; ours.has(`postprocess.${b}.scores`); b++) {
    const [s, l, q, bx] = ['scores', 'labels', 'queries', 'boxes'].map((k) => ours.get(`postprocess.${b}.${k}`)!);
    out.push(Array.from(s, (score, j) => ({ query: q[j], label: l[j], score, box: [bx[4 * j], bx[4 * j + 1], bx[4 * j + 2], bx[4 * j + 3]] })));
  }
  return out;
}

/** Our postprocess outputs with tied ranks put in the official order (see ties.ts). */
function alignPostprocess(fx: Fixture, ours: Named, tolerance: ToleranceFor) {
  const values: Named = new Map();
  const moved = new Map<string, number>();
  const skip = new Map<string, Set<number>>();
  const refused = new Map<string, number[]>();
  for (let b = 0; fx.tensors.has(`postprocess.${b}.scores`); b++) {
    const names = ['scores', 'labels', 'boxes'].map((k) => `postprocess.${b}.${k}`);
    const [rs, rl, rb] = names.map((n) => fx.tensors.get(n)?.data);
    const [os, ol, ob] = names.map((n) => ours.get(n));
    if (!rs || !rl || !rb || !os || !ol || !ob || os.length !== rs.length) continue;
    // Ties are decided at the scores' tolerance; boxes are matched at theirs.
    const { order, moved: m, excluded, refused: r } = alignTiedDetections(rs, rl, rb, ol, ob, tolerance(names[0]), tolerance(names[2]));
    if (r.length) for (const n of names) refused.set(n, r);
    if (excluded.size) {
      skip.set(names[0], excluded);
      skip.set(names[1], excluded);
      skip.set(names[2], new Set([...excluded].flatMap((i) => [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3])));
    }
    values.set(names[0], permute(os, order, 1));
    values.set(names[1], permute(ol, order, 1));
    values.set(names[2], permute(ob, order, 4));
    for (const n of names) moved.set(n, m);
  }
  return { values, moved, skip, refused };
}
