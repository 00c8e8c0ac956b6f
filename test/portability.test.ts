/**
 * Portability (issue 7): the same retain.yml, unchanged, on DuckDB and on a real PostgreSQL
 * (Debian's server, started on 127.0.0.1 by scripts/ensure-postgres.mjs and stopped afterwards).
 * `retain run` builds every model on both; every mart is then compared row for row (floats to
 * 1e-9 relative), and the bad-input fixture's rejected rows must be the same on both, so a value
 * that does not parse is a rejected row on Postgres too, never a failed build.
 *
 * The same checks run on Snowflake through fakesnow (PyPI: Snowflake emulated on DuckDB), started
 * on 127.0.0.1 by scripts/ensure-fakesnow.mjs: dbt-snowflake builds the models through fakesnow's
 * server and the Node snowflake-sdk reads the results (through the test-only JSON-result shim of
 * test/support/fakesnow_server.py). The known fakesnow gaps are listed in the README.
 *
 * When a server cannot be installed or started this suite fails with the reason (it never
 * skips): the Postgres and Snowflake paths are part of what `npm test` proves.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakesnow, type FakesnowServer } from '../scripts/ensure-fakesnow.mjs';
import { startPostgres, type PostgresServer } from '../scripts/ensure-postgres.mjs';
import type { Row, Warehouse } from '../src/warehouse/index.js';
import { repoRoot, retain } from './support/cli.js';
import { ACTIVATION, differences, martNames, readTable, retainAsync, withoutPayloadHash, withWarehouse, writeReportSummary, type CliRun } from './support/portability.js';
import { tempDir } from './support/tmp.js';

const AS_OF = '2026-06-30';
const dir = tempDir('retain-portability-');
const badDir = join(dir, 'bad');
let server: PostgresServer | undefined;
let snowflake: FakesnowServer | undefined;

function targetsYaml(pg: PostgresServer, schema: string): string {
  return ['targets:', '  pg:', '    type: postgres', `    host: ${pg.host}`, `    port: ${pg.port}`, `    user: ${pg.user}`, `    database: ${pg.database}`, `    schema: ${schema}`, '    threads: 4', ''].join('\n');
}

/** fakesnow's server as a Snowflake target (its password in $FAKESNOW_PASSWORD, as a user's would be). */
function snowflakeTargetYaml(sf: FakesnowServer, schema: string): string {
  const fields = [`account: ${sf.account}`, `user: ${sf.user}`, 'password_env: FAKESNOW_PASSWORD', 'database: retain_ci', `schema: ${schema}`, `host: ${sf.host}`, `port: ${sf.port}`, `protocol: ${sf.protocol}`, 'threads: 1'];
  return ['  sf:', '    type: snowflake', ...fields.map((field) => `    ${field}`), ''].join('\n');
}

/** A server target of this suite: its name in retain.yml and what its runs must show. */
interface ServerTarget {
  label: string;
  target: 'pg' | 'sf';
  /** `warehouse_path` of `retain run --json` */
  where: () => string;
  /** environment of its CLI runs */
  env: () => NodeJS.ProcessEnv;
}

const SERVER_TARGETS: ServerTarget[] = [
  { label: 'Postgres', target: 'pg', where: () => `postgres://postgres@127.0.0.1:${server!.port}/postgres (schema retain_marts)`, env: () => ({}) },
  // dbt-snowflake comes from fakesnow's cached environment (requirements-snowflake.txt is not in .venv)
  { label: 'Snowflake (fakesnow)', target: 'sf', where: () => 'snowflake fakesnow/retain_ci.retain_marts', env: () => ({ RETAIN_DBT: snowflake!.dbt }) },
];

const runs: Record<string, { full?: CliRun; bad?: CliRun }> = { duckdb: {}, pg: {}, sf: {} };

