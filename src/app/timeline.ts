/**
 * The training timeline: the bundled models as they were after a given epoch. Each bundled model
 * may ship snapshots (public/models/NAME/snapshots/epoch-E/, a model folder like its own); the
 * index lists their epochs. A snapshot loads as the bundled model named `NAME/snapshots/epoch-E`
 * (the worker fetches `models/<that path>/`). Pure (test/app/timeline.test.ts).
 */
import type { IndexEntry } from './hooks/useModelIndex';

const SNAPSHOT = '/snapshots/epoch-';

/** The bundled model a name loads: its snapshot at `epoch` where it ships one, else the model itself. */
export function modelAtEpoch(name: string, epoch: number, index: IndexEntry[] | null): string {
  if (!epoch || name.startsWith('upload:')) return name;
  const entry = index?.find((m) => m.name === name);
  return entry?.snapshots?.includes(epoch) ? `${name}${SNAPSHOT}${epoch}` : name;
}

/** The bundled model a (snapshot) name belongs to. */
export function baseModelName(name: string): string {
  const i = name.indexOf(SNAPSHOT);
  return i < 0 ? name : name.slice(0, i);
}

/** The epoch a loaded name is at (0: the final model). */
export function epochOfName(name: string): number {
  const i = name.indexOf(SNAPSHOT);
  return i < 0 ? 0 : Number(name.slice(i + SNAPSHOT.length)) || 0;
}

/** The epochs every named bundled model has a snapshot of, in order ([] if one of them has none). */
export function sharedEpochs(index: IndexEntry[] | null, names: (string | null)[]): number[] {
  const lists = names.filter((n): n is string => !!n).map((n) => index?.find((m) => m.name === n)?.snapshots ?? []);
  if (!lists.length) return [];
  return lists[0].filter((e) => lists.every((l) => l.includes(e))).sort((a, b) => a - b);
}
