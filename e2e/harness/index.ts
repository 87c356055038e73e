/**
 * The e2e harness: what a spec file imports (registration, assertion, waits on the app, shared
 * page helpers, test checkpoints, the browser and the static server for tests that need one of
 * their own). The runner is imported by run.ts alone.
 */
export { test, type Ctx } from './registry';
export { assert } from './assert';
export { DIST, FIXTURES, ROOT, SHOTS } from './paths';
export { idle, runs, waitRuns } from './appState';
export { dismissError, dropFile, selectFirstQuery } from './actions';
export { detectionsOf, errorText, headsOf, type Det } from './readings';
export { shot } from './screenshots';
export { bundledConfig, officialDetr, tinyDetrFile, tinySamDetr } from './checkpointFiles';
export { launchChromium } from './chromium';
// The static server is shared with the benchmarks; specs reach it through here.
export { serve } from '../../scripts/lib/staticServer';