beforeAll(async () => {
  [server, snowflake] = await Promise.all([startPostgres(), startFakesnow()]);
  // the target's password variable, as a user would export it (the CLI runs inherit it)
  process.env.FAKESNOW_PASSWORD = snowflake.password;
  const generated = await retainAsync(['generate', '--customers', '400', '--seed', '11', '--format', 'csv', '--as-of', AS_OF, '--out', dir, '--json'], repoRoot);
  if (generated.code !== 0) throw new Error(`retain generate failed:\n${generated.stderr}`);
  writeFileSync(join(dir, 'retain.yml'), readFileSync(join(dir, 'retain.yml'), 'utf8') + ACTIVATION + targetsYaml(server, 'retain_marts') + snowflakeTargetYaml(snowflake, 'retain_marts'));
  // the hand-made bad-input fixture (test/staging.test.ts) as a project of its own
  cpSync(join(repoRoot, 'test', 'fixtures', 'bad_input'), badDir, { recursive: true });
  const sources = readdirSync(badDir).filter((name) => name.endsWith('.csv')).map((name) => `  ${basename(name, '.csv')}: { path: ${name} }`);
  writeFileSync(
    join(badDir, 'retain.yml'),
    ['version: 1', 'warehouse: { type: duckdb, path: retain.duckdb }', `as_of: 2024-06-30`, 'sources:', ...sources, 'currency: { base: USD, rates: { USD: 1, EUR: 1.08, GBP: 1.27 } }', targetsYaml(server, 'retain_bad'), snowflakeTargetYaml(snowflake, 'retain_bad')].join('\n'),
  );
  // fakesnow starts empty: the database a Snowflake user would already have
  await withWarehouse(dir, 'sf', (warehouse) => warehouse.execute('create database if not exists retain_ci'));
  const stagingOnly = ['--', 'build', '--select', 'staging', 'rejected_rows', 'assert_rows_accounted_for', 'path:test/dbt/staging'];
  const targets = [{ key: 'duckdb', args: [] as string[], env: {} }, ...SERVER_TARGETS.map(({ target, env }) => ({ key: target, args: ['--target', target], env: env() }))];
  // two full builds at a time (vitest may run another file beside this one on two cores): the
  // small staging-only builds go beside the last full one
  const fullRun = (i: number) => retainAsync(['run', ...targets[i]!.args, '--json'], dir, targets[i]!.env);
  const badRun = (i: number) => retainAsync(['dbt', ...targets[i]!.args, ...stagingOnly], badDir, targets[i]!.env);
  const badInTurn = async () => {
    const out: CliRun[] = [];
    for (let i = 0; i < targets.length; i++) out.push(await badRun(i));
    return out;
  };
  const [full0, full1] = await Promise.all([fullRun(0), fullRun(1)]);
  const [full2, bad] = await Promise.all([fullRun(2), badInTurn()]);
  const full = [full0, full1, full2];
  targets.forEach(({ key }, i) => (runs[key] = { full: full[i], bad: bad[i] }));
}, 1_200_000); // six dbt builds, at most two full ones at a time: minutes on a busy 2-core machine

afterAll(() => {
  server?.stop();
  snowflake?.stop();
});

