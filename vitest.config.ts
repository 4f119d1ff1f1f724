import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn whole clusters; on 2 cores running files one at a time keeps them honest.
    fileParallelism: false,
  },
});
