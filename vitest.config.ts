import { configDefaults, defineConfig } from 'vitest/config'
import { LONG_TESTS } from './test/long-tests.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The engines' suite needs Python readers: `npm run interop` (vitest.interop.config.ts).
    // MEDALLION_TEST_CHROMIUM=0 leaves out the tests that drive the staff page in Chromium (.ci/run's
    // second pass, on Node 22: the page runs in the browser, not on Node, and the API under it is
    // tested on every Node line by the HTTP tests).
    exclude: [
      ...configDefaults.exclude,
      'test/interop/**',
      ...(process.env.MEDALLION_TEST_CHROMIUM === '0' ? ['test/**/*.browser.test.ts'] : []),
      ...(process.env.MEDALLION_TEST_LONG === '0' ? LONG_TESTS : []),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child-process daemons and brokers share 2 cores with the runner; keep files in parallel modest.
    maxWorkers: 2,
  },
})
