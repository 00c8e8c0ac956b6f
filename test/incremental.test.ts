/**
 * Incremental base tables (base_retain__engagement_events, base_retain__orders) on a hand-made
 * fixture, through the built CLI on a DuckDB file and on Postgres. Lookback 3 days (the default).
 *
 * Run 1, as of 2026-06-30 (window: everything, the table is new), files orders-1 and events-1:
 *   orders  A1 C1 2026-01-10 100   accepted
 *           A2 C1 2026-06-29  50   accepted
 *           A3 C2 2026-03-01  80   accepted (run 1); duplicate_key once A3 comes again (run 2)
 *           A4 C2 2026-07-02  70   event_after_as_of
 *           A5 C3 not a date  10   invalid_timestamp
 *           A6 C3 2026-05-01  40   accepted
 *   events  C1 email_open 2026-06-29 08:00  accepted; row 2 is its exact copy (exact_duplicate)
 *           C2 site_visit 2026-05-01        accepted
 *           C2 email_click 2026-07-03       event_after_as_of
 *           C3 email_open "bad"             invalid_timestamp
 * Run 2, as of 2026-07-01, adds orders-2 and events-2. The window starts at the earlier of
 * 2026-07-01 - 3 days = 2026-06-28 and the first date rejected as after the as-of (2026-07-02):
 *   orders  B1 C1 2026-06-30  30   late, inside the window: accepted
 *           B2 C2 2026-06-20  25   late, older than the window: not loaded
 *           A3 C2 2026-06-30  90   repeats old A3 (2026-03-01, outside the window): read later,
 *                                  so it wins and old A3 becomes duplicate_key
 *           A1 copy (2026-01-10)   an exact copy of an old order, outside the window: not loaded
 *   events  C1 site_visit 2026-06-30     late, inside: accepted
 *           C1 email_open 2026-06-29 copy a third copy of a loaded event: exact_duplicate
 *           C2 site_visit 2026-05-01 copy an exact copy outside the window: not loaded
 *           C3 email_open 2026-06-10     late, older than the window: not loaded
 *           C3 push_open 2026-07-01      on the as-of date: accepted
 * After run 2: orders 10 input rows, 8 loaded (stg 5: A1 A2 A6 B1 new A3); events 10 input rows,
 * 8 loaded (stg 4). The two rows of each source not loaded are reported by the warning
 * assert_incremental_rows_loaded; the marts equal a full build of the inputs without them.
 * `--full-refresh` loads them; then runs as of 2026-06-29 (backwards: B1, new A3, C1's 06-30 visit
 * and C3's push are after it, so old A3 is accepted again) and 2026-07-10 (forwards past the
 * lookback: the window starts at the first date rejected as after 2026-06-29, 2026-06-30) equal
 * full builds as of those dates. The tests of a describe run in order on one warehouse.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../scripts/ensure-postgres.mjs';
import { loadConfig } from '../src/config/load.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { openWarehouse, type Row } from '../src/warehouse/index.js';
import { differences, martNames, readTable, retainAsync } from './support/portability.js';
import { tempDir } from './support/tmp.js';

const ORDERS_1 = [
  'order_id,customer_id,ordered_at,revenue',
  'A1,C1,2026-01-10 10:00:00,100',
  'A2,C1,2026-06-29 10:00:00,50',
  'A3,C2,2026-03-01 10:00:00,80',
  'A4,C2,2026-07-02 10:00:00,70',
  'A5,C3,not a date,10',
  'A6,C3,2026-05-01 10:00:00,40',
];
const EVENTS_1 = [
  'customer_id,event_type,channel,occurred_at',
  'C1,email_open,email,2026-06-29 08:00:00',
  'C1,email_open,email,2026-06-29 08:00:00',
  'C2,site_visit,web,2026-05-01 09:00:00',
  'C2,email_click,email,2026-07-03 09:00:00',
  'C3,email_open,email,bad',
];
const ORDERS_2 = ['order_id,customer_id,ordered_at,revenue', 'B1,C1,2026-06-30 12:00:00,30', 'B2,C2,2026-06-20 12:00:00,25', 'A3,C2,2026-06-30 09:00:00,90', 'A1,C1,2026-01-10 10:00:00,100'];
const EVENTS_2 = [
  'customer_id,event_type,channel,occurred_at',
  'C1,site_visit,web,2026-06-30 20:00:00',
  'C1,email_open,email,2026-06-29 08:00:00',
  'C2,site_visit,web,2026-05-01 09:00:00',
  'C3,email_open,email,2026-06-10 10:00:00',
  'C3,push_open,push,2026-07-01 07:00:00',
];
/** The rows of run 2's files an incremental run does not load (older than the window). */
const NOT_LOADED = { orders: ['B2,C2,2026-06-20 12:00:00,25', 'A1,C1,2026-01-10 10:00:00,100'], events: ['C2,site_visit,web,2026-05-01 09:00:00', 'C3,email_open,email,2026-06-10 10:00:00'] };

