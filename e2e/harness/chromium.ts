/**
 * Debian's Chromium, driven by playwright-core (no downloaded browser). The suite, the WebGPU
 * parity run and the wasm timing script all launch it here, so they see the same browser with
 * the same flags.
 */
import { chromium, type Browser } from 'playwright-core';
import { existsSync, statSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// WebGPU is behind a flag on Linux; on a machine without a GPU it runs on SwiftShader. The
// other flags keep the browser from talking to Google's services during a run.
const WEBGPU = '--enable-unsafe-webgpu';
const ARGS = ['--headless=new', '--no-sandbox', WEBGPU, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** `webgpu: false` launches without WebGPU, as a browser that lacks it. */
export function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM) || !statSync(CHROMIUM).isFile()) throw new Error(`Chromium not found at ${CHROMIUM}`);
  const args = opts.webgpu === false ? ARGS.filter((a) => a !== WEBGPU) : ARGS;
  return chromium.launch({ executablePath: CHROMIUM, args });
}
