/**
 * Staging on a hand-made bad-input fixture (test/fixtures/bad_input/*.csv), through real dbt:
 * every bad row lands in rejected_rows with the expected reason, every good row is accepted with
 * the right typed values, and input rows = accepted + rejected for every source.
 * Expected values are worked out by hand from the CSV files (as of 2024-06-30, EUR 1.08, GBP 1.27).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type Row } from '../src/warehouse/duckdb.js';
import { tempDir } from './support/tmp.js';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'bad_input');
const dbt = join(root, '.venv', 'bin', 'dbt');
const dir = tempDir('retain-staging-');

const SOURCES = [
  'orders', 'order_lines', 'customers', 'returns', 'engagement_events', 'creator_touchpoints',
  'store_visits', 'stores', 'consents', 'identity_links', 'erasure_requests',
] as const;
type Source = (typeof SOURCES)[number];

/** Rejected rows by source: data row number in the CSV (header excluded) → reason. */
const EXPECTED_REJECTED: Record<Source, Record<number, string>> = {
  orders: {
    6: 'missing_required_field', // no order_id
    7: 'invalid_timestamp', // not-a-date
    8: 'invalid_number', // revenue abc
    9: 'unknown_currency', // XYZ
    10: 'negative_revenue', // -10, completed
    11: 'negative_value', // discount -5
    12: 'event_after_as_of', // 2024-07-01
    13: 'exact_duplicate', // copy of row 1
    14: 'duplicate_key', // O13 again on row 15, which wins (last read)
  },
  order_lines: {
    4: 'missing_required_field', // no order_id
    5: 'missing_required_field', // no category
    6: 'invalid_number', // quantity two
    7: 'invalid_number', // quantity 1.5
    8: 'invalid_number', // line_revenue ten
    9: 'negative_value', // quantity -1
    10: 'negative_value', // line_revenue -10
    11: 'unknown_order', // O999 does not exist
    12: 'unknown_order', // O12 was rejected (after the as-of date)
    13: 'exact_duplicate', // copy of row 3
  },
  customers: {
    3: 'missing_required_field',
    4: 'invalid_timestamp', // first_seen_at soon
    5: 'invalid_number', // home_lat north
    6: 'invalid_coordinates', // lat 95
    7: 'event_after_as_of', // first seen 2024-08-01
    8: 'exact_duplicate', // copy of row 2
    9: 'duplicate_key', // C7 again on row 10
  },
  returns: {
    4: 'missing_required_field',
    5: 'invalid_timestamp', // yesterday
    6: 'invalid_number', // five
    7: 'negative_value', // -5
    8: 'event_after_as_of', // 2024-07-05
    9: 'unknown_order', // O999
    10: 'unknown_order', // O7 was rejected
    11: 'return_before_order', // O4 ordered 2024-03-06, returned 2024-03-01
    12: 'exact_duplicate', // copy of row 1
    13: 'duplicate_key', // O4 2024-03-10 again on row 14
  },
  engagement_events: {
    3: 'missing_required_field', // no event_type
    4: 'missing_required_field', // no occurred_at
    5: 'missing_identifier', // neither customer_id nor anonymous_id
    6: 'invalid_timestamp', // June 1st
    7: 'unknown_event_type', // fax_received
    8: 'event_after_as_of',
    9: 'exact_duplicate',
  },
  creator_touchpoints: {
    3: 'missing_required_field', // no creator_id
    4: 'missing_identifier',
    5: 'invalid_timestamp',
    6: 'invalid_number', // completion half
    7: 'unknown_touchpoint_type', // dance
    8: 'out_of_range', // completion 150
    9: 'event_after_as_of',
    10: 'exact_duplicate',
  },
  store_visits: {
    3: 'missing_required_field', // no store_id
    4: 'missing_identifier',
    5: 'invalid_timestamp',
    6: 'event_after_as_of',
    7: 'exact_duplicate',
  },
  stores: {
    3: 'missing_required_field',
    4: 'invalid_number', // lat north
    5: 'invalid_coordinates', // lat 91
    6: 'invalid_coordinates', // lat without lon
    7: 'duplicate_key', // S6 again on row 8
    9: 'exact_duplicate', // copy of row 1
  },
  consents: {
    3: 'missing_required_field',
    4: 'invalid_timestamp',
    5: 'unknown_consent_purpose', // carrier_pigeon
    6: 'unknown_consent_status', // maybe
    7: 'event_after_as_of',
    8: 'exact_duplicate',
    9: 'duplicate_key', // C3 push at the same time on row 10 (revoked) wins
  },
  identity_links: {
    3: 'missing_required_field',
    4: 'invalid_timestamp',
    5: 'event_after_as_of',
    6: 'exact_duplicate',
  },
  erasure_requests: {
    3: 'missing_required_field',
    4: 'invalid_timestamp',
    5: 'exact_duplicate',
    6: 'duplicate_key', // C12's earlier request on row 7 is kept
  },
};

