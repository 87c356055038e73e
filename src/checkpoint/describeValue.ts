import { type PyValue, PyGlobalRef, PyNamespace, PyTuple } from './pyTypes';
import { Storage, TensorRef } from './tensor';

/**
 * A short label for a value from the file, for lists and messages: strings shortened, numbers
 * as they are, containers by type and size. Never by expansion: String() of a list joins its
 * items recursively, which is exponential for lists shared through the memo (a "billion
 * laughs" key), a stack overflow for a list nested 100k deep, and gigabytes for 2,000
 * references to one 1 MB string.
 */
export function describeValue(v: PyValue, maxChars = 100): string {
  if (typeof v === 'string') return v.length > maxChars ? `${v.slice(0, maxChars)}...` : v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'bigint') {
    const s = v.toString(); // at most LIMITS.maxLongBytes bytes: a few thousand digits
    return s.length > maxChars ? `<int of ${s.length} digits>` : s;
  }
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  if (v instanceof Uint8Array) return `<bytes, ${n(v.length, 'byte')}>`;
  if (Array.isArray(v)) return `<list of ${n(v.length, 'item')}>`;
  if (v instanceof PyTuple) return `<tuple of ${n(v.items.length, 'item')}>`;
  if (v instanceof Map) return `<dict of ${n(v.size, 'item')}>`;
  if (v instanceof Set) return `<set of ${n(v.size, 'item')}>`;
  if (v instanceof PyNamespace) return `<Namespace of ${n(v.attrs.size, 'attribute')}>`;
  if (v instanceof TensorRef) return `<${v.dtype} tensor [${v.shape.slice(0, 8).join(', ')}${v.shape.length > 8 ? ', ...' : ''}]>`;
  if (v instanceof Storage) return `<${v.dtype} storage of ${n(v.numel, 'element')}>`;
  if (v instanceof PyGlobalRef) return `<${describeValue(v.qualified, maxChars)}>`;
  return '<value>';
}

/** A dict key as the name it has in plain data: strings as they are, numbers as digits, anything else described. */
export function keyName(k: PyValue): string {
  return typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? String(k) : describeValue(k);
}
