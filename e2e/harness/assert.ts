/** The suite's one assertion: a failed check throws with its message, which the runner prints. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}
