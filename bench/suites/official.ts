/**
 * npm run bench -- official [--json] [--variants official,official_ms,official_detr,official_condetr,
 *   official_dabdetr,official_deform] [--runs 3] [--size 800x1066] [--repo-sam DIR] [--repo-detr DIR]
 *   [--repo-condetr DIR] [--repo-dabdetr DIR] [--repo-deformable DIR] [--reference-runs 3]
 *   [--reference-threads 2] [--build | --no-build]
 *
 * Ours against the official PyTorch code, row by row in one run: each official-size model
 * (src/bench/officialVariants.ts, formula weights) in Chromium's wasm worker (the app's, its
 * threads), then right after it, so both see the same machine load:
 * - reference.<row>: the official model built by the official code's own build_model
 *   (tools/official_bench.py: CPU, eval, no_grad, --reference-threads, median of --reference-runs
 *   after a warm-up, same input), from a local checkout (REFERENCE_REPOS): --repo-sam DIR
 *   (github.com/ZhangGongjie/SAM-DETR) for official and official_ms, --repo-detr DIR
 *   (github.com/facebookresearch/detr) for official_detr, --repo-condetr DIR
 *   (github.com/Atten4Vis/ConditionalDETR) for official_condetr, --repo-dabdetr DIR
 *   (github.com/IDEA-Research/DAB-DETR) for official_dabdetr, --repo-deformable DIR
 *   (github.com/fundamentalvision/Deformable-DETR) for official_deform (its deformable attention
 *   through the official pure-PyTorch ms_deform_attn_core_pytorch, as the row's note says).
 *   Nothing is downloaded: without the option the reference says so and is skipped;
 * - reference.torch_resnet50 (after the `official` row): a PyTorch ResNet-50 to layer4
 *   (tools/torch_resnet50_bench.py) at the same size and threads, against our backbone stage.
 * Ratios (ours / PyTorch, neither side counting image preprocessing), into the row:
 *   ratio_whole = (backbone + encoder + decoder + postprocess, ours; sum of stage medians) / official
 *     whole (model forward + PostProcess);
 *   ratio_transformer = (encoder + decoder + postprocess) / official after_backbone (input_proj +
 *     Transformer + heads + PostProcess: all after the backbone Joiner, whose output, features +
 *     mask + sine positions, is where our backbone stage ends too);
 *   ratio_threads = both thread counts. Debian's python3-torch uses whatever libblas.so.3 is: without
 *   OpenBLAS (libopenblas0-openmp) that is the netlib reference BLAS and no fair reference (`blas`).
 *
 * JSON: <row>.wasm_chromium.{stage medians, threads, ratio_whole, ratio_transformer, ratio_threads},
 * reference.<row>.{variant, whole_ms, backbone_ms, transformer_ms, encoder_ms, decoder_ms, heads_ms,
 * postprocess_ms, after_backbone_ms, runs, threads, blas, layout, torch, note} or {skipped} / {error},
 * reference.torch_resnet50.{ms, note, backbone_ratio}, machine, browser.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES, type OfficialVariant } from '../../src/bench/officialVariants';
import type { ModelConfig } from '../../src/model/config';
import { parseCount, parseList, parseSize, type Values } from '../lib/args';
import { BUILD_HELP, BUILD_OPTIONS, browserInfo, bundledName, chromiumArgs, DIST, ensureDist, launch, serve } from '../lib/browser';
import { machine, ROOT, runPythonTool, type Json, type Log } from '../lib/machine';
import { chromiumRow, stageTable } from '../lib/rows';
import { ratio, round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

/**
 * The recorded official state_dict layouts: tools/official_bench.py checks the model it builds against
 * them. The Conditional DETR, DAB-DETR and Deformable DETR layouts are in their parity fixtures' manifests
 * (test/fixtures/official/<variant>/manifest.json, `state_dict`), made by the official code.
 */
const LAYOUTS = join(ROOT, 'test/fixtures/pth/official_state_dict_layouts.json');
const fixtureManifest = (variant: string) => join(ROOT, 'test/fixtures/official', variant, 'manifest.json');