function csvDataRows(source: Source): number {
  return readFileSync(join(fixtures, `${source}.csv`), 'utf8').trim().split('\n').length - 1;
}

function runDbt(args: string[], vars: Record<string, unknown>, name: string) {
  const profilesDir = join(dir, name, 'profiles');
  const warehouse = join(dir, name, 'retain.duckdb');
  mkdirSync(profilesDir, { recursive: true });
  writeFileSync(
    join(profilesDir, 'profiles.yml'),
    `retain:\n  target: test\n  outputs:\n    test:\n      type: duckdb\n      path: ${JSON.stringify(warehouse)}\n      threads: 2\n`,
  );
  const result = spawnSync(
    dbt,
    [
      ...args,
      '--project-dir', root,
      '--profiles-dir', profilesDir,
      '--target-path', join(dir, name, 'target'),
      '--log-path', join(dir, name, 'logs'),
      '--vars', JSON.stringify(vars),
      '--no-use-colors',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      // Not UTC on purpose: timestamps without an offset must still be read as UTC.
      env: { ...process.env, DO_NOT_TRACK: '1', TZ: 'Europe/Paris' },
    },
  );
  return { code: result.status ?? -1, output: `${result.stdout}\n${result.stderr}`, warehouse };
}

function sourcesVars(sources: readonly Source[]): Record<string, unknown> {
  return Object.fromEntries(sources.map((source) => [source, { path: join(fixtures, `${source}.csv`), format: 'csv' }]));
}

const STAGING_SELECTION = [
  '--select', 'staging', 'rejected_rows', 'assert_rows_accounted_for', 'path:test/dbt/staging',
];

