/**
 * JS shapes of the Python values a checkpoint pickle may hold. Lists are arrays, dicts are Maps
 * (keys keep their Python type: optimizer state is keyed by ints), tuples get their own class
 * so a writer can round-trip them, and argparse.Namespace is a bag of attributes.
 */
import { LIMITS, tooLarge } from './bounds';
import { keyName } from './describeValue';
import { CheckpointError } from './errors';
import type { Storage, TensorRef } from './tensor';

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | Set<PyValue>
  | PyNamespace
  | TensorRef
  | Storage
  | PyGlobalRef;

export type PyDict = Map<PyValue, PyValue>;

/** Generic so a writer can hold values that are not read-side PyValues (PyFloat, SaveTensor). */
export class PyTuple<T = PyValue> {
  constructor(readonly items: T[]) {}
}

/** collections.OrderedDict (what state_dict() returns); a Map that remembers it was ordered. */
export class PyOrderedDict<K = PyValue, V = PyValue> extends Map<K, V> {}

export class PyNamespace<V = PyValue> {
  readonly attrs = new Map<string, V>();
}

/** A global the allow-list let through, as a value (e.g. a storage class inside a persistent id). */
export class PyGlobalRef {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface PlainLimits {
  /** Values produced in all (a value reached twice through the memo counts twice). */
  maxValues: number;
  /** Containers nested inside each other. */
  maxDepth: number;
  /** For messages: what is being converted ("the checkpoint's args"). */
  what: string;
}

const DEFAULT_PLAIN: PlainLimits = { maxValues: LIMITS.plainValues, maxDepth: LIMITS.plainDepth, what: 'the checkpoint' };

/** The children of a container, as [key, value] pairs; null for a scalar (or a tensor). */
function childrenOf(v: PyValue): [unknown, PyValue][] | null {
  if (v instanceof PyTuple) return v.items.map((x, i) => [i, x]);
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof PyNamespace) return [...v.attrs];
  if (v instanceof Map) return [...v];
  if (v instanceof Set) return [...v].map((x, i) => [i, x]);
  return null;
}

/**
 * Plain JSON-like data: dicts and Namespaces become null-prototype objects, tuples and sets
 * arrays, safe bigints numbers. Tensors stay TensorRefs.
 *
 * Iterative, with a budget: a pickle can make a list that contains itself (refused as corrupt),
 * nest 100k lists (the recursive version overflowed the stack), or reference one object
 * through the memo from many places so the expanded tree is exponential ("billion laughs";
 * refused as too-large when it passes `maxValues`).
 */
export function toPlain(v: PyValue, limits: Partial<PlainLimits> = {}): unknown {
  const { maxValues, maxDepth, what } = { ...DEFAULT_PLAIN, ...limits };
  let values = 0;
  // Containers on the path from the root: meeting one again is a cycle.
  const onPath = new Set<object>();
  type Task = { src: PyValue; depth: number; put: (x: unknown) => void } | { leave: object };
  let result: unknown;
  const tasks: Task[] = [{ src: v, depth: 0, put: (x) => (result = x) }];
  while (tasks.length) {
    const t = tasks.pop()!;
    if ('leave' in t) {
      onPath.delete(t.leave);
      continue;
    }
    if (++values > maxValues) throw tooLarge(`${what} expands to more than ${maxValues} values (objects reused through the pickle memo?)`);
    const kids = childrenOf(t.src);
    if (!kids) {
      const x = t.src;
      t.put(typeof x === 'bigint' && x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x);
      continue;
    }
    const node = t.src as object;
    if (onPath.has(node)) throw new CheckpointError('corrupt', `${what} contains a value that contains itself`);
    if (t.depth >= maxDepth) throw tooLarge(`${what} nests values more than ${maxDepth} deep`);
    const isArray = !(t.src instanceof Map || t.src instanceof PyNamespace);
    // Null prototype: a key named "__proto__" in a checkpoint must not reach Object.prototype.
    const out: Record<string, unknown> | unknown[] = isArray ? new Array(kids.length) : Object.create(null);
    // Keys first, in order, so children filled in later keep the dict's key order.
    if (!isArray) for (const [k] of kids) (out as Record<string, unknown>)[keyName(k as PyValue)] = undefined;
    t.put(out);
    onPath.add(node);
    tasks.push({ leave: node });
    for (let i = kids.length - 1; i >= 0; i--) {
      const [k, x] = kids[i];
      const key = isArray ? (k as number) : keyName(k as PyValue);
      tasks.push({ src: x, depth: t.depth + 1, put: (y) => ((out as Record<string | number, unknown>)[key] = y) });
    }
  }
  return result;
}