/** The official code each decoder's rows are timed with, and the option naming its local checkout. */
const REFERENCE_REPOS: Record<ModelConfig['decoder'], { option: RepoOption; where: string }> = {
  sam: { option: 'repo-sam', where: 'github.com/ZhangGongjie/SAM-DETR' },
  detr: { option: 'repo-detr', where: 'github.com/facebookresearch/detr' },
  conditional: { option: 'repo-condetr', where: 'github.com/Atten4Vis/ConditionalDETR' },
  dab: { option: 'repo-dabdetr', where: 'github.com/IDEA-Research/DAB-DETR' },
  deformable: { option: 'repo-deformable', where: 'github.com/fundamentalvision/Deformable-DETR' },
};
type RepoOption = 'repo-sam' | 'repo-detr' | 'repo-condetr' | 'repo-dabdetr' | 'repo-deformable';

export const official: Suite = {
  options: {
    variants: { type: 'string' },
    runs: { type: 'string', default: '3' },
    size: { type: 'string', default: '800x1066' },
    'repo-sam': { type: 'string' },
    'repo-detr': { type: 'string' },
    'repo-condetr': { type: 'string' },
    'repo-dabdetr': { type: 'string' },
    'repo-deformable': { type: 'string' },
    'reference-runs': { type: 'string', default: '3' },
    'reference-threads': { type: 'string', default: '2' },
    ...BUILD_OPTIONS,
  },
  help: {
    variants: `rows (${OFFICIAL_VARIANT_NAMES.join(', ')})`,
    runs: 'our timed runs after a warm-up',
    size: 'input HxW',
    'repo-sam': 'checkout of github.com/ZhangGongjie/SAM-DETR (official, official_ms)',
    'repo-detr': 'checkout of github.com/facebookresearch/detr (official_detr)',
    'repo-condetr': 'checkout of github.com/Atten4Vis/ConditionalDETR (official_condetr)',
    'repo-dabdetr': 'checkout of github.com/IDEA-Research/DAB-DETR (official_dabdetr)',
    'repo-deformable': 'checkout of github.com/fundamentalvision/Deformable-DETR (official_deform)',
    'reference-runs': 'PyTorch timed runs after a warm-up',
    'reference-threads': 'PyTorch threads',
    ...BUILD_HELP,
  },

  async run(v: Values, log: Log): Promise<Json> {
    const variants = parseList<OfficialVariant>(v.variants, OFFICIAL_VARIANT_NAMES, OFFICIAL_VARIANT_NAMES, '--variants');
    const size = parseSize(v.size, '800x1066');
    const runs = parseCount(v.runs, 3, 'runs');
    const refRuns = parseCount(v['reference-runs'], 3, 'reference-runs');
    const refThreads = parseCount(v['reference-threads'], 2, 'reference-threads');
    ensureDist({ build: !!v.build, noBuild: !!v['no-build'] }, log);
    const result: Json = { machine: machine() };
    const reference: Json = {};
    const srv = await serve(DIST);
    const browser = await launch();
    result.browser = browserInfo(browser, chromiumArgs());
    try {
      for (const variant of variants) {
        const { row } = await chromiumRow(browser, srv.url, variant, 'wasm', { runs, size, bundled: bundledName() }, log);
        result[variant] = { wasm_chromium: row };
        const repos = Object.fromEntries(Object.values(REFERENCE_REPOS).map(({ option }) => [option, v[option] as string | undefined])) as Partial<Record<RepoOption, string>>;
        const ref = officialReference(variant, size, { runs: refRuns, threads: refThreads, repos });
        reference[variant] = ref;
        log(typeof ref.whole_ms === 'number'
          ? `reference: official PyTorch ${ref.variant}, ${ref.threads} threads: whole ${ref.whole_ms} ms (backbone ${ref.backbone_ms}, after backbone ${ref.after_backbone_ms}); ${ref.layout ?? ''}`
          : `reference: official PyTorch ${ref.variant}: ${ref.skipped ? 'skipped: ' + ref.skipped : 'error: ' + ref.error}`);
        Object.assign(row, officialRatios(row, ref));
        if (variant === 'official') {
          const r50 = runPythonTool(['tools/torch_resnet50_bench.py', '--height', String(size[0]), '--width', String(size[1]), '--runs', String(refRuns), '--threads', String(refThreads)]);
          const ms = typeof r50.median_ms === 'number' ? round1(r50.median_ms) : null;
          reference.torch_resnet50 = ms !== null
            ? { ms, note: `PyTorch ${r50.torch}, ${r50.threads} threads, ResNet-50 to layer4, median of ${refRuns}`, backbone_ratio: ratio(row.backbone_ms as number, ms) }
            : { ms: null, note: `skipped: ${r50.error}` };
          log(`reference: PyTorch ResNet-50: ${ms ?? r50.error} ms`);
        }
      }
    } finally {
      await browser.close();
      await srv.close();
    }
    result.reference = reference;
    return result;
  },

  format(r: Json): string[] {
    const lines = stageTable(OFFICIAL_VARIANT_NAMES.map((k) => [OFFICIAL_VARIANTS[k].label, r[k] as Json | undefined]));
    const ref = (r.reference ?? {}) as Json;
    const r50 = ref.torch_resnet50 as Json | undefined;
    if (r50) lines.push(`reference: PyTorch ResNet-50 ${r50.ms ?? '-'} ms (${r50.note}); our backbone (Chromium wasm) / PyTorch: ${r50.backbone_ratio ?? '-'}`);
    for (const variant of OFFICIAL_VARIANT_NAMES) {
      const o = ref[variant] as Json | undefined;
      if (!o) continue;
      const label = `reference: official PyTorch ${o.variant} (row ${variant})`;
      if (typeof o.whole_ms !== 'number') {
        lines.push(`${label}: ${o.skipped ? 'skipped: ' + o.skipped : 'error: ' + o.error}`);
        continue;
      }
      const c = (r[variant] as Json | undefined)?.wasm_chromium as Json | undefined;
      lines.push(`${label}, ${o.threads} threads, BLAS ${o.blas}: whole ${o.whole_ms} ms, backbone ${o.backbone_ms}, transformer ${o.transformer_ms} (encoder ${o.encoder_ms}, decoder ${o.decoder_ms}), heads ${o.heads_ms}, postprocess ${o.postprocess_ms}, after backbone ${o.after_backbone_ms} ms`
        + (c?.ratio_whole != null ? `; ours / PyTorch (${c.ratio_threads}): whole ${c.ratio_whole}x, encoder+decoder+postprocess ${c.ratio_transformer}x` : ''));
    }
    return lines;
  },
};

