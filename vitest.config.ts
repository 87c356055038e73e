import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Vitest's default (cores - 1) runs the files one at a time on a 2-core machine, where the
    // parity files' single-threaded cpu and wasm runs take 14 of the 16 minutes; two at a time
    // halves that, and the main process mostly waits.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