describe.each(SERVER_TARGETS)('the same pipeline on DuckDB and $label', ({ label, target, where }) => {
  const names: [string, string] = ['duckdb', target];

  it('runs `retain run` unchanged on both targets', () => {
    expect(runs.duckdb!.full?.code, runs.duckdb!.full?.stderr).toBe(0);
    expect(runs[target]!.full?.code, runs[target]!.full?.stderr).toBe(0);
    const duck = JSON.parse(runs.duckdb!.full!.stdout) as { target: string; nodes: { models: number; tests: number }; warehouse_path: string; predictions: { groups: unknown } };
    const other = JSON.parse(runs[target]!.full!.stdout) as typeof duck;
    expect(other.target).toBe(target);
    expect(other.warehouse_path).toBe(where());
    // the same models and checks ran on both
    expect(other.nodes).toEqual(duck.nodes);
    expect(other.predictions.groups).toEqual(duck.predictions.groups);
  });

  it('validates the results on both with the same checks and outcomes', () => {
    type Validation = { passed: boolean; counts: Record<string, number>; checks: Array<{ check: string; subject: string; status: string; value: number | null }> };
    const duck = (JSON.parse(runs.duckdb!.full!.stdout) as { validation: Validation }).validation;
    const other = (JSON.parse(runs[target]!.full!.stdout) as { validation: Validation }).validation;
    expect(other.passed).toBe(true);
    expect(other.counts).toEqual(duck.counts);
    expect(other.counts.pass).toBeGreaterThan(10);
    expect(other.checks.map(({ check, subject, status }) => [check, subject, status])).toEqual(duck.checks.map(({ check, subject, status }) => [check, subject, status]));
    other.checks.forEach((check, i) => {
      const value = duck.checks[i]!.value;
      if (check.value === null || value === null) expect(check.value, `${check.check} ${check.subject}`).toBe(value);
      else expect(check.value, `${check.check} ${check.subject}`).toBeCloseTo(value, 9);
    });
  });

  it(`file sources reach ${label} as tables with their file and line, every row loaded`, async () => {
    const csvRows = readFileSync(join(dir, 'data', 'orders.csv'), 'utf8').trim().split('\n').length - 1;
    const [loaded] = await withWarehouse(dir, target, (warehouse) =>
      warehouse.query<{ n: number; files: number; first: number; last: number }>(
        'select count(*) as n, count(distinct _retain_source_file) as files, min(_retain_source_row_number) as first, max(_retain_source_row_number) as last from retain_source_orders',
      ),
    );
    expect(loaded).toEqual({ n: csvRows, files: 1, first: 1, last: csvRows });
  });

  it('every mart has the same rows on both (floats to 1e-9 relative)', async () => {
    const marts = martNames();
    expect(marts).toEqual(expect.arrayContaining(['customer_profile', 'customer_segments', 'segment_summary', 'segment_transitions', 'rejected_rows', 'clv_model_parameters']));
    const readAll = async (warehouse: Warehouse) => {
      const tables: Record<string, Row[]> = {};
      for (const mart of marts) tables[mart] = await readTable(warehouse, mart);
      return tables;
    };
    const duck = await withWarehouse(dir, undefined, readAll);
    const other = await withWarehouse(dir, target, readAll);
    for (const tables of [duck, other]) expect(withoutPayloadHash(tables.audience_members!)).toBe(true);
    for (const mart of marts) {
      expect(differences(mart, duck[mart]!, other[mart]!, names), mart).toEqual([]);
    }
    // not vacuous: the generated data reaches every layer, both audiences have eligible members
    // and the payload's float, date and integer fields
    const eligible = (audience: string) => duck.audience_members!.filter((row) => row.audience === audience && row.is_eligible === true);
    expect(eligible('win_back').length).toBeGreaterThan(0);
    expect(eligible('entered_at_risk').length).toBeGreaterThan(0);
    const payload = JSON.parse(String(eligible('win_back')[0]!.payload)) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['churn', 'clv', 'last_order', 'offer', 'orders', 'segment']);
    expect(typeof payload.churn).toBe('number');
    expect(payload.last_order).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(duck.customer_profile!.length).toBe(400);
    expect(duck.rejected_rows!.length).toBeGreaterThan(0);
    expect(duck.clv_model_parameters!.length).toBeGreaterThan(0);
  });

  it(`writes the same report from ${label}: the same sections and charts with the same points`, async () => {
    const duck = await writeReportSummary(dir, [], 'report-duckdb.html');
    const other = await writeReportSummary(dir, ['--target', target], `report-${target}.html`);
    expect(other.as_of).toBe(duck.as_of);
    expect(other.sections.map(({ id, shown }) => [id, shown])).toEqual(duck.sections.map(({ id, shown }) => [id, shown]));
    expect(other.charts).toEqual(duck.charts);
    // not vacuous: the segments, R x F grid, churn and value charts have points
    expect(duck.charts.filter((chart) => chart.points > 0).length).toBeGreaterThanOrEqual(4);
    const html = readFileSync(join(dir, `report-${target}.html`), 'utf8');
    expect(html).toContain('<svg');
  });

  it(`rejects the same bad input rows for the same reasons on both (no failed cast on ${label})`, async () => {
    expect(runs.duckdb!.bad?.code, runs.duckdb!.bad?.stdout.slice(-3000)).toBe(0);
    expect(runs[target]!.bad?.code, runs[target]!.bad?.stdout.slice(-3000)).toBe(0);
    const duck = await withWarehouse(badDir, undefined, (warehouse) => readTable(warehouse, 'rejected_rows'));
    const other = await withWarehouse(badDir, target, (warehouse) => readTable(warehouse, 'rejected_rows'));
    expect(differences('rejected_rows', duck, other, names)).toEqual([]);
    // the guarded casts: 'not-a-date' and 'abc' are rejected rows on every target
    const reasons = other.filter((row) => row.source === 'orders').map((row) => row.reason);
    expect(reasons).toEqual(expect.arrayContaining(['invalid_timestamp', 'invalid_number']));
    for (const table of ['stg_retain__orders', 'stg_retain__customers', 'stg_retain__engagement_events']) {
      const left = await withWarehouse(badDir, undefined, (warehouse) => readTable(warehouse, table));
      const right = await withWarehouse(badDir, target, (warehouse) => readTable(warehouse, table));
      expect(differences(table, left, right, names)).toEqual([]);
    }
  });
});