/** The official PyTorch model of a row, from the checkout given; {skipped} without one (no download), {error} if it fails. */
function officialReference(row: OfficialVariant, [h, w]: [number, number], o: { runs: number; threads: number; repos: Partial<Record<RepoOption, string>> }): Json {
  const v = OFFICIAL_VARIANTS[row];
  const { option: opt, where } = REFERENCE_REPOS[v.config.decoder];
  const repo = o.repos[opt];
  if (!repo) return { variant: v.variant, skipped: `no --${opt} (a local checkout of ${where}; the bench never downloads)` };
  if (!existsSync(repo)) return { variant: v.variant, skipped: `--${opt} ${repo} does not exist` };
  const args = ['tools/official_bench.py', '--repo', repo, '--variant', v.variant, '--height', String(h), '--width', String(w), '--threads', String(o.threads), '--runs', String(o.runs)];
  for (const layouts of [LAYOUTS, fixtureManifest(v.variant)]) if (existsSync(layouts)) args.push('--layouts', layouts);
  const out = runPythonTool(args);
  return out.error ? { variant: v.variant, error: out.error } : out;
}

/** Ratios of one row's Chromium wasm stages to its official PyTorch reference (see the header). */
export function officialRatios(row: Json, ref: Json): Json {
  if (typeof ref.whole_ms !== 'number' || typeof row.backbone_ms !== 'number') return {};
  const n = (k: string) => row[k] as number;
  const afterBackbone = n('encoder_ms') + n('decoder_ms') + n('postprocess_ms');
  return {
    ratio_whole: ratio(n('backbone_ms') + afterBackbone, ref.whole_ms),
    ratio_transformer: ratio(afterBackbone, ref.after_backbone_ms as number),
    ratio_threads: `wasm ${row.threads ?? '?'} / torch ${ref.threads}`,
  };
}
