import { defineConfig } from 'vitest/config'

// `npm run interop`: the lake read by the central team's engines (Python, in .venv), apart from `npm test`.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    maxWorkers: 1,
  },
})
