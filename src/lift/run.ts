/**
 * `retain lift`: treated against holdout for one audience's experiment (audience + salt), per segment
 * at assignment and overall. A customer counts from the run that assigned the arm; the outcome window
 * is the `window` days after that as-of date, and only customers whose window has fully passed by the
 * warehouse's latest as-of date count. Retained = a purchase in the window; revenue = net revenue in
 * it. Intention to treat: every assigned treated customer counts, sent or not, so the comparison keeps
 * the randomization. Results are appended to lift_results.
 */
import type { ResolvedConfig } from '../config/load.js';
import { RetainError } from '../errors.js';
import { acquireLock } from '../pipeline/lock.js';
import { openWarehouse, type ColumnSpec, type Warehouse } from '../warehouse/index.js';
import { liftStats, type ArmSummary, type LiftStats } from './stats.js';

export interface LiftRow extends LiftStats {
  segment: string;
  treated: ArmSummary;
  holdout: ArmSummary;
  incentiveCost: number;
}

export interface LiftResult {
  run_id: string;
  audience: string;
  salt: string;
  window_days: number;
  as_of: string;
  /** Customers assigned but whose window has not passed yet. */
  not_yet_measurable: number;
  cost_per_member: number | null;
  rows: LiftRow[];
  /** Segments with no holdout or no treated customer: no comparison possible. */
  skipped_segments: Array<{ segment: string; treated: number; holdout: number }>;
}


export async function measureLift(resolved: ResolvedConfig, options: { audience: string; windowDays: number; store?: boolean }): Promise<LiftResult> {
  const audience = resolved.audiences.find((a) => a.name === options.audience);
  if (!audience) {
    throw new RetainError('usage', `unknown audience "${options.audience}"`, `audiences in ${resolved.configPath}: ${resolved.audiences.map((a) => a.name).join(', ') || '(none)'}`);
  }
  const release = options.store === false ? () => undefined : acquireLock(resolved.warehousePath + '.lock', `a retain run or sync on ${resolved.warehousePath}`);
  let warehouse: Warehouse | undefined;
  try {
    warehouse = await openWarehouse(resolved.connection, { readOnly: options.store === false });
    for (const table of ['holdout_assignments', 'int_orders_netted_to_returns', 'customer_profile']) {
      if (!(await warehouse.tableExists(table))) throw new RetainError('usage', `the warehouse has no ${table}`, 'run `retain run` with the audience defined first');
    }
    const t = (table: string) => warehouse!.qualify(table);
    const asOf = String((await warehouse.query<{ d: string }>(`select cast(max(as_of_date) as varchar) as d from ${t('customer_profile')}`))[0]?.d ?? '').slice(0, 10);
    // $1 audience, $2 salt, $3 window days, $4 as-of date
    const params = [audience.name, audience.salt, options.windowDays, asOf];
    const windowEnd = (date: string) => addDays(warehouse!.type, date, 'cast($3 as integer)');
    const waiting = await warehouse.query<{ n: number }>(
      `select cast(count(*) as integer) as n from ${t('holdout_assignments')}
       where audience = $1 and salt = $2 and ${windowEnd('assigned_as_of_date')} > cast($4 as date)`,
      params,
    );
    const arms = await warehouse.query<{ segment: string | null; is_holdout: boolean; customers: number; retained: number; revenue_sum: number; revenue_sq: number }>(
      `with assigned as (
         select customer_id, coalesce(segment, 'unknown') as segment, is_holdout, assigned_as_of_date as start_date
         from ${t('holdout_assignments')}
         where audience = $1 and salt = $2
           and ${windowEnd('assigned_as_of_date')} <= cast($4 as date)
       ),
       outcomes as (
         select a.customer_id, a.segment, a.is_holdout,
                count(o.order_id) > 0 as retained,
                coalesce(sum(o.net_revenue_base), 0) as revenue
         from assigned as a
         left join ${t('int_orders_netted_to_returns')} as o
           on o.customer_id = a.customer_id and o.is_purchase
          and o.order_date > a.start_date and o.order_date <= ${windowEnd('a.start_date')}
         group by a.customer_id, a.segment, a.is_holdout
       )
       select segment, is_holdout, cast(count(*) as integer) as customers, cast(sum(case when retained then 1 else 0 end) as integer) as retained,
              cast(sum(revenue) as double precision) as revenue_sum, cast(sum(revenue * revenue) as double precision) as revenue_sq
       from outcomes group by grouping sets ((segment, is_holdout), (is_holdout))
       order by segment nulls first, is_holdout`,
      params,
    );
    const cost = audience.cost_per_member ?? 0;
    const bySegment = new Map<string, { treated?: ArmSummary; holdout?: ArmSummary }>();
    for (const arm of arms) {
      const key = arm.segment ?? 'all';
      const entry = bySegment.get(key) ?? {};
      const summary: ArmSummary = { customers: Number(arm.customers), retained: Number(arm.retained), revenueSum: Number(arm.revenue_sum), revenueSumSquares: Number(arm.revenue_sq) };
      if (arm.is_holdout) entry.holdout = summary;
      else entry.treated = summary;
      bySegment.set(key, entry);
    }
    const rows: LiftRow[] = [];
    const skipped: LiftResult['skipped_segments'] = [];
    for (const [segment, { treated, holdout }] of bySegment) {
      if (!treated || !holdout || treated.customers === 0 || holdout.customers === 0) {
        skipped.push({ segment, treated: treated?.customers ?? 0, holdout: holdout?.customers ?? 0 });
        continue;
      }
      const incentiveCost = cost * treated.customers;
      rows.push({ segment, treated, holdout, incentiveCost, ...liftStats(treated, holdout, incentiveCost) });
    }
    rows.sort((a, b) => (a.segment === 'all' ? -1 : b.segment === 'all' ? 1 : a.segment.localeCompare(b.segment)));
    const result: LiftResult = {
      run_id: `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}_${audience.name}`,
      audience: audience.name,
      salt: audience.salt,
      window_days: options.windowDays,
      as_of: asOf,
      not_yet_measurable: Number(waiting[0]?.n ?? 0),
      cost_per_member: audience.cost_per_member,
      rows,
      skipped_segments: skipped,
    };
    if (options.store !== false) await storeLift(warehouse, result);
    return result;
  } finally {
    await warehouse?.close();
    release();
  }
}

