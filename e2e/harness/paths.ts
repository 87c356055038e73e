/** Where the suite finds the built app and its fixtures, and where it writes screenshots. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The built app (`npx vite build`): the suite tests what a static host would serve. LENS_DIST names
 * another build (`npx vite build --outDir DIR`), so two builds can be tested side by side.
 */
export const DIST = process.env.LENS_DIST ?? join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'test-results', 'screenshots');
/** The checkpoint fixtures the unit tests read too (malicious, truncated, foreign, mini). */
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'pth');
