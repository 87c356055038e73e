import { describe, it, expect } from 'vitest';
import { ZOO, zooMatches as matchesOf } from '../../src/app/zoo';
import { familyOf } from '../../src/model/scoring';
import { OFFICIAL_DETR_R50, OFFICIAL_R50, type ModelConfig } from '../../src/model/config';

/** The zoo's candidates for a configuration, with the family the engine tells the page. */
const zooMatches = (c: ModelConfig, epoch?: number) => matchesOf(c, familyOf(c), epoch);

describe('official model zoo', () => {
  it('lists the 12 SAM-DETR and 4 DETR releases, each once, on their own hosts', () => {
    expect(ZOO.filter((z) => z.family === 'SAM-DETR')).toHaveLength(12);
    expect(ZOO.filter((z) => z.family === 'DETR')).toHaveLength(4);
    const keys = ZOO.map((z) => `${z.family} ${z.backbone} ${z.dc5} ${z.smca} ${z.multiscale} ${z.epochs}`);
    expect(new Set(keys).size).toBe(ZOO.length);
    for (const z of ZOO) expect(z.url).toMatch(/^https:\/\/(drive\.google\.com|dl\.fbaipublicfiles\.com)\//);
    expect(Math.max(...ZOO.map((z) => z.ap))).toBe(47.1);
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