describe('staging on the bad-input fixture', () => {
  let warehouse = '';
  let build = { code: -1, output: '' };

  async function query<T extends Row = Row>(sql: string): Promise<T[]> {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      return await db.all<T>(sql);
    } finally {
      db.close();
    }
  }

  beforeAll(() => {
    const run = runDbt(
      ['build', ...STAGING_SELECTION],
      { retain_as_of: '2024-06-30', retain_sources: sourcesVars(SOURCES) },
      'bad-input',
    );
    warehouse = run.warehouse;
    build = run;
  });

  it('builds, and every staging test passes (row accounting included)', () => {
    expect(build.output).toMatch(/Completed successfully/);
    expect(build.output).toMatch(/assert_rows_accounted_for/);
    expect(build.code, build.output.slice(-3000)).toBe(0);
  });

  it.each(SOURCES)('%s: each bad row is rejected with its reason, nothing else', async (source) => {
    const rows = await query<{ source_row_number: number; reason: string }>(
      `select source_row_number, reason from rejected_rows where source = '${source}' order by 1`,
    );
    const actual = Object.fromEntries(rows.map((row) => [row.source_row_number, row.reason]));
    expect(actual).toEqual(EXPECTED_REJECTED[source]);
  });

  it.each(SOURCES)('%s: input rows = accepted + rejected', async (source) => {
    const [accepted] = await query<{ n: number }>(`select count(*) as n from stg_retain__${source}`);
    const input = csvDataRows(source);
    const rejected = Object.keys(EXPECTED_REJECTED[source]).length;
    expect(accepted!.n).toBe(input - rejected);
  });

  it('keeps the raw row and the key of a rejected row', async () => {
    const [row] = await query<{ source_key: string; raw_record: string; source_file: string; as_of_date: string }>(
      `select source_key, raw_record, source_file, as_of_date from rejected_rows
       where source = 'orders' and source_row_number = 8`,
    );
    expect(row!.source_key).toBe('O8');
    expect(JSON.parse(row!.raw_record)).toEqual({
      order_id: 'O8', customer_id: 'C1', ordered_at: '2024-01-01', revenue: 'abc', currency: 'USD',
      channel: 'web', discount_amount: null, status: 'completed',
    });
    expect(row!.source_file).toBe(join(fixtures, 'orders.csv'));
    expect(row!.as_of_date).toBe('2024-06-30');
  });

  it('types and converts accepted orders', async () => {
    const rows = await query(
      `select order_id, customer_id, strftime(ordered_at, '%Y-%m-%d %H:%M:%S') as ordered_at,
              cast(order_date as varchar) as order_date, currency,
              cast(revenue as double) as revenue, cast(revenue_base as double) as revenue_base,
              cast(discount_amount_base as double) as discount_amount_base, channel, status,
              is_purchase, is_refund
       from stg_retain__orders order by order_id`,
    );
    expect(rows).toEqual([
      { order_id: 'O1', customer_id: 'C1', ordered_at: '2024-01-10 10:00:00', order_date: '2024-01-10', currency: 'USD', revenue: 100, revenue_base: 100, discount_amount_base: 5, channel: 'web', status: 'completed', is_purchase: true, is_refund: false },
      // O13 read twice with different content: the last row read wins
      { order_id: 'O13', customer_id: 'C4', ordered_at: '2024-05-02 00:00:00', order_date: '2024-05-02', currency: 'USD', revenue: 12, revenue_base: 12, discount_amount_base: 0, channel: 'web', status: 'completed', is_purchase: true, is_refund: false },
      // 50 EUR * 1.08; Z means UTC; status lowercased
      { order_id: 'O2', customer_id: 'C1', ordered_at: '2024-02-01 09:30:00', order_date: '2024-02-01', currency: 'EUR', revenue: 50, revenue_base: 54, discount_amount_base: 0, channel: 'app', status: 'shipped', is_purchase: true, is_refund: false },
      // a refund may be negative; it is not a purchase
      { order_id: 'O3', customer_id: 'C2', ordered_at: '2024-03-05 00:00:00', order_date: '2024-03-05', currency: 'USD', revenue: -20, revenue_base: -20, discount_amount_base: 0, channel: 'web', status: 'refunded', is_purchase: false, is_refund: true },
      // no currency → base currency, no status → completed
      { order_id: 'O4', customer_id: 'C2', ordered_at: '2024-03-06 00:00:00', order_date: '2024-03-06', currency: 'USD', revenue: 30, revenue_base: 30, discount_amount_base: 0, channel: null, status: 'completed', is_purchase: true, is_refund: false },
      // 12:00+02:00 is 10:00 UTC; 80 GBP * 1.27; cancelled is accepted but not a purchase
      { order_id: 'O5', customer_id: 'C3', ordered_at: '2024-04-01 10:00:00', order_date: '2024-04-01', currency: 'GBP', revenue: 80, revenue_base: 101.6, discount_amount_base: 0, channel: 'web', status: 'cancelled', is_purchase: false, is_refund: false },
    ]);
  });

  it('cleans accepted customers', async () => {
    const rows = await query(
      `select customer_id, email, phone, country, postal_code, home_lat, home_lon, acquisition_channel
       from stg_retain__customers order by customer_id`,
    );
    expect(rows).toEqual([
      { customer_id: 'C1', email: 'alice@example.com', phone: '+15550102030', country: 'US', postal_code: '10001', home_lat: 40.7, home_lon: -74, acquisition_channel: 'instagram' },
      { customer_id: 'C2', email: 'bob@example.com', phone: '5550101', country: 'GB', postal_code: 'SW1A 1AA', home_lat: null, home_lon: null, acquisition_channel: null },
      // the last row read for C7 wins
      { customer_id: 'C7', email: 'new@example.com', phone: null, country: 'US', postal_code: null, home_lat: null, home_lon: null, acquisition_channel: null },
    ]);
  });

  it('joins returns to their order and converts refunds', async () => {
    const rows = await query(
      `select order_id, customer_id, cast(return_date as varchar) as return_date,
              cast(refund_amount_base as double) as refund_amount_base
       from stg_retain__returns order by order_id`,
    );
    expect(rows).toEqual([
      { order_id: 'O1', customer_id: 'C1', return_date: '2024-01-20', refund_amount_base: 40 },
      // no refund_amount → the whole order: 50 EUR = 54 USD
      { order_id: 'O2', customer_id: 'C1', return_date: '2024-02-10', refund_amount_base: 54 },
      // the last row read of the duplicated key
      { order_id: 'O4', customer_id: 'C2', return_date: '2024-03-10', refund_amount_base: 6 },
      // 10 GBP (the order's currency) * 1.27
      { order_id: 'O5', customer_id: 'C3', return_date: '2024-04-05', refund_amount_base: 12.7 },
    ]);
  });

  it('numbers order lines and defaults a missing quantity to 1', async () => {
    const rows = await query(
      `select order_id, line_number, product_id, category, quantity,
              cast(line_revenue_base as double) as line_revenue_base
       from stg_retain__order_lines order by order_id, line_number`,
    );
    expect(rows).toEqual([
      { order_id: 'O1', line_number: 1, product_id: 'P1', category: 'shoes', quantity: 2, line_revenue_base: 60 },
      { order_id: 'O1', line_number: 2, product_id: 'P2', category: 'bags', quantity: 1, line_revenue_base: 40 },
      { order_id: 'O2', line_number: 1, product_id: 'P3', category: 'shoes', quantity: 1, line_revenue_base: 54 },
    ]);
  });

  it('lowercases codes and converts offsets in events, touchpoints and consents', async () => {
    expect(
      await query(
        `select customer_id, anonymous_id, event_type, channel, strftime(occurred_at, '%Y-%m-%d %H:%M') as occurred_at
         from stg_retain__engagement_events order by occurred_at`,
      ),
    ).toEqual([
      { customer_id: 'C1', anonymous_id: null, event_type: 'email_open', channel: 'email', occurred_at: '2024-06-01 08:00' },
      { customer_id: null, anonymous_id: 'A1', event_type: 'site_visit', channel: 'web', occurred_at: '2024-06-02 10:00' },
    ]);
    expect(
      await query(
        `select creator_id, platform, touchpoint_type, completion_pct
         from stg_retain__creator_touchpoints order by creator_id`,
      ),
    ).toEqual([
      { creator_id: 'CR1', platform: 'tiktok', touchpoint_type: 'video_view', completion_pct: 75 },
      { creator_id: 'CR2', platform: 'instagram', touchpoint_type: 'save', completion_pct: null },
    ]);
    expect(
      await query(`select customer_id, purpose, status from stg_retain__consents order by customer_id, purpose`),
    ).toEqual([
      { customer_id: 'C1', purpose: 'email', status: 'granted' },
      { customer_id: 'C1', purpose: 'sms', status: 'revoked' },
      { customer_id: 'C3', purpose: 'push', status: 'revoked' },
    ]);
  });

  it('keeps erasure requests after the as-of date, and the earliest request per customer', async () => {
    expect(
      await query(
        `select customer_id, cast(requested_date as varchar) as requested_date
         from stg_retain__erasure_requests order by customer_id`,
      ),
    ).toEqual([
      { customer_id: 'C10', requested_date: '2024-09-01' },
      { customer_id: 'C12', requested_date: '2024-02-01' },
      { customer_id: 'C9', requested_date: '2024-03-01' },
    ]);
  });
});

