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
import { tableExists } from '../validate/store.js';
import { openDuckDb, type DuckDb } from '../warehouse/duckdb.js';
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
  let db: DuckDb | undefined;
  try {
    db = await openDuckDb(resolved.warehousePath, { readOnly: options.store === false });
    for (const table of ['holdout_assignments', 'int_orders_netted_to_returns', 'customer_profile']) {
      if (!(await tableExists(db, table))) throw new RetainError('usage', `the warehouse has no ${table}`, 'run `retain run` with the audience defined first');
    }
    const asOf = String((await db.all<{ d: string }>('select cast(max(as_of_date) as varchar) as d from customer_profile'))[0]?.d ?? '');
    const params = { audience: audience.name, salt: audience.salt, window: options.windowDays, asof: asOf };
    const waiting = await db.all<{ n: number }>(
      `select count(*)::integer as n from holdout_assignments
       where audience = $audience and salt = $salt and assigned_as_of_date + to_days(cast($window as integer)) > cast($asof as date)`,
      params,
    );
    const arms = await db.all<{ segment: string; is_holdout: boolean; customers: number; retained: number; revenue_sum: number; revenue_sq: number }>(
      `with assigned as (
         select customer_id, coalesce(segment, 'unknown') as segment, is_holdout, assigned_as_of_date as start_date
         from holdout_assignments
         where audience = $audience and salt = $salt
           and assigned_as_of_date + to_days(cast($window as integer)) <= cast($asof as date)
       ),
       outcomes as (
         select a.customer_id, a.segment, a.is_holdout,
                count(o.order_id) > 0 as retained,
                coalesce(sum(o.net_revenue_base), 0) as revenue
         from assigned a
         left join int_orders_netted_to_returns o
           on o.customer_id = a.customer_id and o.is_purchase
          and o.order_date > a.start_date and o.order_date <= a.start_date + to_days(cast($window as integer))
         group by a.customer_id, a.segment, a.is_holdout
       )
       select segment, is_holdout, count(*)::integer as customers, sum(case when retained then 1 else 0 end)::integer as retained,
              sum(revenue)::double as revenue_sum, sum(revenue * revenue)::double as revenue_sq
       from outcomes group by grouping sets ((segment, is_holdout), (is_holdout))
       order by segment nulls first, is_holdout`,
      params,
    );
    const cost = audience.cost_per_member ?? 0;
    const bySegment = new Map<string, { treated?: ArmSummary; holdout?: ArmSummary }>();
    for (const arm of arms) {
      const key = arm.segment ?? 'all';
      const entry = bySegment.get(key) ?? {};
      const summary: ArmSummary = { customers: arm.customers, retained: arm.retained, revenueSum: arm.revenue_sum, revenueSumSquares: arm.revenue_sq };
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
      not_yet_measurable: waiting[0]?.n ?? 0,
      cost_per_member: audience.cost_per_member,
      rows,
      skipped_segments: skipped,
    };
    if (options.store !== false) await storeLift(db, result);
    return result;
  } finally {
    db?.close();
    release();
  }
}

async function storeLift(db: DuckDb, result: LiftResult): Promise<void> {
  await db.run(`create table if not exists lift_results (
    run_id varchar, audience varchar, salt varchar, as_of_date date, window_days integer, segment varchar,
    treated_customers integer, holdout_customers integer, treated_retention_rate double, holdout_retention_rate double,
    retention_lift double, retention_lift_low double, retention_lift_high double,
    treated_revenue_per_customer double, holdout_revenue_per_customer double,
    revenue_lift_per_customer double, revenue_lift_low double, revenue_lift_high double,
    incremental_revenue double, incremental_retained double, incentive_cost double, cost_per_retained double,
    created_at timestamp)`);
  for (const row of result.rows) {
    await db.run(
      `insert into lift_results values ($run, $audience, $salt, cast($asof as date), $window, $segment, $tc, $hc, $tr, $hr, $rl, $rlo, $rhi,
        $trev, $hrev, $vl, $vlo, $vhi, $inc, $incret, $cost, $cpr, current_timestamp)`,
      {
        run: result.run_id,
        audience: result.audience,
        salt: result.salt,
        asof: result.as_of,
        window: result.window_days,
        segment: row.segment,
        tc: row.treated.customers,
        hc: row.holdout.customers,
        tr: row.treatedRate,
        hr: row.holdoutRate,
        rl: row.rateDiff.estimate,
        rlo: row.rateDiff.low,
        rhi: row.rateDiff.high,
        trev: row.treatedRevenuePerCustomer,
        hrev: row.holdoutRevenuePerCustomer,
        vl: row.revenueDiff.estimate,
        vlo: row.revenueDiff.low,
        vhi: row.revenueDiff.high,
        inc: row.incrementalRevenue,
        incret: row.incrementalRetained,
        cost: row.incentiveCost,
        cpr: row.costPerRetained,
      },
    );
  }
}