const CONFIG = [
  'version: 1',
  'as_of: 2026-06-30',
  'sources:',
  '  orders: { path: "data/orders-*.csv" }',
  '  engagement_events: { path: "data/events-*.csv" }',
  'predictions: { enabled: false }',
  'validation:',
  '  segment_shares: { default: { min: 0, max: 1 } }',
  // a three-customer shop moves by whole customers from run to run: no distribution checks
  '  freshness_hours: 100000',
  '  row_count_change_pct: { warn: 10000, fail: 10000 }',
  '  psi: { warn: 1000, fail: 1000 }',
  '  drift: { min_customers: 1000 }',
  '',
].join('\n');

/** Tables compared with a full build: staging of both sources, rejected_rows, every mart but the run-by-run history. */
const HISTORY = new Set(['customer_segments', 'segment_transitions', 'holdout_assignments']);
const STAGING = ['base_retain__orders', 'base_retain__engagement_events', 'stg_retain__orders', 'stg_retain__engagement_events', 'rejected_rows'];
const MARTS = martNames().filter((name) => !HISTORY.has(name) && name !== 'rejected_rows');

function writeProject(dir: string, files: Record<string, string[]>, extraConfig = ''): void {
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, 'data', name), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'retain.yml'), CONFIG + 'warehouse: { type: duckdb, path: retain.duckdb }\n' + extraConfig);
}

interface RunJson {
  ok: boolean;
  warnings: { check: string; message: string | null }[];
}