describe('the incremental staging tables carry each warehouse\'s hints', () => {
  const modelConfig = (stateDir: string, model: string) => {
    const manifest = JSON.parse(readFileSync(join(dir, '.retain', ...stateDir.split('/'), 'manifest.json'), 'utf8')) as { nodes: Record<string, { config: Record<string, unknown> }> };
    return manifest.nodes[`model.retain.${model}`]!.config;
  };

  it('Postgres: a unique index on row_key (the merge deletes by it) and one on customer_id', async () => {
    const indexes = await withWarehouse(dir, 'pg', (warehouse) =>
      warehouse.query<{ indexdef: string }>("select indexdef from pg_indexes where schemaname = 'retain_marts' and tablename = 'base_retain__orders' order by indexdef"),
    );
    const columns = indexes.map((row) => [row.indexdef.includes('UNIQUE'), row.indexdef.replace(/^.*USING btree /, '')]);
    expect(columns.sort()).toEqual([
      [false, '(customer_id)'],
      [true, '(row_key)'],
    ]);
  });

  it('Snowflake: clustered by customer_id, merged with delete+insert (fakesnow does not emulate clustering: the declared config)', () => {
    for (const model of ['base_retain__orders', 'base_retain__engagement_events']) {
      expect(modelConfig('targets/sf/target', model)).toMatchObject({ materialized: 'incremental', unique_key: 'row_key', incremental_strategy: 'delete+insert', cluster_by: ['customer_id'] });
    }
  });

  it('DuckDB: none', () => {
    const config = modelConfig('target', 'base_retain__orders');
    expect(config).toMatchObject({ materialized: 'incremental', incremental_strategy: 'delete+insert' });
    expect([config.cluster_by ?? null, config.partition_by ?? null, config.indexes ?? null]).toEqual([null, null, null]);
  });
});

