/**
 * Portability (issue 7): the same retain.yml, unchanged, on DuckDB and on a real PostgreSQL
 * (Debian's server, started on 127.0.0.1 by scripts/ensure-postgres.mjs and stopped afterwards).
 * `retain run` builds every model on both; every mart is then compared row for row (floats to
 * 1e-9 relative), and the bad-input fixture's rejected rows must be the same on both, so a value
 * that does not parse is a rejected row on Postgres too, never a failed build.
 *
 * When the server cannot be installed or started this suite fails with the reason (it never
 * skips): the Postgres path is part of what `npm test` proves.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../scripts/ensure-postgres.mjs';
import { loadConfig } from '../src/config/load.js';
import { openWarehouse, type Row, type Warehouse } from '../src/warehouse/index.js';
import { cliPath, repoRoot, retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const AS_OF = '2026-06-30';
const dir = tempDir('retain-portability-');
const badDir = join(dir, 'bad');
let server: PostgresServer | undefined;

/** The marts: every model under models/marts (new marts are compared without editing this test). */
function martNames(folder = join(repoRoot, 'models', 'marts')): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? martNames(join(folder, entry.name)) : entry.name.endsWith('.sql') ? [entry.name.slice(0, -4)] : [],
  );
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI, asynchronously, so the DuckDB and Postgres runs go side by side. */
function retainAsync(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, TZ: 'Europe/Paris' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

function targetsYaml(pg: PostgresServer, schema: string): string {
  return ['targets:', '  pg:', '    type: postgres', `    host: ${pg.host}`, `    port: ${pg.port}`, `    user: ${pg.user}`, `    database: ${pg.database}`, `    schema: ${schema}`, '    threads: 4', ''].join('\n');
}

async function withWarehouse<T>(folder: string, target: string | undefined, read: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const resolved = loadConfig({ config: join(folder, 'retain.yml'), target });
  const warehouse = await openWarehouse(resolved.connection, { readOnly: true });
  try {
    return await read(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** A value in a form both warehouses agree on: JSON text parsed, numbers kept for the tolerance check. */
function canonical(value: unknown): unknown {
  if (typeof value === 'string' && /^[{[]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$/.test(value)) return value.slice(0, 10);
  return value;
}

function sortKey(row: Row): string {
  return JSON.stringify(Object.keys(row).sort().map((key) => {
    const value = canonical(row[key]);
    return typeof value === 'number' ? Number(value.toPrecision(8)) : value;
  }));
}

async function readTable(warehouse: Warehouse, table: string): Promise<Row[]> {
  const rows = await warehouse.query(`select * from ${warehouse.qualify(table)}`);
  return rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** Differences between two row sets (same order), floats within 1e-9 relative; [] when equal. */
function differences(table: string, left: Row[], right: Row[]): string[] {
  const out: string[] = [];
  if (left.length !== right.length) return [`${table}: ${left.length} rows on duckdb, ${right.length} on postgres`];
  left.forEach((row, i) => {
    const other = right[i]!;
    const columns = new Set([...Object.keys(row), ...Object.keys(other)]);
    for (const column of columns) {
      const a = canonical(row[column]);
      const b = canonical(other[column]);
      const close = typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : JSON.stringify(a) === JSON.stringify(b);
      if (!close) out.push(`${table} row ${i} column ${column}: duckdb ${JSON.stringify(row[column])}, postgres ${JSON.stringify(other[column])}`);
    }
  });
  return out.slice(0, 20);
}

const runs: { duckdb?: CliRun; postgres?: CliRun; badDuckdb?: CliRun; badPostgres?: CliRun } = {};

beforeAll(async () => {
  server = await startPostgres();
  const generated = await retainAsync(['generate', '--customers', '400', '--seed', '11', '--format', 'csv', '--as-of', AS_OF, '--out', dir, '--json'], repoRoot);
  if (generated.code !== 0) throw new Error(`retain generate failed:\n${generated.stderr}`);
  writeFileSync(join(dir, 'retain.yml'), readFileSync(join(dir, 'retain.yml'), 'utf8') + targetsYaml(server, 'retain_marts'));
  // the hand-made bad-input fixture (test/staging.test.ts) as a project of its own
  cpSync(join(repoRoot, 'test', 'fixtures', 'bad_input'), badDir, { recursive: true });
  const sources = readdirSync(badDir).filter((name) => name.endsWith('.csv')).map((name) => `  ${basename(name, '.csv')}: { path: ${name} }`);
  writeFileSync(
    join(badDir, 'retain.yml'),
    ['version: 1', 'warehouse: { type: duckdb, path: retain.duckdb }', `as_of: 2024-06-30`, 'sources:', ...sources, 'currency: { base: USD, rates: { USD: 1, EUR: 1.08, GBP: 1.27 } }', targetsYaml(server, 'retain_bad')].join('\n'),
  );
  const stagingOnly = ['--', 'build', '--select', 'staging', 'rejected_rows', 'assert_rows_accounted_for', 'path:test/dbt/staging'];
  [runs.duckdb, runs.postgres] = await Promise.all([retainAsync(['run', '--json'], dir), retainAsync(['run', '--target', 'pg', '--json'], dir)]);
  [runs.badDuckdb, runs.badPostgres] = await Promise.all([retainAsync(['dbt', ...stagingOnly], badDir), retainAsync(['dbt', '--target', 'pg', ...stagingOnly], badDir)]);
}, 900_000); // four dbt builds, two at a time: minutes on a busy 2-core machine

afterAll(() => server?.stop());

describe('the same pipeline on DuckDB and Postgres', () => {
  it('runs `retain run` unchanged on both targets', () => {
    expect(runs.duckdb?.code, runs.duckdb?.stderr).toBe(0);
    expect(runs.postgres?.code, runs.postgres?.stderr).toBe(0);
    const duck = JSON.parse(runs.duckdb!.stdout) as { target: string; nodes: { models: number; tests: number }; warehouse_path: string };
    const pg = JSON.parse(runs.postgres!.stdout) as typeof duck & { predictions: { groups: unknown } };
    expect(pg.target).toBe('pg');
    expect(pg.warehouse_path).toBe(`postgres://postgres@127.0.0.1:${server!.port}/postgres (schema retain_marts)`);
    // the same models and checks ran on both
    expect(pg.nodes).toEqual(duck.nodes);
    expect(pg.predictions.groups).toEqual((JSON.parse(runs.duckdb!.stdout) as typeof pg).predictions.groups);
  });

  it('validates the results on both with the same checks and outcomes', () => {
    type Validation = { passed: boolean; counts: Record<string, number>; checks: Array<{ check: string; subject: string; status: string; value: number | null }> };
    const duck = (JSON.parse(runs.duckdb!.stdout) as { validation: Validation }).validation;
    const pg = (JSON.parse(runs.postgres!.stdout) as { validation: Validation }).validation;
    expect(pg.passed).toBe(true);
    expect(pg.counts).toEqual(duck.counts);
    expect(pg.counts.pass).toBeGreaterThan(10);
    expect(pg.checks.map(({ check, subject, status }) => [check, subject, status])).toEqual(duck.checks.map(({ check, subject, status }) => [check, subject, status]));
    pg.checks.forEach((check, i) => {
      const other = duck.checks[i]!.value;
      if (check.value === null || other === null) expect(check.value).toBe(other);
      else expect(check.value).toBeCloseTo(other, 9);
    });
  });

  it('file sources reach Postgres as tables with their file and line, every row loaded', async () => {
    const csvRows = readFileSync(join(dir, 'data', 'orders.csv'), 'utf8').trim().split('\n').length - 1;
    const [loaded] = await withWarehouse(dir, 'pg', (warehouse) =>
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
    const pg = await withWarehouse(dir, 'pg', readAll);
    for (const mart of marts) {
      expect(differences(mart, duck[mart]!, pg[mart]!), mart).toEqual([]);
    }
    // not vacuous: the generated data reaches every layer
    expect(duck.customer_profile!.length).toBe(400);
    expect(duck.rejected_rows!.length).toBeGreaterThan(0);
    expect(duck.clv_model_parameters!.length).toBeGreaterThan(0);
  });

  it('rejects the same bad input rows for the same reasons on both (no failed cast on Postgres)', async () => {
    expect(runs.badDuckdb?.code, runs.badDuckdb?.stdout.slice(-3000)).toBe(0);
    expect(runs.badPostgres?.code, runs.badPostgres?.stdout.slice(-3000)).toBe(0);
    const duck = await withWarehouse(badDir, undefined, (warehouse) => readTable(warehouse, 'rejected_rows'));
    const pg = await withWarehouse(badDir, 'pg', (warehouse) => readTable(warehouse, 'rejected_rows'));
    expect(differences('rejected_rows', duck, pg)).toEqual([]);
    // the guarded casts: 'not-a-date' and 'abc' are rejected rows on Postgres too
    const reasons = pg.filter((row) => row.source === 'orders').map((row) => row.reason);
    expect(reasons).toEqual(expect.arrayContaining(['invalid_timestamp', 'invalid_number']));
    for (const table of ['stg_retain__orders', 'stg_retain__customers', 'stg_retain__engagement_events']) {
      const left = await withWarehouse(badDir, undefined, (warehouse) => readTable(warehouse, table));
      const right = await withWarehouse(badDir, 'pg', (warehouse) => readTable(warehouse, table));
      expect(differences(table, left, right)).toEqual([]);
    }
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
