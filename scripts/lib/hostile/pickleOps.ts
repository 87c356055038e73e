/**
 * Pickle opcodes by hand, for pickles no Python pickler would write. `op(...)` takes bytes as
 * numbers and text as latin1 strings; helpers cover the few opcodes with binary arguments.
 */
export function op(...parts: (number | string | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** BINUNICODE of UTF-8 text. */
export const str = (s: string) => {
  const b = new TextEncoder().encode(s);
  return op(0x58, ...u32(b.length), b);
};
/** LONG_BINPUT / LONG_BINGET: the hostile parts use memo slots from 2^30 up, clear of the writer's. */
export const put = (i: number) => op(0x72, ...u32(i));
export const get = (i: number) => op(0x6a, ...u32(i));
export const MEMO_BASE = 1 << 30;

/** One pickle from many pieces without spreading them into an argument list (some are megabytes). */
export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** `n` copies of one piece. */
export function repeat(piece: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(piece.length * n);
  for (let i = 0; i < n; i++) out.set(piece, i * piece.length);
  return out;
}