describe('source configuration', () => {
  it('reads Parquet files and warehouse tables, and a source that is not configured as empty', async () => {
    const name = 'formats';
    mkdirSync(join(dir, name), { recursive: true });
    const parquet = join(dir, name, 'orders.parquet');
    const warehouse = join(dir, name, 'retain.duckdb');
    const setup = await openDuckDb(warehouse);
    try {
      // Parquet keeps the types the reader inferred; the customers table lives in its own schema.
      await setup.run(`copy (select * from read_csv('${join(fixtures, 'orders.csv')}')) to '${parquet}' (format parquet)`);
      await setup.run(`create schema raw; create table raw.customers as
        select * from read_csv('${join(fixtures, 'customers.csv')}', all_varchar = true)`);
    } finally {
      setup.close();
    }
    const run = runDbt(
      ['build', ...STAGING_SELECTION],
      {
        retain_as_of: '2024-06-30',
        retain_sources: { orders: { path: parquet, format: 'parquet' }, customers: { table: 'raw.customers' } },
      },
      name,
    );
    expect(run.code, run.output.slice(-3000)).toBe(0);
    const db = await openDuckDb(run.warehouse, { readOnly: true });
    try {
      const counts = await db.all(
        `select source, count(*) as n from rejected_rows group by source order by source`,
      );
      expect(counts).toEqual([
        { source: 'customers', n: Object.keys(EXPECTED_REJECTED.customers).length },
        { source: 'orders', n: Object.keys(EXPECTED_REJECTED.orders).length },
      ]);
      const [accepted] = await db.all(
        `select (select count(*) from stg_retain__orders) as orders,
                (select count(*) from stg_retain__customers) as customers,
                (select count(*) from stg_retain__stores) as stores,
                (select cast(sum(revenue_base) as double) from stg_retain__orders) as revenue_base`,
      );
      // 100 + 54 - 20 + 30 + 101.6 + 12
      expect(accepted).toEqual({ orders: 6, customers: 3, stores: 0, revenue_base: 277.6 });
      // A Parquet row keeps its file row number.
      const [rejected] = await db.all(
        `select source_row_number, reason from rejected_rows where source = 'orders' and source_key = 'O9'`,
      );
      expect(rejected).toEqual({ source_row_number: 9, reason: 'unknown_currency' });
    } finally {
      db.close();
    }
  });

  it('fails at compile time, naming source, path and column, when a required column is missing', () => {
    const path = join(fixtures, 'returns.csv');
    const run = runDbt(
      ['compile', '--select', 'base_retain__orders'],
      { retain_sources: { orders: { path, format: 'csv' } } },
      'missing-column',
    );
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`source 'orders' (path ${path}) has no required column 'customer_id'`);
  });

  it('rejects an as-of date that is not YYYY-MM-DD', () => {
    const run = runDbt(['compile', '--select', 'base_retain__orders'], { retain_as_of: '2024-6-1; drop table x' }, 'bad-as-of');
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('var retain_as_of must be a date written YYYY-MM-DD');
  });
});
