/**
 * What the per-family checkpoint tests share: the official state-dict layouts the fixtures
 * record, a formula-weight state dict of a config, `torch.save` into memory, and the refusal a
 * foreign checkpoint gets.
 */
import { readFileSync } from 'node:fs';
import type { ModelConfig } from '../../src/model/config';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { detectConfig } from '../../src/checkpoint/detectConfig';
import { ForeignCheckpointError } from '../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { floatTensor, type SaveTensor } from '../../src/checkpoint/pickleWriter';
import { PyOrderedDict } from '../../src/checkpoint/pyTypes';
import { torchSave } from '../../src/checkpoint/torchSave';

export type Layout = [string, number[]][];

/** The official state-dict layout (names and shapes, in order) a fixture's manifest records. */
export const officialLayout = (name: string): Layout =>
  JSON.parse(readFileSync(`test/fixtures/official/${name}/manifest.json`, 'utf8')).state_dict;

export const shapesOf = (l: Layout): Map<string, number[]> => new Map(l.map(([k, s]) => [k, s]));

/** A state dict of `c` in its official layout, every tensor from the weight formula at `seed`. */
export function stateDictOf(c: ModelConfig, seed: number): PyOrderedDict<string, SaveTensor> {
  const model = new PyOrderedDict<string, SaveTensor>();
  for (const [name, shape] of expectedStateDictShapes(c)) model.set(name, floatTensor(shape, () => formulaTensor(name, shape, seed)));
  return model;
}

/** The bytes `torch.save(obj)` would write. */
export async function saved(obj: Record<string, unknown>): Promise<Uint8Array> {
  const sink = new MemorySink();
  await torchSave(sink, obj);
  return sink.bytes();
}

/** The refusal of a checkpoint of a family the app does not run (fails if it is not refused). */
export function refusal(shapes: Map<string, number[]>): ForeignCheckpointError {
  try {
    detectConfig(shapes);
  } catch (e) {
    if (e instanceof ForeignCheckpointError) return e;
    throw e;
  }
  throw new Error('not refused');
}
