import { defineConfig } from 'vitest/config'

// `npm run soak`: the long runs (SOAK_MINUTES of steady load, SOAK_CRASH_CYCLES kill -9 cycles), apart from `npm test`.
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
})