async function run(dir: string, args: string[]): Promise<RunJson> {
  const result = await retainAsync(['run', '--json', ...args], dir);
  if (result.code !== 0) throw new Error(`retain run ${args.join(' ')} failed (${result.code}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  return JSON.parse(result.stdout) as RunJson;
}

async function readTables(config: string, target: string | undefined, tables: string[]): Promise<Record<string, Row[]>> {
  const resolved = loadConfig({ config, target });
  const warehouse = await openWarehouse(resolved.connection, { readOnly: true });
  try {
    const out: Record<string, Row[]> = {};
    for (const table of tables) out[table] = await readTable(warehouse, table);
    return out;
  } finally {
    await warehouse.close();
  }
}

async function query(config: string, target: string | undefined, sql: string): Promise<Row[]> {
  const resolved = loadConfig({ config, target });
  const warehouse = await openWarehouse(resolved.connection, { readOnly: true });
  try {
    return await warehouse.query(sql);
  } finally {
    await warehouse.close();
  }
}

function compare(left: Record<string, Row[]>, right: Record<string, Row[]>, names: [string, string]): string[] {
  return Object.keys(left).flatMap((table) => differences(table, left[table]!, right[table]!, names));
}

/** base table reasons as `key:reason` (null: accepted), sorted */
function reasons(rows: Row[]): string[] {
  return rows.map((row) => `${String(row.source_key)}:${String(row.rejection_reason)}`).sort();
}

const ORDER_REASONS_RUN_2 = ['A1:null', 'A2:null', 'A3:duplicate_key', 'A3:null', 'A4:event_after_as_of', 'A5:invalid_timestamp', 'A6:null', 'B1:null'];
const EVENT_REASONS_RUN_2 = ['C1:exact_duplicate', 'C1:exact_duplicate', 'C1:null', 'C1:null', 'C2:event_after_as_of', 'C2:null', 'C3:invalid_timestamp', 'C3:null'];

describe('incremental base tables on DuckDB', () => {
  const dir = tempDir('retain-incremental-');
  const config = join(dir, 'retain.yml');
  // a full build of the same files in the same folder (same paths), in its own warehouse file
  const fullConfig = join(dir, 'full.yml');
  // a full build of run 2's inputs without the rows an incremental run does not load
  const trimmedDir = tempDir('retain-incremental-trimmed-');
  const state: { run2?: RunJson; orders?: Row[]; events?: Row[]; stg?: Row[]; rejected?: Row[] } = {};

  beforeAll(async () => {
    writeProject(dir, { 'orders-1.csv': ORDERS_1, 'events-1.csv': EVENTS_1 });
    writeFileSync(fullConfig, CONFIG + 'warehouse: { type: duckdb, path: full.duckdb }\n');
    await run(dir, []);
    writeFileSync(join(dir, 'data', 'orders-2.csv'), ORDERS_2.join('\n') + '\n');
    writeFileSync(join(dir, 'data', 'events-2.csv'), EVENTS_2.join('\n') + '\n');
    state.run2 = await run(dir, ['--as-of', '2026-07-01']);
    const tables = await readTables(config, undefined, ['base_retain__orders', 'base_retain__engagement_events']);
    state.orders = tables.base_retain__orders;
    state.events = tables.base_retain__engagement_events;
    state.stg = await query(config, undefined, "select 'orders' as source, count(*) as n from stg_retain__orders union all select 'events', count(*) from stg_retain__engagement_events");
    state.rejected = await query(config, undefined, 'select source, source_key, reason from rejected_rows order by source, source_key, reason');
  }, 600_000);

  it('loads late rows inside the lookback window, merges re-read rows once, and ranks a repeated order_id against the loaded one', () => {
    expect(reasons(state.orders!)).toEqual(ORDER_REASONS_RUN_2);
    expect(reasons(state.events!)).toEqual(EVENT_REASONS_RUN_2);
    // the repeated A3 (orders-2.csv line 3) wins over the one loaded in run 1 (orders-1.csv line 3)
    const a3 = state.orders!.filter((row) => row.source_key === 'A3').map((row) => [String(row.source_file).endsWith('orders-2.csv'), row.source_row_number, row.rejection_reason]);
    expect(a3.sort()).toEqual([
      [false, 3, 'duplicate_key'],
      [true, 3, null],
    ]);
    expect(state.stg).toEqual([
      { source: 'orders', n: 5 },
      { source: 'events', n: 4 },
    ]);
  });

  it('lists the rejected rows of both runs once each, with their reasons', () => {
    const mine = state.rejected!.filter((row) => row.source === 'orders' || row.source === 'engagement_events').map((row) => `${String(row.source)} ${String(row.source_key)} ${String(row.reason)}`);
    expect(mine).toEqual([
      'engagement_events C1 exact_duplicate',
      'engagement_events C1 exact_duplicate',
      'engagement_events C2 event_after_as_of',
      'engagement_events C3 invalid_timestamp',
      'orders A3 duplicate_key',
      'orders A4 event_after_as_of',
      'orders A5 invalid_timestamp',
    ]);
  });

  it('warns about the input rows older than the window that it did not load (2 per source)', () => {
    expect(state.run2!.warnings.map((warning) => warning.check)).toEqual(['assert_incremental_rows_loaded']);
    expect(state.run2!.warnings[0]!.message).toContain('Got 2 results');
  });

  it('builds the same marts as a full build of the inputs without the rows it did not load', async () => {
    const trimmed = (lines: string[], drop: string[]) => lines.filter((line, i) => i === 0 || !drop.includes(line));
    writeProject(trimmedDir, {
      'orders-1.csv': ORDERS_1,
      'events-1.csv': EVENTS_1,
      'orders-2.csv': trimmed(ORDERS_2, NOT_LOADED.orders),
      'events-2.csv': trimmed(EVENTS_2, NOT_LOADED.events),
    });
    const full = await run(trimmedDir, ['--as-of', '2026-07-01']);
    expect(full.warnings).toEqual([]);
    const left = await readTables(config, undefined, ['stg_retain__orders', 'stg_retain__engagement_events', ...MARTS]);
    const right = await readTables(join(trimmedDir, 'retain.yml'), undefined, ['stg_retain__orders', 'stg_retain__engagement_events', ...MARTS]);
    expect(compare(left, right, ['incremental', 'full build'])).toEqual([]);
    // and B2 (C2's late order of 2026-06-20) is in neither: C2's lifetime orders are A3 (the new one) only
    const c2 = await query(config, undefined, "select lifetime_orders, lifetime_revenue from customer_profile where customer_id = 'C2'");
    expect(c2).toEqual([{ lifetime_orders: 1, lifetime_revenue: 90 }]);
  }, 300_000);

  it('--full-refresh loads every input row and equals a full build', async () => {
    const refreshed = await run(dir, ['--as-of', '2026-07-01', '--full-refresh']);
    expect(refreshed.warnings).toEqual([]);
    await run(dir, ['--config', fullConfig, '--as-of', '2026-07-01']);
    const left = await readTables(config, undefined, [...STAGING, ...MARTS]);
    const right = await readTables(fullConfig, undefined, [...STAGING, ...MARTS]);
    expect(compare(left, right, ['refreshed', 'full build'])).toEqual([]);
    expect(reasons(left.base_retain__orders!)).toEqual([...ORDER_REASONS_RUN_2, 'A1:exact_duplicate', 'B2:null'].sort());
  }, 300_000);

  it('a run whose as-of date moves backwards, then forwards past the lookback, equals a full build as of that date', async () => {
    await run(dir, ['--as-of', '2026-06-29']);
    await run(dir, ['--config', fullConfig, '--as-of', '2026-06-29', '--full-refresh']);
    const back = await readTables(config, undefined, [...STAGING, ...MARTS]);
    expect(compare(back, await readTables(fullConfig, undefined, [...STAGING, ...MARTS]), ['incremental', 'full build'])).toEqual([]);
    // hand-computed: B1 and the new A3 are after 2026-06-29, so the old A3 is the one accepted
    expect(reasons(back.base_retain__orders!)).toEqual(['A1:exact_duplicate', 'A1:null', 'A2:null', 'A3:event_after_as_of', 'A3:null', 'A4:event_after_as_of', 'A5:invalid_timestamp', 'A6:null', 'B1:event_after_as_of', 'B2:null']);

    await run(dir, ['--as-of', '2026-07-10']);
    await run(dir, ['--config', fullConfig, '--as-of', '2026-07-10', '--full-refresh']);
    const forward = await readTables(config, undefined, [...STAGING, ...MARTS]);
    expect(compare(forward, await readTables(fullConfig, undefined, [...STAGING, ...MARTS]), ['incremental', 'full build'])).toEqual([]);
    expect(reasons(forward.base_retain__orders!)).toEqual(['A1:exact_duplicate', 'A1:null', 'A2:null', 'A3:duplicate_key', 'A3:null', 'A4:null', 'A5:invalid_timestamp', 'A6:null', 'B1:null', 'B2:null']);
  }, 600_000);

  it('stops with a hint when a staging table was built by an earlier Retain (no row_key), and --full-refresh rebuilds it', async () => {
    const db = await openDuckDb(join(dir, 'retain.duckdb'));
    try {
      await db.run('alter table base_retain__orders drop column row_key');
    } finally {
      db.close();
    }
    const failed = await retainAsync(['run', '--json'], dir);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain('run `retain run --full-refresh` once to rebuild it');
    await run(dir, ['--full-refresh']);
    const keys = await query(config, undefined, 'select count(row_key) as n from base_retain__orders');
    expect(keys).toEqual([{ n: 10 }]);
  }, 300_000);
});

describe('incremental base tables on Postgres', () => {
  let server: PostgresServer | undefined;
  const dir = tempDir('retain-incremental-pg-');
  const config = join(dir, 'retain.yml');
  const targets = (pg: PostgresServer) =>
    ['targets:', ...['pg', 'pg_full'].flatMap((name) => [`  ${name}:`, '    type: postgres', `    host: ${pg.host}`, `    port: ${pg.port}`, `    user: ${pg.user}`, `    database: ${pg.database}`, `    schema: ${name === 'pg' ? 'retain_inc' : 'retain_full'}`, '    threads: 2'])].join('\n') + '\n';

  beforeAll(async () => {
    server = await startPostgres();
    writeProject(dir, { 'orders-1.csv': ORDERS_1, 'events-1.csv': EVENTS_1 }, targets(server));
  }, 600_000);

  afterAll(() => {
    server?.stop();
  });

  it('runs twice with the same reasons as on DuckDB, then as of an earlier date equals a full build', async () => {
    await run(dir, ['--target', 'pg']);
    appendFileSync(join(dir, 'data', 'orders-2.csv'), ORDERS_2.join('\n') + '\n');
    appendFileSync(join(dir, 'data', 'events-2.csv'), EVENTS_2.join('\n') + '\n');
    const second = await run(dir, ['--target', 'pg', '--as-of', '2026-07-01']);
    expect(second.warnings.map((warning) => warning.check)).toEqual(['assert_incremental_rows_loaded']);
    const tables = await readTables(config, 'pg', ['base_retain__orders', 'base_retain__engagement_events']);
    expect(reasons(tables.base_retain__orders!)).toEqual(ORDER_REASONS_RUN_2);
    expect(reasons(tables.base_retain__engagement_events!)).toEqual(EVENT_REASONS_RUN_2);

    // as of an earlier date, after a --full-refresh (which loads the two late rows of each source)
    await run(dir, ['--target', 'pg', '--as-of', '2026-07-01', '--full-refresh']);
    await run(dir, ['--target', 'pg', '--as-of', '2026-06-29']);
    await run(dir, ['--target', 'pg_full', '--as-of', '2026-06-29']);
    const left = await readTables(config, 'pg', [...STAGING, ...MARTS]);
    const right = await readTables(config, 'pg_full', [...STAGING, ...MARTS]);
    expect(compare(left, right, ['incremental', 'full build'])).toEqual([]);
    expect(reasons(left.base_retain__orders!)).toEqual(['A1:exact_duplicate', 'A1:null', 'A2:null', 'A3:event_after_as_of', 'A3:null', 'A4:event_after_as_of', 'A5:invalid_timestamp', 'A6:null', 'B1:event_after_as_of', 'B2:null']);
  }, 900_000);
});
