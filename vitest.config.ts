import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs (1 on a 2-core CI machine), but most of this
    // suite waits on child processes, sockets and timers rather than the CPU: two files at a time
    // halve the wall time without starving timing-sensitive tests.
    maxWorkers: 2,
  },
});
