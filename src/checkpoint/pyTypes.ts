/**
 * JS shapes of the Python values a checkpoint pickle may hold. Lists are arrays, dicts are Maps
 * (keys keep their Python type: optimizer state is keyed by ints), tuples get their own class
 * so a writer can round-trip them, and argparse.Namespace is a bag of attributes.
 */
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

/** Plain JSON-like data: dicts and Namespaces become null-prototype objects, tuples arrays, safe bigints numbers. Tensors stay TensorRefs. */
export function toPlain(v: PyValue): unknown {
  if (v instanceof PyTuple) return v.items.map(toPlain);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map || v instanceof PyNamespace) {
    // Null prototype: a key named "__proto__" in a checkpoint must not reach Object.prototype.
    const out: Record<string, unknown> = Object.create(null);
    const entries = v instanceof PyNamespace ? v.attrs : v;
    for (const [k, x] of entries) out[String(k)] = toPlain(x);
    return out;
  }
  if (v instanceof Set) return [...v].map(toPlain);
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return v;
}
