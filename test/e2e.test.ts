/**
 * End to end through the built CLI, as a user runs it: a hand-made 10-customer fixture whose RFM
 * scores and segments are computed by hand below, a second run that moves customers, a failing run
 * that must leave the previous results intact, and configuration mistakes with their exit codes.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type Row } from '../src/warehouse/duckdb.js';
import { repoRoot, retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-e2e-');
const warehouse = join(dir, 'retain.duckdb');

async function query<T extends Row = Row>(sql: string): Promise<T[]> {
  const db = await openDuckDb(warehouse, { readOnly: true });
  try {
    return await db.all<T>(sql);
  } finally {
    db.close();
  }
}

/*
 * As of 2026-06-30, window 365 days, 5 bins, score = floor((rank - 1) * 5 / 10) + 1 with rank() ascending
 * (recency ranked from the oldest), so ranks 1-2 → 1, 3-4 → 2, 5-6 → 3, 7-8 → 4, 9-10 → 5.
 *   customer recency  F  M (net, USD)      R F M  segment
 *   C01         2     6  1200             5 5 5  champions
 *   C02         5     5  1000 - 100 = 900 5 4 4  champions        (F rank 8, M rank 8)
 *   C03        20     1    50             4 1 1  new              (one order, r >= 4)
 *   C04        40     3   300             4 3 3  potential_loyalists
 *   C05        60     2   150             3 2 3  need_attention
 *   C06       100     4   3*150 + 125 EUR*1.08 = 585   3 4 4  loyal
 *   C07       200     7  1500             2 5 5  cant_lose_them
 *   C08       250     1    80             2 1 2  hibernating
 *   C09       300     2   100             1 2 2  lost
 *   C10       400     0     0             1 1 1  lost   (its only order is outside the window)
 * F ties: C10=0 (rank 1), C03=C08=1 (rank 2 → 1), C05=C09=2 (rank 4 → 2).
 */
const FIRST_RUN: Record<string, [number, number, number, number, number, number, string]> = {
  C01: [2, 6, 1200, 5, 5, 5, 'champions'],
  C02: [5, 5, 900, 5, 4, 4, 'champions'],
  C03: [20, 1, 50, 4, 1, 1, 'new'],
  C04: [40, 3, 300, 4, 3, 3, 'potential_loyalists'],
  C05: [60, 2, 150, 3, 2, 3, 'need_attention'],
  C06: [100, 4, 585, 3, 4, 4, 'loyal'],
  C07: [200, 7, 1500, 2, 5, 5, 'cant_lose_them'],
  C08: [250, 1, 80, 2, 1, 2, 'hibernating'],
  C09: [300, 2, 100, 1, 2, 2, 'lost'],
  C10: [400, 0, 0, 1, 1, 1, 'lost'],
};

