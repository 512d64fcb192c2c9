import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The engines' suite needs Python readers: `npm run interop` (vitest.interop.config.ts).
    exclude: [...configDefaults.exclude, 'test/interop/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child-process daemons and brokers share 2 cores with the runner; keep files in parallel modest.
    maxWorkers: 2,
  },
})
