import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain closing line CI reads: "vitest: N passed, N failed". */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    if (process.env.RETAIN_TEST_BIGQUERY !== '1') {
      // vitest.config.ts leaves this suite out of `npm test`: say so in every run, not only in the README
      process.stdout.write(
        '\nnot run by npm test: test/*-bigquery.test.ts (BigQuery on goccy/bigquery-emulator: 6-20 min to build the emulator on a machine without the cache, ~6 min for the suites); run them with `npm run test:bigquery`\n',
      );
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
