import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFixture, type Fixture } from '../../src/parity/fixture';
import { OFFICIAL_R50, type ModelConfig } from '../../src/model/config';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, 'official', name);
  const bin = readFileSync(join(dir, 'tensors.bin'));
  return parseFixture(readFileSync(join(dir, 'manifest.json'), 'utf8'), bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
}

/** A small SAM-DETR (ResNet-18 at 1/8 width, hidden 64) that runs in well under a second. */
export const SMALL: ModelConfig = {
  ...OFFICIAL_R50,
  backbone: 'resnet18',
  backboneWidth: 8,
  hiddenDim: 64,
  nheads: 8,
  numQueries: 12,
  encLayers: 2,
  decLayers: 3,
  dimFeedforward: 128,
  numClasses: 7,
  point2Hidden: [32, 32],
  inputProjGroupNorm: true,
};
