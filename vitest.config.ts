import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // With CLICKHOUSE_URL set, every test file gets its own database on that server.
    setupFiles: ['test/setup/clickhouse-database.ts'],
    // chDB allows one data directory per process: every test file runs in its own process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