/** A date plus a number of days, as a date each warehouse compares with a date. */
function addDays(type: Warehouse['type'], date: string, days: string): string {
  switch (type) {
    case 'duckdb':
      return `(${date} + to_days(${days}))`;
    case 'postgres':
      return `(${date} + ${days})`;
    case 'snowflake':
      return `dateadd(day, ${days}, ${date})`;
    case 'bigquery':
      return `date_add(${date}, interval ${days} day)`;
  }
}

const LIFT_COLUMNS: ColumnSpec[] = [
  ...['run_id', 'audience', 'salt'].map((name) => ({ name, type: 'text' as const })),
  { name: 'as_of_date', type: 'date' },
  { name: 'window_days', type: 'bigint' },
  { name: 'segment', type: 'text' },
  { name: 'treated_customers', type: 'bigint' },
  { name: 'holdout_customers', type: 'bigint' },
  ...[
    'treated_retention_rate',
    'holdout_retention_rate',
    'retention_lift',
    'retention_lift_low',
    'retention_lift_high',
    'treated_revenue_per_customer',
    'holdout_revenue_per_customer',
    'revenue_lift_per_customer',
    'revenue_lift_low',
    'revenue_lift_high',
    'incremental_revenue',
    'incremental_retained',
    'incentive_cost',
    'cost_per_retained',
  ].map((name) => ({ name, type: 'double' as const })),
  { name: 'created_at', type: 'timestamp' },
];

/** Appends the result's rows to lift_results (created when missing), in one write. */
async function storeLift(warehouse: Warehouse, result: LiftResult): Promise<void> {
  const createdAt = new Date().toISOString();
  const finite = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);
  const rows = result.rows.map((row) => [
    result.run_id,
    result.audience,
    result.salt,
    result.as_of,
    result.window_days,
    row.segment,
    row.treated.customers,
    row.holdout.customers,
    ...[
      row.treatedRate,
      row.holdoutRate,
      row.rateDiff.estimate,
      row.rateDiff.low,
      row.rateDiff.high,
      row.treatedRevenuePerCustomer,
      row.holdoutRevenuePerCustomer,
      row.revenueDiff.estimate,
      row.revenueDiff.low,
      row.revenueDiff.high,
      row.incrementalRevenue,
      row.incrementalRetained,
      row.incentiveCost,
      row.costPerRetained,
    ].map(finite),
    createdAt,
  ]);
  await warehouse.writeTable('lift_results', LIFT_COLUMNS, rows, { mode: 'append' });
}
