/**
 * `retain lift` on BigQuery, through goccy/bigquery-emulator on loopback: the hand-built
 * experiment of test/support/lift-fixture.ts, written with the Warehouse interface (load jobs),
 * measured (GoogleSQL's date_add for the windows) and stored in lift_results.
 *
 * Not part of `npm test` (README, BigQuery): `npm run test:bigquery` runs it.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startBigQueryEmulator, type BigQueryEmulator } from '../scripts/ensure-bigquery-emulator.mjs';
import { loadConfig } from '../src/config/load.js';
import { openWarehouse } from '../src/warehouse/index.js';
import { expectHandComputedLift, writeLiftFixture } from './support/lift-fixture.js';
import { writeSyncConfig } from './support/sync-fixture.js';
import { tempDir } from './support/tmp.js';

let emulator: BigQueryEmulator | undefined;
beforeAll(async () => {
  emulator = await startBigQueryEmulator();
}, 3_600_000); // a machine without the cache builds the emulator first

afterAll(() => emulator?.stop());

describe('retain lift on BigQuery (emulator)', () => {
  it('compares treated and holdout per segment with intervals, incremental revenue and cost per retained customer', async () => {
    const dir = join(tempDir('retain-lift-bq-'), 'w');
    mkdirSync(dir);
    const configPath = writeSyncConfig(dir, 'http://127.0.0.1:9').configPath;
    const target = ['targets:', '  bq:', '    type: bigquery', `    project: ${emulator!.project}`, '    dataset: lift_test', `    api_endpoint: ${emulator!.apiEndpoint}`, '    threads: 1', ''];
    appendFileSync(configPath, target.join('\n'));
    const resolved = loadConfig({ config: configPath, target: 'bq' });
    const warehouse = await openWarehouse(resolved.connection);
    try {
      await writeLiftFixture(warehouse);
    } finally {
      await warehouse.close();
    }
    await expectHandComputedLift(resolved);
  });
});
