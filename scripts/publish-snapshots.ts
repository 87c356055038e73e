/**
 * npx tsx scripts/publish-snapshots.ts --run training/grid20/NAME --model NAME [--epochs 1,2,3] [--f16]
 *
 * Publishes a training run's snapshots (OUT/snapshots/epoch-E/, float16, written by
 * scripts/train.ts --snapshots) as public/models/NAME/snapshots/ and lists their epochs in
 * public/models/index.json, for the app's training timeline. The weights are stored as int8 with
 * one scale per 32 values of an output channel (src/checkpoint/int8.ts; --f16 keeps float16), and each snapshot is
 * checked against its float16 weights on 16 validation scenes: the largest change of an attention
 * weight (as a multiple of the uniform share 1/cells), of a box side (px) and of a score, printed
 * and of its position on the app's colour bar, of a box side (px) and of a score, as a table. The published model itself (public/models/NAME/) is left as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensors, writeSafetensors } from '../src/checkpoint/safetensors';
import { quantizeInt8 } from '../src/checkpoint/int8';
import { buildModel, type SamDetrModel } from '../src/model/model';
import type { ModelCard } from '../src/model/modelCard';
import { useBackend } from '../src/backend/useBackend';
import { disposeDecoder, disposeEncoder } from '../src/model/dispose';
import { validationSet } from '../src/data/scene';
import { sceneBatch } from '../src/data/sceneBatch';
import type { StateDict } from '../src/model/types';
import { attentionStudy } from '../src/eval/attentionStudy';
import { ratioPosition } from '../src/app/colorScale';

const { values } = parseArgs({ options: { run: { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' }, f16: { type: 'boolean', default: false } } });
const run = values.run ?? '';
const name = values.model ?? '';
const from = join(run, 'snapshots');
if (!name || !existsSync(from)) throw new Error(`usage: --run DIR --model NAME [--epochs 1,2,3] [--f16] (DIR/snapshots must exist; got "${from}")`);
const wanted = values.epochs ? new Set(values.epochs.split(',').map(Number)) : null;
const epochs = readdirSync(from).map((d) => Number(/^epoch-(\d+)$/.exec(d)?.[1])).filter((e) => Number.isFinite(e) && (!wanted || wanted.has(e))).sort((a, b) => a - b);
const to = join('public', 'models', name, 'snapshots');
rmSync(to, { recursive: true, force: true });

/** The last layer's boxes and scores and every layer's attention of a model on a batch. */
function outputs(model: SamDetrModel, batch: ReturnType<typeof sceneBatch>['batch']) {
  const enc = model.runEncoder(batch);
  const dec = model.runDecoder(enc);
  const last = dec.layers[dec.layers.length - 1];
  const res = {
    boxes: last.predBoxes.dataSync().slice(),
    scores: tf.tidy(() => tf.sigmoid(last.predLogits).dataSync().slice()),
    attn: dec.layers.map((l) => l.crossAttn!.dataSync().slice()),
    cells: enc.featH * enc.featW,
  };
  disposeDecoder(dec);
  disposeEncoder(enc);
  return res;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>, k = 1) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) * k);
  return m;
};

await useBackend('wasm');
const rows: string[] = [];
for (const e of epochs) {
  const src = join(from, `epoch-${e}`);
  const dst = join(to, `epoch-${e}`);
  cpSync(src, dst, { recursive: true });
  if (values.f16) continue;
  const card = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8')) as ModelCard;
  const f16 = readSafetensors(readFileSync(join(src, 'weights.safetensors'))).stateDict;
  const q = quantizeInt8(f16);
  const bytes = writeSafetensors(q.stateDict, { dtype: q.dtype, metadata: q.metadata });
  writeFileSync(join(dst, 'weights.safetensors'), bytes);
  // What a user could tell apart: the same scenes through both sets of weights.
  const int8: StateDict = readSafetensors(bytes).stateDict;
  const size = card.inputSize ?? 160;
  const scenes16 = validationSet(16, undefined, { width: size, height: size });
  const { batch } = sceneBatch(scenes16);
  const a = buildModel(card.config, f16);
  const b = buildModel(card.config, int8);
  const oa = outputs(a, batch), ob = outputs(b, batch);
  a.dispose();
  b.dispose();
  tf.dispose([batch.images, batch.mask]);
  const attn = Math.max(...oa.attn.map((m, l) => maxDiff(m, ob.attn[l], oa.cells)));
  // The same change where the eye sees it: the position on the app's colour bar (0..1).
  let colour = 0, moved = 0, cells = 0;
  oa.attn.forEach((m, l) => m.forEach((v, i) => {
    const d = Math.abs(ratioPosition(v, oa.cells) - ratioPosition(ob.attn[l][i], oa.cells));
    colour = Math.max(colour, d);
    moved += d > 0.05 ? 1 : 0;
    cells++;
  }));
  // And what the effect panel and the README read: the attention measures over the scenes' objects.
  const studyOf = async (sd: StateDict) => {
    const net = buildModel(card.config, sd);
    try {
      return await attentionStudy(net, scenes16);
    } finally {
      net.dispose();
    }
  };
  const sa = await studyOf(f16);
  const sb = await studyOf(int8);
  const measures = (st: typeof sa) => `${st.layers[0].truthShare.toFixed(3)}/${st.layers[0].entropy.toFixed(3)}`;
  rows.push(`| ${e} | ${(statSync(join(src, 'weights.safetensors')).size / 1e6).toFixed(2)} | ${(bytes.byteLength / 1e6).toFixed(2)} | ${attn.toFixed(3)} | ${colour.toFixed(3)} | ${((moved / cells) * 100).toFixed(3)}% | ${maxDiff(oa.boxes, ob.boxes, size).toFixed(2)} | ${maxDiff(oa.scores, ob.scores).toFixed(4)} | ${measures(sa)} → ${measures(sb)} |`);
}
const indexPath = join('public', 'models', 'index.json');
const index: { models: { name: string; snapshots?: number[] }[] } = JSON.parse(readFileSync(indexPath, 'utf8'));
const entry = index.models.find((m) => m.name === name);
if (!entry) throw new Error(`${name} is not in ${indexPath}`);
entry.snapshots = epochs;
writeFileSync(indexPath, JSON.stringify(index, null, 2) + '\n');
console.log(`${name}: snapshots ${epochs.join(', ')} published to ${to}${values.f16 ? ' (float16)' : ' (int8, grouped scales)'}`);
if (rows.length) {
  console.log(`\n| epoch | f16 MB | int8 MB | max Δ attention (× uniform) | max Δ colour (share of the bar) | cells moved > 5% of the bar | max Δ box (px at 160) | max Δ score | layer-1 in-box / entropy, f16 → int8 |\n|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) console.log(r);
}
