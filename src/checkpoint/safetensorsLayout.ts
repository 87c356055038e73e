/**
 * The checks the reference safetensors parser makes beyond JSON: a bounded number of tensors,
 * no key twice in one object (JSON.parse silently keeps the last), and tensors that tile the
 * data section exactly (no hole between two tensors, no bytes after the last).
 */

/** Tensors one header may describe: far above any model's, far below what hangs a tab (1.7M took 21 s and 2.4 GB). */
export const MAX_TENSORS = 1 << 17;
/** Zero-size tensors take no data bytes; every other tensor takes at least one, so the file bounds their count. */
export const MAX_EMPTY_TENSORS = 1024;

/** The most tensors a data section of `dataSize` bytes can hold. */
export function maxTensors(dataSize: number): number {
  return Math.min(MAX_TENSORS, Math.max(0, dataSize) + MAX_EMPTY_TENSORS);
}

/**
 * The objects and arrays JSON.parse would build (`{` and `[` outside strings), counted on the
 * raw bytes before parsing: each tensor entry is three of them.
 */
export function containerCount(header: Uint8Array): number {
  let n = 0;
  let inString = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) n++;
  }
  return n;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The first key that appears twice in one object of `text` (valid JSON), or null. */
export function duplicateKey(text: string): string | null {
  const objects: (Set<string> | null)[] = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j += 2;
        } else j++;
      }
      let k = j + 1;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      const keys = objects[objects.length - 1];
      if (keys && text.charCodeAt(k) === 0x3a) {
        // "a" and "\u0061" are the same key.
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j + 1;
    } else {
      if (c === 0x7b) objects.push(new Set());
      else if (c === 0x5b) objects.push(null);
      else if (c === 0x7d || c === 0x5d) objects.pop();
      i++;
    }
  }
  return null;
}

/**
 * Where the tensors, sorted by offset, fail to tile [0, dataSize): a hole before one, an
 * overlap, or bytes after the last. Null when they tile it exactly.
 */
export function layoutProblem(tensors: [string, { dataOffsets: [number, number] }][], dataSize: number): string | null {
  const sorted = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let end = 0;
  let prev: string | null = null;
  const nm = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
  for (const [name, { dataOffsets: [b, e] }] of sorted) {
    if (b < end) return `tensors ${nm(prev!)} and ${nm(name)} overlap in the file`;
    if (b > end) return `${b - end} bytes between ${prev === null ? 'the header' : `tensor ${nm(prev)}`} and tensor ${nm(name)} belong to no tensor`;
    end = e;
    prev = name;
  }
  if (end < dataSize) return `${dataSize - end} bytes after the last tensor belong to no tensor`;
  return null;
}
