/**
 * What a spec file registered by run.ts gets: the test context, the registration function and
 * the assertion every spec uses.
 */
import type { Browser, Page } from 'playwright-core';

export interface Ctx {
  browser: Browser;
  url: string;
  /** Opens the app with a query string and, unless `wait` is false, waits for the first run. */
  open: (query?: string, opts?: { timeout?: number; wait?: boolean }) => Promise<Page>;
}

/** `expectConsole`: console errors the test provokes on purpose. */
export type Register = (name: string, fn: (ctx: Ctx) => Promise<void>, timeout?: number, expectConsole?: RegExp) => void;

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}
