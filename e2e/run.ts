/**
 * Browser tests of the built app (dist/), with playwright-core driving Debian's Chromium.
 *   npm run e2e                         (builds, then runs every test)
 *   npx tsx e2e/run.ts [name filter]    (against an existing dist/; e.g. `effect:` or `security:`)
 *   npx tsx e2e/run.ts --docs           (also refreshes docs/screenshots/ from the run)
 * One spec per feature in specs/, the harness (browser, server, runner, shared helpers) in
 * harness/. Screenshots go to test-results/screenshots/. Ends with a line "e2e: N passed, N failed".
 */
// Importing a spec registers its tests; they run in this order.
import './specs/backends';
import './specs/images';
import './specs/decoder';
import './specs/smca';
import './specs/comparison';
import './specs/runs';
import './specs/checkpoints';
import './specs/storedCheckpoints';
import './specs/multiScale';
import './specs/conditional';
import './specs/deformable';
import './specs/dabDetr';
import './specs/exports';
import './specs/encoder';
import './specs/viewState';
import './specs/offline';
import './specs/convergence';
import './specs/security';
import './specs/accessibility';
import './specs/firstView';
import { runTests } from './harness/runner';

runTests(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
