import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests share two cores; files run one at a time so timings of the training tests stay sane.
    fileParallelism: false,
  },
});
