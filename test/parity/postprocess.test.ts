import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { postprocess, postprocessSoftmax } from '../../src/model/postprocess';
import { compareTensor } from '../../src/parity/compare';
import { checkSigmoidDetections, type DetectionRecord, type HeadOutputsOfImage } from '../../src/parity/postprocessCheck';
import { BREAKAGES } from '../support/parityBreakages';
import type { Detection } from '../../src/model/types';
import { loadFixture } from '../support/helpers';

// Postprocess parity on the official postprocess-only fixture: spread-out logits and boxes
// through the official SAM-DETR (sigmoid, top-100 over query x class) and DETR (softmax,
// per query) PostProcess. Nothing is tied here, so order, labels and boxes must match exactly
// in rank order (scores and boxes within the float tolerance, labels exact).
const fx = loadFixture('postprocess_only');
const sizes = fx.targetSizes;

async function run(kind: 'samdetr' | 'detr'): Promise<Detection[][]> {
  const logits = fx.tensors.get(`${kind}.pred_logits`)!;
  const boxes = fx.tensors.get(`${kind}.pred_boxes`)!;
  const layer = { predLogits: tf.tensor3d(logits.data as Float32Array, logits.shape as [number, number, number]), predBoxes: tf.tensor3d(boxes.data as Float32Array, boxes.shape as [number, number, number]) };
  try {
    return kind === 'samdetr' ? await postprocess(layer, sizes, 100) : await postprocessSoftmax(layer, sizes);
  } finally {
    tf.dispose([layer.predLogits, layer.predBoxes]);
  }
}

function rowsFor(kind: string, dets: DetectionRecord[][]) {
  return dets.flatMap((d, b) => {
    const ref = (k: string) => fx.tensors.get(`${kind}.postprocess.${b}.${k}`)!.data;
    return [
      compareTensor(`${kind}.${b}.scores`, d.map((x) => x.score), ref('scores'), false),
      compareTensor(`${kind}.${b}.labels`, d.map((x) => x.label), ref('labels'), true),
      compareTensor(`${kind}.${b}.boxes`, d.flatMap((x) => Array.from(x.box)), ref('boxes'), false),
    ];
  });
}

function headOutputs(b: number): HeadOutputsOfImage {
  const logits = fx.tensors.get('samdetr.pred_logits')!;
  const [, nq, nc] = logits.shape;
  return {
    logits: logits.data.subarray(b * nq * nc, (b + 1) * nq * nc),
    boxes: fx.tensors.get('samdetr.pred_boxes')!.data.subarray(b * nq * 4, (b + 1) * nq * 4),
    numQueries: nq,
    numClasses: nc,
    targetSize: sizes[b],
  };
}

describe('postprocess parity (official postprocess_only fixture)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('SAM-DETR postprocess: the official top-100 in order, labels exact', async () => {
    const dets = await run('samdetr');
    const rows = rowsFor('samdetr', dets);
    expect(rows.filter((r) => !r.pass).map((r) => `${r.name} ${r.error ?? r.worstIndex}`)).toEqual([]);
    // Every element was compared (nothing skipped as a tie).
    expect(rows.map((r) => r.compared)).toEqual(rows.map((r) => r.total));
    // The official scores are distinct (no two equal), so the order is fixed and tested as is.
    const s = fx.tensors.get('samdetr.postprocess.0.scores')!.data;
    expect(Array.from(s).every((v, i) => i === 0 || v < s[i - 1])).toBe(true);
  });

  it('DETR postprocess (softmax, no-object dropped): per query, labels exact', async () => {
    const rows = rowsFor('detr', await run('detr'));
    expect(rows.filter((r) => !r.pass).map((r) => `${r.name} ${r.error ?? r.worstIndex}`)).toEqual([]);
    expect(rows.map((r) => r.compared)).toEqual(rows.map((r) => r.total));
  });

  it('the per-detection check accepts the real postprocess', async () => {
    const dets = await run('samdetr');
    for (let b = 0; b < dets.length; b++) {
      const row = checkSigmoidDetections(`b${b}`, dets[b], headOutputs(b), 100);
      expect(row.error).toBeUndefined();
      expect(row.pass).toBe(true);
      expect(row.compared).toBe(500);
    }
  });

  it.each(Object.keys(BREAKAGES))('the per-detection check fails a postprocess with %s', async (breakage) => {
    const dets = await run('samdetr');
    const broken = dets[0].map((d) => BREAKAGES[breakage](d, sizes[0]));
    expect(checkSigmoidDetections('b0', broken, headOutputs(0), 100).pass).toBe(false);
    // And the rank-order comparison fails too.
    const rows = rowsFor('samdetr', [broken]);
    expect(rows.some((r) => !r.pass)).toBe(true);
  });

  it('the per-detection check fails a wrong top-k set, a wrong order, a repeat, and a short list', async () => {
    const d = (await run('samdetr'))[0];
    const ref = headOutputs(0);
    // The 201st-best (query, label) instead of the 100th (well below the top-100, not a near-tie).
    const all = Array.from(ref.logits, (x, i) => ({ x, i })).sort((a, b) => b.x - a.x);
    const q = Math.floor(all[200].i / ref.numClasses);
    const [h, w] = sizes[0];
    const [cx, cy, bw, bh] = [0, 1, 2, 3].map((c) => ref.boxes[q * 4 + c]);
    const outsider = { query: q, label: all[200].i % ref.numClasses, score: 1 / (1 + Math.exp(-all[200].x)), box: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h] };
    expect(all[99].x - all[200].x).toBeGreaterThan(1e-2);
    expect(checkSigmoidDetections('b0', [...d.slice(0, 99), outsider], ref, 100).error).toMatch(/below the official top-100/);
    expect(checkSigmoidDetections('b0', [...d].reverse(), ref, 100).error).toMatch(/descending/);
    expect(checkSigmoidDetections('b0', [...d.slice(0, 99), d[0]], ref, 100).error).toMatch(/twice/);
    expect(checkSigmoidDetections('b0', d.slice(0, 99), ref, 100).error).toMatch(/99 detections/);
  });
});
