import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFixture, type Fixture } from '../src/parity/fixture';

export const FIXTURES = join(__dirname, 'fixtures');

export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, 'official', name);
  const bin = readFileSync(join(dir, 'tensors.bin'));
  return parseFixture(readFileSync(join(dir, 'manifest.json'), 'utf8'), bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
}
