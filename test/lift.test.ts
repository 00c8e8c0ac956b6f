/**
 * retain lift on the hand-built experiment of test/support/lift-fixture.ts, the same on DuckDB,
 * Postgres and Snowflake (fakesnow); BigQuery: test/lift-bigquery.test.ts.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startFakesnow, type FakesnowServer } from '../scripts/ensure-fakesnow.mjs';
import { startPostgres, type PostgresServer } from '../scripts/ensure-postgres.mjs';
import { loadConfig, type ResolvedConfig } from '../src/config/load.js';
import { openWarehouse } from '../src/warehouse/index.js';
import { expectHandComputedLift, writeLiftFixture } from './support/lift-fixture.js';
import { writeSyncConfig } from './support/sync-fixture.js';
import { tempDir } from './support/tmp.js';

let server: PostgresServer | undefined;
let snowflake: FakesnowServer | undefined;
beforeAll(async () => {
  [server, snowflake] = await Promise.all([startPostgres(), startFakesnow()]);
  process.env.FAKESNOW_PASSWORD = snowflake.password;
});
afterAll(() => {
  server?.stop();
  snowflake?.stop();
});

/** The fixture's config: DuckDB, or the same with a Postgres or Snowflake (fakesnow) target, schema lift_test. */
async function fixture(target: 'duckdb' | 'postgres' | 'snowflake'): Promise<ResolvedConfig> {
  const dir = join(tempDir('retain-lift-'), 'w');
  mkdirSync(dir);
  let resolved = writeSyncConfig(dir, 'http://127.0.0.1:9');
  if (target === 'postgres') {
    appendFileSync(resolved.configPath, ['targets:', '  pg:', '    type: postgres', `    host: ${server!.host}`, `    port: ${server!.port}`, `    user: ${server!.user}`, `    database: ${server!.database}`, '    schema: lift_test', ''].join('\n'));
    resolved = loadConfig({ config: resolved.configPath, target: 'pg' });
  }
  if (target === 'snowflake') {
    const sf = snowflake!;
    const fields = [`account: ${sf.account}`, `user: ${sf.user}`, 'password_env: FAKESNOW_PASSWORD', 'database: retain_ci', 'schema: lift_test', `host: ${sf.host}`, `port: ${sf.port}`, `protocol: ${sf.protocol}`];
    appendFileSync(resolved.configPath, ['targets:', '  sf:', '    type: snowflake', ...fields.map((field) => `    ${field}`), ''].join('\n'));
    resolved = loadConfig({ config: resolved.configPath, target: 'sf' });
  }
  const warehouse = await openWarehouse(resolved.connection);
  try {
    if (target === 'postgres') await warehouse.execute('create schema if not exists lift_test');
    if (target === 'snowflake') {
      await warehouse.execute('create database if not exists retain_ci');
      await warehouse.execute('create schema if not exists retain_ci.lift_test');
    }
    await writeLiftFixture(warehouse);
  } finally {
    await warehouse.close();
  }
  return resolved;
}

describe.each(['duckdb', 'postgres', 'snowflake'] as const)('retain lift on %s', (target) => {
  it('compares treated and holdout per segment with intervals, incremental revenue and cost per retained customer', async () => {
    const resolved = await fixture(target);

    await expectHandComputedLift(resolved);
  });
});
