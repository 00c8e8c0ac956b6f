/**
 * RFM, segments, strategies and the marts, through real dbt on a hand-made fixture
 * (test/fixtures/rfm/*.csv), run as of 2024-06-30 and again as of 2024-09-30.
 * Every expected value below is worked out by hand from the CSV files; the arithmetic is in the
 * comments. Vars: the defaults (5 quantile bins) with a 365-day window, frequency by orders, monetary by total.
 *
 * Fixture facts used throughout (base currency USD, EUR 1.08):
 *   C02's O0202 (100) has a 40 refund -> 60 net.  C05's O0502 (30) has a 45 refund, capped -> 0.
 *   C07's only order (120) is returned with no amount -> fully refunded, 0 net.
 *   C08 has a refund row of -20 on 2024-06-29: revenue 60 - 20 = 40, still one purchase.
 *   C06's 999 order is cancelled: never counts.  C10 pays 100 EUR = 108 and returns it on
 *   2024-07-05 (after the first as-of date). C10 is not in customers.csv. C11 first buys 2024-07-20.
 * Windows as of 2024-06-30: frequency/monetary from 2023-07-02 (the as-of date and 364 days
 * before), trailing 12 months from 2023-07-01; as of 2024-09-30: from 2023-10-02 and 2023-10-01.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type Row } from '../src/warehouse/duckdb.js';
import { tempDir } from './support/tmp.js';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'rfm');
const dbt = join(root, '.venv', 'bin', 'dbt');
const dir = tempDir('retain-rfm-');

/** The defaults of dbt_project.yml except the window, which this fixture's arithmetic uses at 365 days. */
const RFM = {
  bins: 5,
  method: 'quantile',
  frequency_window_days: 365,
  frequency_measure: 'orders',
  monetary_measure: 'total',
  weights: { recency: 1, frequency: 1, monetary: 1 },
  thresholds: { recency_days: [30, 90, 180, 365], frequency: [2, 3, 5, 8], monetary: [50, 150, 400, 1000] },
};

const SOURCES = {
  orders: { path: join(fixtures, 'orders.csv'), format: 'csv' },
  returns: { path: join(fixtures, 'returns.csv'), format: 'csv' },
  customers: { path: join(fixtures, 'customers.csv'), format: 'csv' },
};

/** The models this suite is about, their upstream staging and their tests. */
const SELECT = ['+customer_profile+', '+segment_summary', '+segment_transitions', '--indirect-selection', 'cautious'];

function runDbt(command: string, args: string[], vars: Record<string, unknown>, name: string) {
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
      command,
      ...args,
      '--project-dir', root,
      '--profiles-dir', profilesDir,
      '--target-path', join(dir, name, 'target'),
      '--log-path', join(dir, name, 'logs'),
      '--vars', JSON.stringify({ retain_sources: SOURCES, retain_rfm: RFM, ...vars }),
      '--no-use-colors',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DO_NOT_TRACK: '1' } },
  );
  return { code: result.status ?? -1, output: `${result.stdout}\n${result.stderr}`, warehouse, target: join(dir, name, 'target') };
}

/** Reads the warehouse read-only, after dbt has exited. */
async function read(warehouse: string, queries: Record<string, string>): Promise<Record<string, Row[]>> {
  const db = await openDuckDb(warehouse, { readOnly: true });
  try {
    const out: Record<string, Row[]> = {};
    for (const [key, sql] of Object.entries(queries)) out[key] = await db.all(sql);
    return out;
  } finally {
    db.close();
  }
}

const QUERIES = {
  profile: 'select * from customer_profile order by customer_id',
  summary: 'select * from segment_summary order by segment_order',
  history: 'select * from customer_segments order by as_of_date, customer_id',
  transitions: 'select * from segment_transitions order by to_as_of_date, customer_id',
};

function byCustomer(rows: Row[]): Record<string, Row> {
  return Object.fromEntries(rows.map((row) => [String(row.customer_id), row]));
}

function pick(rows: Record<string, Row>, columns: string[]): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(rows).map(([id, row]) => [id, columns.map((c) => row[c])]));
}

let first: Record<string, Row[]>;
let second: Record<string, Row[]>;
let rerun: Record<string, Row[]>;