describe('retain doctor', () => {
  interface Report {
    ok: boolean;
    type: string;
    checks: Array<{ check: string; status: string; detail: string; hint?: string }>;
  }
  const byCheck = (report: Report) => Object.fromEntries(report.checks.map((check) => [check.check, check]));

  it('passes with a user that may create the schema, tables and read the sources', () => {
    const result = retain(['doctor', '--target', 'pg', '--json'], { cwd: dir });
    expect(result.code, result.stdout).toBe(0);
    const report = result.json<Report>();
    expect(report.ok).toBe(true);
    expect(report.type).toBe('postgres');
    const checks = byCheck(report);
    for (const name of ['dbt adapter', 'connect', 'create schema', 'create table', 'source orders', 'source customers']) expect(checks[name]?.status, name).toBe('ok');
    expect(checks['create schema']?.detail).toBe('schema retain_marts exists');
  });

  it('passes on Snowflake (fakesnow) with dbt-snowflake, the connection, the schema, a table and the sources', () => {
    const result = retain(['doctor', '--target', 'sf', '--json'], { cwd: dir, env: { RETAIN_DBT: snowflake!.dbt } });
    expect(result.code, result.stdout).toBe(0);
    const report = result.json<Report>();
    expect(report).toMatchObject({ ok: true, type: 'snowflake' });
    const checks = byCheck(report);
    expect(checks['dbt adapter']?.detail).toBe('dbt-snowflake is installed (dbt.adapters.snowflake)');
    expect(checks.credentials?.detail).toBe('password from $FAKESNOW_PASSWORD');
    expect(checks.connect?.detail).toMatch(/^snowflake fakesnow\/retain_ci\.retain_marts: Snowflake \d/);
    expect(checks['create schema']?.detail).toBe('schema retain_marts exists');
    for (const name of ['create table', 'source orders', 'source customers']) expect(checks[name]?.status, name).toBe('ok');
  });

  it('says precisely what a user without rights lacks, and never prints the password', async () => {
    await withWarehouse(dir, 'pg', async (warehouse) => {
      await warehouse.execute("create role retain_weak login password 'weak-password-123'");
      await warehouse.execute('create table public.shop_orders (order_id text, customer_id text, ordered_at text, revenue text)');
    });
    writeFileSync(
      join(dir, 'weak.yml'),
      [
        'version: 1',
        `warehouse: { type: postgres, host: 127.0.0.1, port: ${server!.port}, user: retain_weak, password_env: WEAK_PASSWORD, database: postgres, schema: weak_schema }`,
        'sources:',
        '  orders: { table: public.shop_orders }',
        '',
      ].join('\n'),
    );
    const result = retain(['doctor', '--config', 'weak.yml', '--json'], { cwd: dir, env: { WEAK_PASSWORD: 'weak-password-123' } });
    expect(result.code).toBe(3);
    expect(result.stdout).not.toContain('weak-password-123');
    const checks = byCheck(result.json<Report>());
    expect(checks.credentials?.detail).toBe('password from $WEAK_PASSWORD');
    expect(checks.connect?.status).toBe('ok');
    expect(checks['create schema']).toMatchObject({ status: 'fail', detail: 'cannot create schema weak_schema: permission denied for database postgres' });
    expect(checks['create schema']?.hint).toContain('grant create on database postgres to retain_weak');
    expect(checks['create table']?.status).toBe('skip');
    expect(checks['source orders']).toMatchObject({ status: 'fail', detail: 'cannot read table public.shop_orders: permission denied for table shop_orders' });
    expect(checks['source orders']?.hint).toContain('grant select on public.shop_orders');

    const wrong = retain(['doctor', '--config', 'weak.yml', '--json'], { cwd: dir, env: { WEAK_PASSWORD: 'not-the-password' } });
    expect(wrong.code).toBe(3);
    const failed = byCheck(wrong.json<Report>());
    expect(failed.connect?.status).toBe('fail');
    expect(failed.connect?.detail).toContain('password authentication failed for user "retain_weak"');
    expect(failed['create table']).toMatchObject({ status: 'skip', detail: 'needs a connection' });
  });
});

describe('a server run that fails part way', () => {
  it('says which models it replaced and records a failed run_completed check, so nothing is synced from the mix', async () => {
    // the same retain.yml, but orders without their revenue column: dbt stops in staging
    writeFileSync(join(dir, 'orders_broken.csv'), 'order_id,customer_id,ordered_at\nO1,C1,2026-01-01\n');
    const yml = readFileSync(join(dir, 'retain.yml'), 'utf8').replace(/orders: \{ path: data\/orders\.csv \}/, 'orders: { path: orders_broken.csv }');
    expect(yml).toContain('orders_broken.csv');
    writeFileSync(join(dir, 'broken.yml'), yml);
    const before = await withWarehouse(dir, 'pg', (warehouse) => warehouse.query<{ n: number }>('select count(*) as n from customer_profile'));
    const failed = await retainAsync(['run', '--config', 'broken.yml', '--target', 'pg'], dir);
    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.stderr).toContain('models finished before the failure are replaced in postgres://');
    const [latest] = await withWarehouse(dir, 'pg', (warehouse) =>
      warehouse.query<{ check_name: string; status: string; message: string }>(
        'select check_name, status, message from validation_results order by checked_at desc limit 1',
      ),
    );
    expect(latest).toMatchObject({ check_name: 'run_completed', status: 'fail' });
    expect(latest!.message).toContain('the last retain run failed part way');
    // what it did not reach is as it was
    expect(await withWarehouse(dir, 'pg', (warehouse) => warehouse.query<{ n: number }>('select count(*) as n from customer_profile'))).toEqual(before);
    // and the sync gate refuses the mix (a dry run too), until a run completes
    const sync = await retainAsync(['sync', '--target', 'pg', '--dry-run'], dir);
    expect(sync.code, sync.stderr).toBe(6);
    expect(sync.stderr).toContain('failed: run_completed');
  });
});
