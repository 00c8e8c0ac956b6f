/**
 * A hand-built lift experiment for `retain lift` on every warehouse (test/lift.test.ts,
 * test/lift-bigquery.test.ts): the arms, windows and outcomes below are computed by hand.
 *
 * Experiment vip / vip-2026, assigned 2026-03-01, window 30 days (2026-03-02 .. 2026-03-31):
 *   treated t1: order 2026-03-10, 100            -> retained, 100
 *           t2: order 2026-04-15 (after window)   -> not retained, 0
 *           t3: no order                          -> 0
 *           t4: order 2026-03-31, net 30          -> retained, 30 (last day counts)
 *   holdout h1: order 2026-03-01 (assignment day) -> not retained (the window starts after it)
 *           h2: no order
 *   t5 assigned 2026-05-20: window ends after the as-of date 2026-06-01 -> not yet measurable.
 *   x1 in another experiment (salt old) -> ignored.
 * Treated: 4 customers, 2 retained (50%), revenue 100, 0, 0, 30 (mean 32.5, sample variance 2225).
 * Holdout: 2 customers, 0 retained, revenue 0.
 * Retention lift 0.5, se sqrt(0.25/4) = 0.25, 95% CI 0.5 +- 1.959964 x 0.25.
 * Revenue lift 32.5, se sqrt(2225/4) = 23.5850, CI 32.5 +- 46.2257.
 * Incremental revenue 32.5 x 4 = 130; incremental retained 0.5 x 4 = 2; incentive 4 x 5 = 20;
 * cost per retained customer 20 / 2 = 10.
 */
import { expect } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { measureLift } from '../../src/lift/run.js';
import { openWarehouse, type ColumnSpec, type Warehouse } from '../../src/warehouse/index.js';

const text = (name: string): ColumnSpec => ({ name, type: 'text' });
const FIXTURE: Record<string, { columns: ColumnSpec[]; rows: unknown[][] }> = {
  customer_profile: { columns: [{ name: 'as_of_date', type: 'date' }], rows: [['2026-06-01']] },
  holdout_assignments: {
    columns: [text('audience'), text('salt'), text('customer_id'), text('segment'), { name: 'is_holdout', type: 'boolean' }, { name: 'assigned_as_of_date', type: 'date' }],
    rows: [
      ['vip', 'vip-2026', 't1', 'champions', false, '2026-03-01'],
      ['vip', 'vip-2026', 't2', 'champions', false, '2026-03-01'],
      ['vip', 'vip-2026', 't3', 'loyal', false, '2026-03-01'],
      ['vip', 'vip-2026', 't4', 'loyal', false, '2026-03-01'],
      ['vip', 'vip-2026', 'h1', 'champions', true, '2026-03-01'],
      ['vip', 'vip-2026', 'h2', 'loyal', true, '2026-03-01'],
      ['vip', 'vip-2026', 't5', 'loyal', false, '2026-05-20'],
      ['vip', 'old', 'x1', 'loyal', true, '2026-01-01'],
    ],
  },
  int_orders_netted_to_returns: {
    columns: [text('order_id'), text('customer_id'), { name: 'order_date', type: 'date' }, { name: 'is_purchase', type: 'boolean' }, { name: 'net_revenue_base', type: 'double' }],
    rows: [
      ['o1', 't1', '2026-03-10', true, 100.0],
      ['o2', 't2', '2026-04-15', true, 80.0],
      ['o3', 't4', '2026-03-31', true, 30.0],
      ['o4', 'h1', '2026-03-01', true, 55.0],
      ['o5', 'x1', '2026-01-05', true, 10.0],
      ['o6', 't3', '2026-03-05', false, 40.0],
    ],
  },
};

/** Writes the fixture's three tables into the warehouse's target schema. */
export async function writeLiftFixture(warehouse: Warehouse): Promise<void> {
  for (const [table, { columns, rows }] of Object.entries(FIXTURE)) await warehouse.writeTable(table, columns, rows);
}

/** Runs `retain lift` for audience vip (window 30 days) and checks it against the hand computation. */
export async function expectHandComputedLift(resolved: ResolvedConfig): Promise<void> {
    const result = await measureLift(resolved, { audience: 'vip', windowDays: 30 });
    expect(result.as_of).toBe('2026-06-01');
    expect(result.not_yet_measurable).toBe(1);
    const all = result.rows.find((r) => r.segment === 'all')!;
    expect(all.treated).toEqual({ customers: 4, retained: 2, revenueSum: 130, revenueSumSquares: 10_900 });
    expect(all.holdout).toEqual({ customers: 2, retained: 0, revenueSum: 0, revenueSumSquares: 0 });
    expect(all.rateDiff.estimate).toBeCloseTo(0.5, 12);
    expect(all.rateDiff.low).toBeCloseTo(0.5 - 1.959963984540054 * 0.25, 9);
    expect(all.rateDiff.high).toBeCloseTo(0.5 + 1.959963984540054 * 0.25, 9);
    expect(all.revenueDiff.estimate).toBeCloseTo(32.5, 9);
    expect(all.revenueDiff.high - 32.5).toBeCloseTo(1.959963984540054 * Math.sqrt(2225 / 4), 6);
    expect(all.incrementalRevenue).toBeCloseTo(130, 9);
    expect(all.incrementalRetained).toBeCloseTo(2, 12);
    expect(all.incentiveCost).toBe(20);
    expect(all.costPerRetained).toBeCloseTo(10, 9);

    // per segment: champions t1 (100), t2 (0) vs h1 (0); loyal t3 (0), t4 (30) vs h2 (0)
    const champions = result.rows.find((r) => r.segment === 'champions')!;
    expect([champions.treated.customers, champions.treated.retained, champions.holdout.customers]).toEqual([2, 1, 1]);
    expect(champions.incrementalRevenue).toBeCloseTo(100, 9);
    const loyal = result.rows.find((r) => r.segment === 'loyal')!;
    expect(loyal.treated.revenueSum).toBe(30);

    const check = await openWarehouse(resolved.connection, { readOnly: true });
    try {
      const stored = await check.query<{ segment: string; treated_customers: number; cost_per_retained: number; as_of_date: string }>(
        `select segment, treated_customers, cost_per_retained, as_of_date from ${check.qualify('lift_results')} order by segment`,
      );
      expect(stored.map((row) => [row.segment, Number(row.treated_customers), row.as_of_date])).toEqual([
        ['all', 4, '2026-06-01'],
        ['champions', 2, '2026-06-01'],
        ['loyal', 2, '2026-06-01'],
      ]);
      expect(stored[0]!.cost_per_retained).toBeCloseTo(10, 9);
    } finally {
      await check.close();
    }
}
