/** Elementwise parity check: |ours - ref| <= atol + rtol * |ref| for floats, exact for integers. */
export interface CompareRow {
  name: string;
  maxAbs: number;
  maxRel: number;
  worstIndex: number;
  pass: boolean;
  exact: boolean;
  /** Elements actually compared (the rest were skipped as tie members, see ties.ts). */
  compared: number;
  /** Elements in the reference tensor. */
  total: number;
  error?: string;
  /** e.g. how many tied top-k ranks were reordered before comparing */
  note?: string;
}

export const ATOL = 1e-4;
export const RTOL = 1e-3;

/** A tolerance; `atol`/`rtol` default to the cpu/wasm ones. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * `skip`: element indices not compared (tie members cut by top-k, see ties.ts). A tensor with
 * no element compared fails: a check that looked at nothing proves nothing.
 */
export function compareTensor(name: string, ours: ArrayLike<number> | undefined, ref: ArrayLike<number>, exact: boolean, atol = ATOL, rtol = RTOL, skip?: Set<number>): CompareRow {
  const failed = (error: string): CompareRow => ({ name, maxAbs: NaN, maxRel: NaN, worstIndex: -1, pass: false, exact, compared: 0, total: ref.length, error });
  if (!ours) return failed('not produced');
  if (ours.length !== ref.length) return failed(`length ${ours.length} vs ${ref.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let worstIndex = -1;
  let pass = true;
  let worstExcess = -Infinity;
  let compared = 0;
  for (let i = 0; i < ref.length; i++) {
    if (skip?.has(i)) continue;
    compared++;
    const a = ours[i];
    const r = ref[i];
    const d = Math.abs(a - r);
    const bad = exact ? a !== r : !(d <= atol + rtol * Math.abs(r));
    if (bad) pass = false;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    const rel = d / Math.max(Math.abs(r), 1e-12);
    if (Math.abs(r) > atol && rel > maxRel) maxRel = rel;
    const excess = d - (atol + rtol * Math.abs(r));
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
  }
  const row: CompareRow = { name, maxAbs, maxRel, worstIndex, pass, exact, compared, total: ref.length };
  if (compared === 0) return { ...row, pass: false, error: 'no element compared' };
  return row;
}

export function formatRows(rows: CompareRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length), 6);
  const lines = [`${'tensor'.padEnd(w)}  ${'compared'.padStart(13)}  ${'max abs err'.padStart(12)}  ${'max rel err'.padStart(12)}  result`];
  for (const r of rows) {
    const res = (r.pass ? 'pass' : `FAIL${r.error ? ` (${r.error})` : ` (worst at ${r.worstIndex})`}`) + (r.note ? ` [${r.note}]` : '');
    const counted = r.compared === r.total ? String(r.total) : `${r.compared}/${r.total}`;
    lines.push(`${r.name.padEnd(w)}  ${counted.padStart(13)}  ${r.maxAbs.toExponential(3).padStart(12)}  ${r.maxRel.toExponential(3).padStart(12)}  ${r.exact ? 'exact ' : ''}${res}`);
  }
  const n = rows.filter((r) => r.pass).length;
  const elements = rows.reduce((s, r) => s + r.compared, 0);
  lines.push(`parity: ${n}/${rows.length} tensors within tolerance (${elements} elements compared)`);
  return lines.join('\n');
}