describe('retain run on a hand-computed fixture', () => {
  beforeAll(() => {
    cpSync(join(repoRoot, 'test/fixtures/e2e'), dir, { recursive: true });
  });

  it('builds the marts, prints JSON with the warehouse path and the segment summary', async () => {
    const result = retain(['run', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const out = result.json<{ ok: boolean; warehouse_path: string; as_of: string; segment_summary: Array<Record<string, number | string>> }>();
    expect(out.ok).toBe(true);
    expect(out.warehouse_path).toBe(warehouse);
    expect(out.as_of).toBe('2026-06-30');
    const bySegment = Object.fromEntries(out.segment_summary.map((row) => [row.segment, row]));
    expect(bySegment.champions?.customers).toBe(2);
    expect(bySegment.lost?.customers).toBe(2);
    expect(bySegment.at_risk?.customers).toBe(0);
    // trailing-12-month net revenue: 1200 + 900 + 50 + 300 + 150 + 585 + 1500 + 80 + 100 + 0 = 4865
    expect(Number(bySegment.champions?.trailing_12m_revenue)).toBeCloseTo(2100, 6);
    expect(Number(bySegment.champions?.revenue_share)).toBeCloseTo(2100 / 4865, 9);
    expect(Number(bySegment.cant_lose_them?.is_priority)).toBe(1);
    const shares = out.segment_summary.reduce((sum, row) => sum + Number(row.share_of_customers), 0);
    expect(shares).toBeCloseTo(1, 9);

    const profile = await query('select * from customer_profile order by customer_id');
    expect(profile).toHaveLength(10);
    for (const row of profile) {
      const [recency, frequency, monetary, r, f, m, segment] = FIRST_RUN[row.customer_id as string]!;
      expect([row.customer_id, row.recency_days, row.frequency_orders, Number(row.monetary_total).toFixed(2), row.r_score, row.f_score, row.m_score, row.segment]).toEqual([
        row.customer_id,
        recency,
        frequency,
        monetary.toFixed(2),
        r,
        f,
        m,
        segment,
      ]);
      expect(row.rfm_cell).toBe(`R${r}F${f}M${m}`);
    }
  });

  it('keeps the three bad order rows in rejected_rows with their reasons', async () => {
    const rejected = await query<{ source: string; source_key: string; reason: string }>(
      "select source, source_key, reason from rejected_rows where source = 'orders' order by source_key",
    );
    expect(rejected.map((row) => row.source_key)).toEqual(['O010', 'O031', 'O099']);
    expect(rejected.map((row) => row.reason)).toEqual(['exact_duplicate', 'event_after_as_of', 'unknown_currency']);
  });

  it('prints the same summary from `retain segments --json` and a table without --json', () => {
    const json = retain(['segments', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const rows = json.json<{ segment_summary: Array<{ segment: string; customers: number }> }>().segment_summary;
    expect(rows.find((row) => row.segment === 'champions')?.customers).toBe(2);
    const table = retain(['segments'], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Champions\s+│\s+2\s+│\s+20\.0%/);
    expect(table.stdout).toContain("! top priority: Can't lose them (1 customers)");
  });

  it('records previous segments and transitions on a later run', async () => {
    // C10 buys again on 2026-07-01. As of that day (window from 2025-07-01) the ranks give:
    // C04 R3F3M3 → need_attention, C06 R2F4M4 → cant_lose_them, C08 R1F1M2 → lost,
    // C10 R5F1M1 with two lifetime orders → promising; everyone else keeps their segment.
    writeFileSync(join(dir, 'orders_late.csv'), 'order_id,customer_id,ordered_at,revenue,currency,channel,status\nO101,C10,2026-07-01 08:00:00,60,USD,app,completed\n');
    const config = readFileSync(join(dir, 'retain.yml'), 'utf8').replace('orders: { path: orders.csv }', 'orders: { path: "orders*.csv" }');
    writeFileSync(join(dir, 'retain.yml'), config);
    const result = retain(['run', '--as-of', '2026-07-01', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const moves = await query<{ customer_id: string; from_segment: string; to_segment: string }>(
      "select customer_id, from_segment, to_segment from segment_transitions where from_segment is not null and to_as_of_date = date '2026-07-01' order by customer_id",
    );
    expect(moves).toEqual([
      { customer_id: 'C04', from_segment: 'potential_loyalists', to_segment: 'need_attention' },
      { customer_id: 'C06', from_segment: 'loyal', to_segment: 'cant_lose_them' },
      { customer_id: 'C08', from_segment: 'hibernating', to_segment: 'lost' },
      { customer_id: 'C10', from_segment: 'lost', to_segment: 'promising' },
    ]);
    const history = await query<{ as_of_date: string; n: number }>('select as_of_date, count(*) as n from customer_segments group by 1 order by 1');
    expect(history).toEqual([
      { as_of_date: '2026-06-30', n: 10 },
      { as_of_date: '2026-07-01', n: 10 },
    ]);
    const c01 = await query("select segment, previous_segment from customer_segments where customer_id = 'C01' and as_of_date = date '2026-07-01'");
    expect(c01).toEqual([{ segment: 'champions', previous_segment: 'champions' }]);
  });

  it('fails with the dbt exit code, names the problem and leaves the previous results intact', async () => {
    const before = createHash('sha256').update(readFileSync(warehouse)).digest('hex');
    writeFileSync(join(dir, 'orders_broken.csv'), 'order_id,customer_id,ordered_at\nO1,C1,2026-01-01\n');
    writeFileSync(join(dir, 'broken.yml'), readFileSync(join(dir, 'retain.yml'), 'utf8').replace('orders: { path: "orders*.csv" }', 'orders: { path: orders_broken.csv }'));
    const result = retain(['run', '--config', 'broken.yml'], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('revenue');
    expect(result.stderr).toContain('the previous results in');
    expect(result.stderr.split('\n').length).toBeLessThan(30);
    expect(createHash('sha256').update(readFileSync(warehouse)).digest('hex')).toBe(before);
    const summary = retain(['segments', '--json'], { cwd: dir });
    expect(summary.json<{ as_of: string }>().as_of).toBe('2026-07-01');
  });

  it('exits with the configuration code and a readable message for a bad retain.yml', () => {
    writeFileSync(join(dir, 'bad.yml'), 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nrfm: {bins: 0}\n');
    const result = retain(['run', '--config', 'bad.yml'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('line 3, rfm.bins: Too small');
    const json = retain(['run', '--config', 'bad.yml', '--json'], { cwd: dir });
    expect(json.code).toBe(3);
    expect(json.json<{ ok: boolean; error: { code: string } }>().error.code).toBe('config');
  });
});
