/**
 * Debian's Chromium, driven by playwright-core (no downloaded browser), and how a script waits on
 * the app in it. The e2e suite, the WebGPU parity run and the benchmark suites all launch it
 * here, so they see the same browser with the same flags.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, statSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// WebGPU is behind a flag on Linux; on a machine without a GPU it runs on SwiftShader. The
// other flags keep the browser from talking to Google's services during a run.
const WEBGPU = '--enable-unsafe-webgpu';
const BASE_ARGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface ChromiumOptions {
  /** Default true: the flag that turns WebGPU on (false launches a browser that lacks it). */
  webgpu?: boolean;
  /** More flags (e.g. --js-flags=--expose-gc). */
  extra?: string[];
}

export function chromiumArgs(opts: ChromiumOptions = {}): string[] {
  return [...BASE_ARGS, ...(opts.webgpu === false ? [] : [WEBGPU]), ...(opts.extra ?? [])];
}

export function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM) || !statSync(CHROMIUM).isFile()) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(opts) });
}

/**
 * Waits until the app has completed `n` detection runs and is idle, read from the status line's
 * data attributes (data-runs counts completed runs, data-busy is 'true' while one goes); an error
 * message the app shows fails the wait at once instead of at the timeout.
 */
export async function waitRuns(page: Page, n: number, timeout = 90_000, polling = 250): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid=status]');
      const err = document.querySelector('[data-testid=error-message]');
      if (err) throw new Error('app error: ' + err.textContent);
      return !!el && Number(el.getAttribute('data-runs')) >= n && el.getAttribute('data-busy') === 'false';
    },
    n,
    { timeout, polling },
  );
}
