import { describe, it, expect } from 'vitest';
import { ZOO, ZOO_FAMILIES, ZOO_SOURCES, zooMatches as matchesOf } from '../../src/app/zoo';
import { familyOf } from '../../src/model/scoring';
import { OFFICIAL_DAB_DETR_R50, OFFICIAL_DETR_R50, OFFICIAL_R50, type ModelConfig } from '../../src/model/config';
import { detectConfig } from '../../src/checkpoint/detectConfig';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { existsSync, readFileSync } from 'node:fs';

/** The zoo's candidates for a configuration, with the family the engine tells the page. */
const zooMatches = (c: ModelConfig, epoch?: number) => matchesOf(c, familyOf(c), epoch);

describe('official model zoo', () => {
  it('lists the 12 SAM-DETR, 4 DETR, 4 Conditional DETR, 5 DAB-DETR and 3 Deformable DETR releases, each once, on their own hosts', () => {
    const count = (f: string) => ZOO.filter((z) => z.family === f).length;
    expect([count('SAM-DETR'), count('DETR'), count('Conditional DETR'), count('DAB-DETR'), count('Deformable DETR')]).toEqual([12, 4, 4, 5, 3]);
    // Every release once: its configuration and schedule, and for the one pair sharing both (DAB-DETR-R50-DC5 and -fixxy) its name.
    const keys = ZOO.map((z) => `${z.family} ${z.backbone} ${z.dc5} ${z.smca} ${z.multiscale} ${z.patterns} ${z.refine} ${z.twoStage} ${z.epochs}`);
    expect(ZOO.length - new Set(keys).size).toBe(1);
    expect(new Set(ZOO.map((z) => z.name + ' ' + z.epochs)).size).toBe(ZOO.length);
    for (const z of ZOO) expect(z.url).toMatch(/^https:\/\/(drive\.google\.com|dl\.fbaipublicfiles\.com|pkueducn-my\.sharepoint\.com)\//);
    // Only DAB-DETR's README gives a folder instead of a file, and says so.
    for (const z of ZOO) expect(!!z.folder).toBe(z.family === 'DAB-DETR');
    expect(new Set(ZOO.filter((z) => z.folder).map((z) => z.url)).size).toBe(1);
    for (const z of ZOO) expect(z.twoStage ? z.refine : true).toBe(true);
    expect(Math.max(...ZOO.map((z) => z.ap))).toBe(47.1);
    expect(ZOO_FAMILIES.every((f) => ZOO_SOURCES[f].startsWith('https://github.com/'))).toBe(true);
  });

  it('gives the numbers of the official READMEs for the new families', () => {
    const row = (name: string) => ZOO.filter((z) => z.name === name).map((z) => [z.epochs, z.ap]);
    expect(row('Conditional DETR-R50')).toEqual([[50, 41.0]]);
    expect(row('Conditional DETR-DC5-R101')).toEqual([[50, 45.0]]);
    expect(row('DAB-DETR-R50 (3 pat)')).toEqual([[50, 42.6]]);
    expect(row('DAB-DETR-R50-DC5 (3 pat)')).toEqual([[50, 45.7]]);
    expect(row('Deformable DETR-R50 ++ two-stage')).toEqual([[50, 46.9]]);
  });

  // Each release of the new families from the official state-dict layout of its variant, through
  // the checkpoint reader's detection (patterns, refinement and two-stage from the weights; DC5
  // from the released file name or args), as the page gets it. The fixtures' manifests hold the
  // layouts the official code itself produced; the other variants' layouts are the model library's.
  const detected = (variant: string, opts: { fileName?: string; args?: Record<string, unknown> } = {}): ModelConfig => {
    const manifest = `test/fixtures/official/${variant}/manifest.json`;
    const layout: [string, number[]][] = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, 'utf8')) as { state_dict: [string, number[]][] }).state_dict
      : expectedStateDictShapes(variantConfig(variant).config);
    return detectConfig(new Map(layout), opts.args, opts.fileName).config;
  };
  it.each([
    ['condetr_r50', { fileName: 'ConditionalDETR_r50_epoch50.pth' }, ['Conditional DETR-R50']],
    ['condetr_r50_dc5', { fileName: 'ConditionalDETR_r50dc5_epoch50.pth' }, ['Conditional DETR-DC5-R50']],
    ['condetr_r101', { fileName: 'ConditionalDETR_r101_epoch50.pth' }, ['Conditional DETR-R101']],
    ['condetr_r101_dc5', { fileName: 'ConditionalDETR_r101dc5_epoch50.pth' }, ['Conditional DETR-DC5-R101']],
    ['dabdetr_r50', { args: { dilation: false } }, ['DAB-DETR-R50']],
    ['dabdetr_r50_pat3', { args: { dilation: false } }, ['DAB-DETR-R50 (3 pat)']],
    ['dabdetr_r50_dc5', { args: { dilation: true } }, ['DAB-DETR-R50-DC5', 'DAB-DETR-R50-DC5-fixxy']],
    ['dabdetr_r50_dc5_pat3', { args: { dilation: true } }, ['DAB-DETR-R50-DC5 (3 pat)']],
    ['deform_r50', {}, ['Deformable DETR-R50']],
    ['deform_r50_refine', {}, ['Deformable DETR-R50 + iterative box refinement']],
    ['deform_r50_two_stage', {}, ['Deformable DETR-R50 ++ two-stage']],
  ] as const)('%s: a loaded checkpoint of the variant names its release', (variant, opts, names) => {
    const c = detected(variant, opts);
    expect(zooMatches(c).map((z) => z.name)).toEqual(names);
    // A training checkpoint's epoch (the last 0-based index, 49) keeps the match; another schedule drops it.
    expect(zooMatches(c, 49).map((z) => z.name)).toEqual(names);
    expect(zooMatches(c, 11)).toEqual([]);
  });

  it('tells DAB-DETR with patterns from DAB-DETR without, and keeps the families apart', () => {
    const plain = zooMatches(OFFICIAL_DAB_DETR_R50).map((z) => z.name);
    const pat3 = zooMatches({ ...OFFICIAL_DAB_DETR_R50, numPatterns: 3 }).map((z) => z.name);
    expect(plain).toEqual(['DAB-DETR-R50']);
    expect(pat3).toEqual(['DAB-DETR-R50 (3 pat)']);
    expect(zooMatches({ ...OFFICIAL_DAB_DETR_R50, numPatterns: 2 })).toEqual([]);
    // No release has these: DAB-DETR-R101, Deformable DETR two-stage without refinement or with DC5.
    expect(zooMatches({ ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet101' })).toEqual([]);
    expect(zooMatches({ ...variantConfig('deform_r50').config, twoStage: true })).toEqual([]);
    expect(zooMatches({ ...variantConfig('deform_r50').config, dilation: true })).toEqual([]);
    // The family the engine tells decides the group: a family without releases matches nothing.
    expect(matchesOf(variantConfig('condetr_r50').config, 'baseline')).toEqual([]);
    expect(matchesOf(variantConfig('condetr_r50').config, undefined)).toEqual([]);
  });

  it('names a loaded checkpoint by its configuration and epoch', () => {
    const smca: ModelConfig = { ...OFFICIAL_R50, smca: true, inputProjGroupNorm: false };
    expect(zooMatches(smca, 49).map((z) => z.name + ' ' + z.epochs)).toEqual(['SAM-DETR-R50 w/ SMCA 50']);
    expect(zooMatches({ ...smca, dilation: true }, 11).map((z) => z.name + ' ' + z.epochs)).toEqual(['SAM-DETR-R50-DC5 w/ SMCA 12']);
    // No epoch: the 12-epoch releases have GroupNorm in input_proj, the 50-epoch ones not.
    expect(zooMatches({ ...smca, inputProjGroupNorm: true }).map((z) => z.epochs)).toEqual([12]);
    expect(zooMatches({ ...OFFICIAL_R50, multiscale: true }).map((z) => z.epochs)).toEqual([12, 50]);
    expect(zooMatches({ ...OFFICIAL_DETR_R50, backbone: 'resnet101', dilation: true }).map((z) => z.name)).toEqual(['DETR-R101-DC5']);
  });

  it('matches nothing for the bundled models or an unknown schedule', () => {
    expect(zooMatches({ ...OFFICIAL_R50, backbone: 'resnet18' })).toEqual([]);
    expect(zooMatches({ ...OFFICIAL_R50, smca: true }, 30)).toEqual([]);
    expect(zooMatches({ ...OFFICIAL_R50, decoder: 'detr', detrStyle: 'baseline' })).toEqual([]);
  });
});
