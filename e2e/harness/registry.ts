/**
 * The test registry: each spec file calls `test(...)` when run.ts imports it, in the order run.ts
 * imports them; the runner then runs what is registered.
 */
import type { Browser, Page } from 'playwright-core';

export interface Ctx {
  browser: Browser;
  /** The static server's address of the built app, ending in '/'. */
  url: string;
  /** Opens the app with a query string and, unless `wait` is false, waits for the first run. */
  open: (query?: string, opts?: { timeout?: number; wait?: boolean }) => Promise<Page>;
}

export type TestFn = (ctx: Ctx) => Promise<void>;

export interface TestCase {
  name: string;
  fn: TestFn;
  timeout: number;
  /**
   * Console errors the test provokes on purpose (e.g. the browser logging a failed request while
   * offline). Any other page error or console error fails the test.
   */
  expectConsole?: RegExp;
}

const registered: TestCase[] = [];

export function test(name: string, fn: TestFn, timeout = 120_000, expectConsole?: RegExp): void {
  registered.push({ name, fn, timeout, expectConsole });
}

export function registeredTests(): readonly TestCase[] {
  return registered;
}
