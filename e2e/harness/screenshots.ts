/**
 * Screenshots: tests take them as they go (test-results/screenshots/, kept by CI as the run's
 * record), the runner takes one of each page of a failed test, and `--docs` copies some of them
 * over the documentation's.
 */
import type { Page } from 'playwright-core';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHOTS } from './paths';

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** This run's screenshot -> the name it has in docs/screenshots/ (the README's and docs' images). */
const DOCS: [string, string][] = [
  ['30-first-view-1440x900', 'first-view'], ['06-query-selected', 'query-selected'], ['06b-heads-in-colour', 'heads-in-colour'], ['07-head-solo', 'head-solo'], ['08-smca-prior-off-diff', 'smca-diff'],
  ['10-side-by-side', 'side-by-side'], ['12-encoder-attention', 'encoder-attention'], ['04-error-text-file', 'error-message'],
  ['19c-baseline-vs-sam-detr', 'attention-concentration'], ['21b-multiscale-sampling-panels', 'multiscale-sampling'], ['20-multiscale-decoder', 'multiscale-decoder'],
  ['60b-deformable-sampling-panel', 'deformable-sampling'],
];

/** Refreshes the documentation's screenshots from this run (those a filtered run did not take stay). */
export function copyDocsScreenshots() {
  const docs = join(ROOT, 'docs', 'screenshots');
  mkdirSync(docs, { recursive: true });
  for (const [from, to] of DOCS) if (existsSync(join(SHOTS, `${from}.png`))) copyFileSync(join(SHOTS, `${from}.png`), join(docs, `${to}.png`));
}
