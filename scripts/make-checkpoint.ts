/**
 * Writes a full-size SAM-DETR, DAB-DETR or Deformable DETR training checkpoint (or an official or Conditional DETR checkpoint
 * as released, `{"model": state_dict}`) with the fixture weight formula, in torch.save's format, for testing
 * loaders without downloading real weights:
 *
 *   npx tsx scripts/make-checkpoint.ts --variant r50_smca_e50 --seed 0 --out /tmp/r50_smca_e50.pth [--legacy] [--zip64]
 *
 * Variants: r{18,34,50,101}[_dc5][_smca]_e{epochs}, e.g. r50_e12, r50_smca_e50, r50_dc5_smca_e12;
 * multi-scale SAM-DETR: ms_r50[_smca]_e{epochs}, e.g. ms_r50_e12, ms_r50_smca_e50;
 * official DETR: detr_r50, detr_r101, detr_r50_dc5, detr_r101_dc5 (name the file with "dc5" in it,
 * as the releases do: DC5 shows nowhere else in such a file); Conditional DETR, written the same
 * way: condetr_r50, condetr_r101, condetr_r50_dc5, condetr_r101_dc5 (released as e.g.
 * ConditionalDETR_r50dc5_epoch50.pth); DAB-DETR, as its training checkpoints (model, optimizer,
 * lr_scheduler, epoch, args with modelname dab_detr, so DC5 and patterns are in the args):
 * dabdetr_r50, dabdetr_r101, dabdetr_r50_dc5, dabdetr_r50_pat3, dabdetr_r50_dc5_pat3; Deformable
 * DETR, the same way (with_box_refine and two_stage in the args): deform_r50, deform_r50_refine,
 * deform_r50_two_stage (and r101).
 * The model's weights match the parity fixture of the same variant and seed.
 */
import { parseArgs } from 'node:util';
import { variantCheckpoint } from '../src/checkpoint/formulaCheckpoint';
import { openFileSink } from '../src/checkpoint/nodeSink';
import { torchSave } from '../src/checkpoint/torchSave';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      variant: { type: 'string', default: 'r50_smca_e50' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      legacy: { type: 'boolean', default: false },
      zip64: { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error('--out FILE.pth is required');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  const checkpoint = variantCheckpoint(values.variant!, seed);
  const t0 = performance.now();
  const sink = await openFileSink(values.out);
  let lastPct = -1;
  try {
    await torchSave(sink, checkpoint, {
      format: values.legacy ? 'legacy' : 'zip',
      forceZip64: values.zip64,
      onProgress(written, total) {
        const pct = Math.floor((100 * written) / total);
        if (pct >= lastPct + 10) process.stderr.write(`${(lastPct = pct)}% `);
      },
    });
  } finally {
    await sink.close();
  }
  process.stderr.write('\n');
  console.log(`wrote ${values.out} (${values.variant}, seed ${seed}, ${values.legacy ? 'legacy' : 'zip'} format) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
