import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // BigQuery on the emulator is not part of `npm test` (README, BigQuery): a machine without the
    // cache builds the emulator for 6-20 minutes and the suites (test/*-bigquery.test.ts) run ~6 more;
    // `npm run test:bigquery` runs them.
    exclude: process.env.RETAIN_TEST_BIGQUERY === '1' ? [] : ['test/*-bigquery.test.ts'],
    testTimeout: 600_000,
    // beforeAll hooks run whole pipelines; two files run side by side on two cores
    hookTimeout: 900_000,
    // Every file works in its own temp folders (DuckDB files, dbt target and log paths, loopback
    // servers on port 0), so two files can run at once: most of a file's time is one dbt process on
    // one core. Set VITEST_MAX_WORKERS=1 to run them one at a time.
    fileParallelism: true,
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 2),
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
