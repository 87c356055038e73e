/**
 * Checkpoints made for the tests, in the official layouts and `torch.save` format with formula
 * weights: official releases are hundreds of MB and cannot be shipped, and these exercise the same
 * reader and model code in a few MB.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formulaCheckpoint, formulaDetrCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { OFFICIAL_DETR_R50, type ModelConfig } from '../../src/model/config';
import { DIST } from './paths';

/** The bundled SAM-DETR + SMCA's configuration, as the built app serves it. */
export const bundledConfig = () => (JSON.parse(readFileSync(join(DIST, 'models', 'sam-detr-smca', 'model.json'), 'utf8')) as { config: ModelConfig }).config;

/**
 * A SAM-DETR + SMCA training checkpoint of the bundled model's size. `fullOptimizer`: AdamW's
 * moments of every parameter, as the official training checkpoints hold (the file is then three
 * times the model); otherwise of four.
 */
export async function tinySamDetr(opts: { fullOptimizer?: boolean } = {}): Promise<Uint8Array> {
  const config = bundledConfig();
  const sink = new MemorySink();
  const all = opts.fullOptimizer ? { optimizerStateFor: expectedStateDictShapes(config).map(([n]) => n) } : {};
  await torchSave(sink, formulaCheckpoint(config, { seed: 11, epochs: 50, ...all }));
  return sink.bytes();
}

/**
 * A reduced official DETR (ResNet-50 as released: over the size at which a model leaves with its
 * wasm worker; a small transformer of 2 decoder layers) in the release format ({"model": state_dict}),
 * written to a file of its own folder, which the caller removes.
 */
export async function tinyDetrFile(name: string): Promise<{ file: string; dir: string }> {
  const config: ModelConfig = { ...OFFICIAL_DETR_R50, hiddenDim: 64, numQueries: 10, encLayers: 1, decLayers: 2, dimFeedforward: 128 };
  const sink = new MemorySink();
  await torchSave(sink, formulaDetrCheckpoint(config, { seed: 3 }));
  const dir = mkdtempSync(join(tmpdir(), 'detr-'));
  writeFileSync(join(dir, name), sink.bytes());
  return { file: join(dir, name), dir };
}

/** The same DETR as detr-r50-small.pth, written once per run and shared by the tests that only load it. */
let officialDetrFile: Promise<string> | null = null;
export function officialDetr(): Promise<string> {
  officialDetrFile ??= tinyDetrFile('detr-r50-small.pth').then((f) => f.file);
  return officialDetrFile;
}