describe('RFM, segments and marts on the hand-made fixture', () => {
  beforeAll(async () => {
    const run1 = runDbt('build', ['--select', ...SELECT], { retain_as_of: '2024-06-30' }, 'history');
    expect(run1.code, run1.output).toBe(0);
    first = await read(run1.warehouse, QUERIES);
    const run2 = runDbt('build', ['--select', ...SELECT], { retain_as_of: '2024-09-30' }, 'history');
    expect(run2.code, run2.output).toBe(0);
    second = await read(run2.warehouse, QUERIES);
    // the same as-of date again, with --full-refresh: history survives, the date is replaced
    const run3 = runDbt('build', ['--select', ...SELECT, '--full-refresh'], { retain_as_of: '2024-09-30' }, 'history');
    expect(run3.code, run3.output).toBe(0);
    rerun = await read(run3.warehouse, QUERIES);
  });

  it('computes recency, frequency and monetary values as of 2024-06-30', () => {
    const profile = byCustomer(first.profile!);
    expect(Object.keys(profile)).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06', 'C07', 'C08', 'C09', 'C10']);
    const columns = [
      'first_order_date', 'last_order_date', 'recency_days', 'frequency_orders', 'frequency_days',
      'monetary_total', 'lifetime_orders', 'lifetime_revenue', 'trailing_12m_revenue',
      'trailing_12m_orders', 'is_one_time_buyer',
    ];
    expect(pick(profile, columns)).toEqual({
      // last 2024-06-20 -> 10 days; 4 orders in the window, 50+100+150+200 = 500
      C01: ['2023-12-01', '2024-06-20', 10, 4, 4, 500, 4, 500, 500, 4, false],
      // 100 + (100 - 40) + 100 = 260
      C02: ['2024-01-15', '2024-06-20', 10, 3, 3, 260, 3, 260, 260, 3, false],
      C03: ['2024-06-25', '2024-06-25', 5, 1, 1, 80, 1, 80, 80, 1, true],
      // 2023-11-01 -> 2024-06-30 = 242 days; 4 x 300, all inside the window (from 2023-07-02)
      C04: ['2023-08-01', '2023-11-01', 242, 4, 4, 1200, 4, 1200, 1200, 4, false],
      // two orders the same day: 2 orders, 1 purchase day; 50 + (30 - min(45, 30)) = 50
      C05: ['2024-02-01', '2024-02-01', 150, 2, 1, 50, 2, 50, 50, 2, false],
      // 2022-01-10 -> 2024-06-30 = 730 + 172 = 902 days; nothing in the window; cancelled 999 ignored
      C06: ['2022-01-10', '2022-01-10', 902, 0, 0, 0, 1, 500, 0, 0, true],
      // fully returned: one purchase, 0 revenue
      C07: ['2024-06-01', '2024-06-01', 29, 1, 1, 0, 1, 0, 0, 1, true],
      // the refund row is not a purchase (last order stays 06-28) but lowers revenue: 60 - 20
      C08: ['2024-06-28', '2024-06-28', 2, 1, 1, 40, 1, 40, 40, 1, true],
      // 2023-07-01 is outside the 365-day window (starts 2023-07-02) but inside the trailing 12m
      C09: ['2023-07-01', '2023-07-02', 364, 1, 1, 100, 2, 200, 200, 2, false],
      // 100 EUR x 1.08; the return of 2024-07-05 is after the as-of date
      C10: ['2024-03-15', '2024-03-15', 107, 1, 1, 108, 1, 108, 108, 1, true],
    });
    expect(profile.C02!.monetary_average).toBeCloseTo(260 / 3, 9);
    expect(profile.C05!.monetary_average).toBe(25); // 50 / 2
    expect(profile.C06!.monetary_average).toBe(0); // no order in the window
    expect(profile.C09!.days_since_first_order).toBe(365); // 2023-07-01 -> 2024-06-30
    expect(profile.C01!.as_of_date).toBe('2024-06-30');
  });

  it('scores with quantile bins, ties taking the lowest rank, and assigns segments first-match', () => {
    // n = 10, score = floor((rank - 1) * 5 / 10) + 1: ranks 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5
    // recency desc: C06 902 (1), C09 364 (2), C04 242 (3), C05 150 (4), C10 107 (5), C07 29 (6),
    //   C01 = C02 10 (7, tie), C03 5 (9), C08 2 (10)
    // frequency asc: C06 0 (1); C03 C07 C08 C09 C10 1 (2, tie); C05 2 (7); C02 3 (8); C01 = C04 4 (9)
    // monetary asc: C06 = C07 0 (1); C08 40 (3); C05 50 (4); C03 80 (5); C09 100 (6); C10 108 (7);
    //   C02 260 (8); C01 500 (9); C04 1200 (10)
    // segments: C01 (4,5,5), C02 (4,4,4) champions; C04 (2,5,5) cant_lose_them; C05 (2,4,2) at_risk;
    //   C03, C08 r 5 with one order -> new; C07, C10 r 3, f 1 -> about_to_sleep; C06, C09 r 1 -> lost
    const profile = byCustomer(first.profile!);
    expect(pick(profile, ['r_score', 'f_score', 'm_score', 'rfm_composite', 'rfm_cell', 'segment'])).toEqual({
      C01: [4, 5, 5, 4.67, 'R4F5M5', 'champions'], // 14 / 3
      C02: [4, 4, 4, 4, 'R4F4M4', 'champions'],
      C03: [5, 1, 3, 3, 'R5F1M3', 'new'],
      C04: [2, 5, 5, 4, 'R2F5M5', 'cant_lose_them'],
      C05: [2, 4, 2, 2.67, 'R2F4M2', 'at_risk'], // 8 / 3
      C06: [1, 1, 1, 1, 'R1F1M1', 'lost'],
      C07: [3, 1, 1, 1.67, 'R3F1M1', 'about_to_sleep'], // 5 / 3
      C08: [5, 1, 2, 2.67, 'R5F1M2', 'new'],
      C09: [1, 1, 3, 1.67, 'R1F1M3', 'lost'],
      C10: [3, 1, 4, 2.67, 'R3F1M4', 'about_to_sleep'],
    });
  });

  it('carries labels, strategies and customer attributes into the profile', () => {
    const profile = byCustomer(first.profile!);
    expect(profile.C04).toMatchObject({
      segment_label: "Can't lose them",
      is_priority: true,
      segment_order: 2,
      primary_channel: 'human_outreach',
      human_outreach: true,
      max_incentive_depth_pct: 25,
      suppress_paid: false,
    });
    expect(profile.C01).toMatchObject({ segment_label: 'Champions', is_priority: false, email: 'c01@example.com', country: 'US', acquisition_channel: 'paid_social' });
    expect(profile.C10).toMatchObject({ email: null, country: null }); // not in customers.csv
  });

  it('summarizes every configured segment in rule order, empty ones included, then no_profiling', () => {
    // trailing 12m revenue: champions 500 + 260 = 760 over 4 + 3 = 7 purchases; cant_lose_them 1200 / 4;
    // at_risk 50 / 2; new 80 + 40 = 120 / 2; about_to_sleep 0 + 108 = 108 / 2; lost 0 + 200 = 200 / 2.
    // total 2438
    const rows = first.summary!.map((row) => [row.segment, row.segment_order, row.customers, row.trailing_12m_revenue, row.trailing_12m_orders, row.average_order_value, row.average_value_per_customer]);
    expect(rows).toEqual([
      ['champions', 1, 2, 760, 7, 760 / 7, 380],
      ['cant_lose_them', 2, 1, 1200, 4, 300, 1200],
      ['loyal', 3, 0, 0, 0, null, null],
      ['at_risk', 4, 1, 50, 2, 25, 50],
      ['new', 5, 2, 120, 2, 60, 60],
      ['potential_loyalists', 6, 0, 0, 0, null, null],
      ['promising', 7, 0, 0, 0, null, null],
      ['need_attention', 8, 0, 0, 0, null, null],
      ['about_to_sleep', 9, 2, 108, 2, 54, 54],
      ['hibernating', 10, 0, 0, 0, null, null],
      ['lost', 11, 2, 200, 2, 100, 100],
      // built in, always last: customers who revoked profiling consent (none in this fixture)
      ['no_profiling', 12, 0, 0, 0, null, null],
    ]);
    const share = Object.fromEntries(first.summary!.map((row) => [row.segment, [row.share_of_customers, row.revenue_share]]));
    expect(share.champions![0]).toBeCloseTo(0.2, 12);
    expect(share.champions![1]).toBeCloseTo(760 / 2438, 12);
    expect(share.cant_lose_them![1]).toBeCloseTo(1200 / 2438, 12);
    expect(share.loyal).toEqual([0, 0]);
    const sum = (i: number) => first.summary!.reduce((total, row) => total + Number(i === 0 ? row.share_of_customers : row.revenue_share), 0);
    expect(sum(0)).toBeCloseTo(1, 9);
    expect(sum(1)).toBeCloseTo(1, 9);
    expect(first.summary![0]).toMatchObject({ as_of_date: '2024-06-30', segment_label: 'Champions', objective: 'Reward and turn into advocates' });
  });

  it('starts the history: every customer enters on the first run', () => {
    expect(first.history!.map((row) => [row.customer_id, row.segment, row.previous_segment, row.previous_as_of_date])).toEqual(
      first.profile!.map((row) => [row.customer_id, row.segment, null, null]),
    );
    expect(first.transitions!.map((row) => [row.customer_id, row.from_segment, row.to_segment, row.transition_type, row.from_as_of_date])).toEqual(
      first.profile!.map((row) => [row.customer_id, null, row.segment, 'entered', null]),
    );
  });

  it('rescoring as of 2024-09-30 moves customers between segments', () => {
    // n = 11, score = floor((rank - 1) * 5 / 11) + 1: ranks 1-3 -> 1, 4-5 -> 2, 6-7 -> 3, 8-9 -> 4, 10-11 -> 5
    // recency desc: C06 994, C09 456, C04 334, C05 242, C10 199, C07 121, C02 102, C08 94, C11 72,
    //   C03 51, C01 15 (ranks 1..11)
    // frequency asc (window from 2023-10-02): C06 = C09 0 (1); C04 C07 C08 C10 C11 1 (3);
    //   C03 = C05 2 (8); C02 3 (10); C01 5 (11)
    // monetary asc: C06 C07 C09 C10 0 (1; C10's 108 was returned 2024-07-05); C08 40 (5); C05 50 (6);
    //   C11 70 (7); C03 170 (8); C02 260 (9); C04 300 (10, only 2023-11-01 in the window); C01 600 (11)
    const profile = byCustomer(second.profile!);
    expect(pick(profile, ['recency_days', 'frequency_orders', 'monetary_total', 'r_score', 'f_score', 'm_score', 'rfm_composite', 'segment'])).toEqual({
      C01: [15, 5, 600, 5, 5, 5, 5, 'champions'],
      C02: [102, 3, 260, 3, 5, 4, 4, 'loyal'], // r 3, f 5 -> loyal (not champions: r < 4)
      C03: [51, 2, 170, 5, 4, 4, 4.33, 'champions'], // 13 / 3
      C04: [334, 1, 300, 1, 1, 5, 2.33, 'lost'],
      C05: [242, 2, 50, 2, 4, 3, 3, 'at_risk'],
      C06: [994, 0, 0, 1, 1, 1, 1, 'lost'],
      C07: [121, 1, 0, 3, 1, 1, 1.67, 'about_to_sleep'],
      C08: [94, 1, 40, 4, 1, 2, 2.33, 'new'],
      C09: [456, 0, 0, 1, 1, 1, 1, 'lost'],
      C10: [199, 1, 0, 2, 1, 1, 1.33, 'hibernating'],
      C11: [72, 1, 70, 4, 1, 3, 2.67, 'new'],
    });
    // trailing 12m from 2023-10-01: C04 keeps 2023-10-01 and 2023-11-01 = 600 in 2 purchases
    expect(profile.C04).toMatchObject({ trailing_12m_revenue: 600, trailing_12m_orders: 2, lifetime_revenue: 1200 });
    expect(profile.C10).toMatchObject({ lifetime_revenue: 0, trailing_12m_orders: 1 });
    // champions C01 600 + C03 170; loyal 260; at_risk 50; new 40 + 70; about_to_sleep 0;
    // hibernating 0; lost 600 + 0 + 0 = 600. Total 1790 over 11 customers.
    expect(second.summary!.map((row) => [row.segment, row.customers, row.trailing_12m_revenue])).toEqual([
      ['champions', 2, 770], ['cant_lose_them', 0, 0], ['loyal', 1, 260], ['at_risk', 1, 50], ['new', 2, 110],
      ['potential_loyalists', 0, 0], ['promising', 0, 0], ['need_attention', 0, 0], ['about_to_sleep', 1, 0],
      ['hibernating', 1, 0], ['lost', 3, 600], ['no_profiling', 0, 0],
    ]);
    const lost = second.summary!.find((row) => row.segment === 'lost')!;
    expect(lost.revenue_share).toBeCloseTo(600 / 1790, 12);
    expect(lost.share_of_customers).toBeCloseTo(3 / 11, 12);
  });

  it('records previous segments and transitions between the two runs', () => {
    const current = second.history!.filter((row) => row.as_of_date === '2024-09-30');
    expect(Object.fromEntries(current.map((row) => [row.customer_id, [row.previous_segment, row.segment, row.previous_as_of_date]]))).toEqual({
      C01: ['champions', 'champions', '2024-06-30'],
      C02: ['champions', 'loyal', '2024-06-30'],
      C03: ['new', 'champions', '2024-06-30'],
      C04: ['cant_lose_them', 'lost', '2024-06-30'],
      C05: ['at_risk', 'at_risk', '2024-06-30'],
      C06: ['lost', 'lost', '2024-06-30'],
      C07: ['about_to_sleep', 'about_to_sleep', '2024-06-30'],
      C08: ['new', 'new', '2024-06-30'],
      C09: ['lost', 'lost', '2024-06-30'],
      C10: ['about_to_sleep', 'hibernating', '2024-06-30'],
      C11: [null, 'new', '2024-06-30'], // first purchase 2024-07-20
    });
    expect(second.history!.filter((row) => row.as_of_date === '2024-06-30')).toEqual(first.history);
    const moves = second.transitions!.filter((row) => row.to_as_of_date === '2024-09-30');
    expect(moves.map((row) => [row.customer_id, row.from_segment, row.to_segment, row.transition_type, row.from_as_of_date, row.transitioned_at])).toEqual([
      ['C02', 'champions', 'loyal', 'moved', '2024-06-30', '2024-09-30'],
      ['C03', 'new', 'champions', 'moved', '2024-06-30', '2024-09-30'],
      ['C04', 'cant_lose_them', 'lost', 'moved', '2024-06-30', '2024-09-30'],
      ['C10', 'about_to_sleep', 'hibernating', 'moved', '2024-06-30', '2024-09-30'],
      ['C11', null, 'new', 'entered', '2024-06-30', '2024-09-30'],
    ]);
  });

  it('keeps history through --full-refresh and replaces a rerun as-of date instead of duplicating it', () => {
    expect(rerun.history).toEqual(second.history);
    expect(rerun.transitions).toEqual(second.transitions);
    expect(rerun.history!.length).toBe(21); // 10 + 11
    expect(rerun.transitions!.length).toBe(15); // 10 entered + 5
  });

  it('bench/floor.sql gives the same segment counts as the marts on the fixture', async () => {
    const template = readFileSync(join(root, 'bench', 'floor.sql'), 'utf8');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const [asOf, summary] of [['2024-06-30', first.summary!], ['2024-09-30', second.summary!]] as const) {
        const sql = template
          .replaceAll('{{orders_path}}', SOURCES.orders.path)
          .replaceAll('{{returns_path}}', SOURCES.returns.path)
          .replaceAll('{{as_of}}', asOf)
          .replaceAll('{{window_days}}', String(RFM.frequency_window_days));
        const reader = await connection.runAndReadAll(`select segment, count(*)::integer as customers from (${sql}) group by 1`);
        const floor = Object.fromEntries(reader.getRowObjectsJson().map((row) => [row.segment, Number(row.customers)]));
        const marts = Object.fromEntries(summary.filter((row) => Number(row.customers) > 0).map((row) => [row.segment, Number(row.customers)]));
        expect(floor, asOf).toEqual(marts);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('rules that leave customers without a segment', () => {
  it('fail the profile checks and stop the history from recording them', () => {
    const result = runDbt('build', ['--select', ...SELECT], {
      retain_as_of: '2024-06-30',
      // no {always: true} at the end: 6 of the 10 customers have r_score < 4 (see above)
      retain_segments: [{ name: 'recent', when: { column: 'r_score', op: '>=', value: 4 } }],
      retain_strategies: [{
        segment: 'recent', objective: 'o', core_message: 'm', primary_channel: 'email', cadence: 'weekly',
        incentive_type: 'none', max_incentive_depth_pct: 0, human_outreach: false, suppress_paid: false,
      }],
    }, 'unmatched');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/FAIL 6 not_null_customer_profile_segment /);
    expect(result.output).toMatch(/SKIP relation main\.customer_segments/);
  });
});

describe('configuration that must not compile', () => {
  const SEGMENT_MODELS = ['int_customers_segmented', 'int_segments_configured', 'int_customers_scored'];
  const strategy = (segment: string) => ({
    segment, objective: 'o', core_message: 'm', primary_channel: 'email', cadence: 'weekly',
    incentive_type: 'none', max_incentive_depth_pct: 0, human_outreach: false, suppress_paid: false,
  });
  const compile = (vars: Record<string, unknown>, name: string) =>
    runDbt('compile', ['--select', ...SEGMENT_MODELS], { retain_as_of: '2024-06-30', ...vars }, name);

  it('rejects a rule on an unknown column, naming the segment and the path in the tree', () => {
    const result = compile({
      retain_segments: [
        { name: 'best', when: { all: [{ column: 'r_score', op: '>=', value: 4 }, { column: 'r_scor', op: '>=', value: 4 }] } },
        { name: 'rest', when: { always: true } },
      ],
      retain_strategies: [strategy('best'), strategy('rest')],
    }, 'unknown-column');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("var retain_segments[0] (best).when.all[1].column: unknown column 'r_scor'");
  });

  it('rejects a value of the wrong type and an unknown operator', () => {
    const wrongType = compile({
      retain_segments: [{ name: 'x', when: { column: 'r_score', op: '>=', value: '4; drop table t' } }, { name: 'rest', when: { always: true } }],
      retain_strategies: [strategy('x'), strategy('rest')],
    }, 'wrong-type');
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.output).toContain('var retain_segments[0] (x).when.value: expected a number');
    const badOp = compile({
      retain_segments: [{ name: 'x', when: { column: 'r_score', op: 'like', value: 4 } }, { name: 'rest', when: { always: true } }],
      retain_strategies: [strategy('x'), strategy('rest')],
    }, 'bad-op');
    expect(badOp.code).not.toBe(0);
    expect(badOp.output).toContain("var retain_segments[0] (x).when.op: unknown operator 'like'");
  });

  it('escapes a quote in a rule string and refuses a backslash', () => {
    const quoted = compile({
      retain_segments: [
        { name: 'odd', when: { column: 'rfm_cell', op: '=', value: "R5' or 1=1 --" } },
        { name: 'rest', when: { always: true } },
      ],
      retain_strategies: [strategy('odd'), strategy('rest')],
    }, 'quoted');
    expect(quoted.code, quoted.output).toBe(0);
    const sql = readFileSync(join(quoted.target, 'compiled', 'retain', 'models', 'intermediate', 'segments', 'int_customers_segmented.sql'), 'utf8');
    expect(sql).toContain("(rfm_cell = 'R5'' or 1=1 --')");
    const backslash = compile({
      retain_segments: [{ name: 'odd', when: { column: 'rfm_cell', op: '=', value: "R5\\' or 1=1 --" } }, { name: 'rest', when: { always: true } }],
      retain_strategies: [strategy('odd'), strategy('rest')],
    }, 'backslash');
    expect(backslash.code).not.toBe(0);
    expect(backslash.output).toContain('strings may not contain backslashes');
  });

  it('rejects a segment without a strategy and a bad segment name', () => {
    const missing = compile({
      retain_segments: [{ name: 'vip', when: { column: 'r_score', op: '=', value: 5 } }, { name: 'rest', when: { always: true } }],
      retain_strategies: [strategy('rest')],
    }, 'no-strategy');
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain("segment 'vip' has no strategy");
    const badName = compile({
      retain_segments: [{ name: 'VIP; drop', when: { always: true } }],
      retain_strategies: [strategy('VIP; drop')],
    }, 'bad-name');
    expect(badName.code).not.toBe(0);
    expect(badName.output).toContain('var retain_segments[0].name: segment names match');
  });

  it('rejects thresholds that are not bins - 1 ascending numbers', () => {
    const result = compile({
      retain_rfm: {
        bins: 5, method: 'thresholds', frequency_window_days: 365, frequency_measure: 'orders', monetary_measure: 'total',
        weights: { recency: 1, frequency: 1, monetary: 1 },
        thresholds: { recency_days: [30, 90, 180, 365], frequency: [2, 5, 3, 8], monetary: [50, 150, 400, 1000] },
      },
    }, 'bad-thresholds');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('var retain_rfm.thresholds.frequency: boundaries must be strictly ascending');
  });
});
