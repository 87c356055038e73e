import type { StageTiming } from '../../worker/messages';

/** A run's stages in order, as the worker reports and times them. */
export const RUN_STAGES = ['preprocess', 'backbone', 'encoder', 'decoder', 'postprocess'] as const;
type Stage = (typeof RUN_STAGES)[number];
export type StageMs = Partial<Record<Stage, number>>;

/**
 * Shares of a run by stage before any run of the model was timed on this device: the backbone
 * is most of it (an official R50 on wasm, and the bundled models alike).
 */
const TYPICAL: Record<Stage, number> = { preprocess: 0.03, backbone: 0.55, encoder: 0.2, decoder: 0.17, postprocess: 0.05 };

/** A finished run's time per stage, the one-off shader compile left out (later runs do not compile). */
export function stageMs(timings: readonly StageTiming[]): StageMs {
  const out: StageMs = {};
  for (const t of timings) if ((RUN_STAGES as readonly string[]).includes(t.stage)) out[t.stage as Stage] = (out[t.stage as Stage] ?? 0) + t.ms;
  return out;
}

export const totalMs = (e: StageMs): number => RUN_STAGES.reduce((a, s) => a + (e[s] ?? 0), 0);

/**
 * How far a run is (0..1) at the start of `stage`, or after `step` of its `steps` (blocks or
 * layers): by the stages' times in the last run of the model on this device, else by typical
 * shares. Null for a stage outside the run proper (the shader compile).
 */
export function runFraction(expect: StageMs | null, stage: string, step = 0, steps = 0): number | null {
  const i = RUN_STAGES.indexOf(stage as Stage);
  if (i < 0) return null;
  const total = expect ? totalMs(expect) : 0;
  const share = (s: Stage) => (total > 0 ? (expect![s] ?? 0) / total : TYPICAL[s]);
  let f = 0;
  for (let j = 0; j < i; j++) f += share(RUN_STAGES[j]);
  if (steps > 0) f += (share(RUN_STAGES[i]) * Math.min(step, steps)) / steps;
  return Math.min(1, f);
}

/**
 * Seconds left of a run that was `fraction` done `atMs` after it began, asked at `elapsedMs`.
 * With a measured run (`expectMs`), the time it still needs, at this run's own pace so far (a
 * larger image, a busier device: the pace corrects the last run's times), counting down between
 * reports; the pace only once 5% is done (before, a first stage's noise would be multiplied).
 * With nothing measured, the pace of this run alone, once 10% is done. Null: nothing to go on.
 */
export function runSecondsLeft(expectMs: number | undefined, fraction: number, atMs: number, elapsedMs: number): number | null {
  let left: number;
  if (expectMs && expectMs > 0) {
    const pace = fraction >= 0.05 ? atMs / (expectMs * fraction) : 1;
    left = expectMs * (1 - fraction) * pace;
  } else if (fraction >= 0.1) {
    left = (atMs * (1 - fraction)) / fraction;
  } else return null;
  return Math.max(0, (left - (elapsedMs - atMs)) / 1000);
}
