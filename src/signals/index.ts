/**
 * `retain signals`: which behavioural layers earn their place. On a backtest split the pipeline is
 * built as of the cutoff into its own DuckDB file (the results of `retain run` are not touched) and
 * the orders as of cutoff + horizon into another; then for the RFM segments alone and for the
 * segments refined by each layer, it measures how well the groups separate what happened after the
 * cutoff: retention (a purchase in the horizon; information gain in bits less the gain k groups
 * show by chance) and future revenue (share
 * of variance between groups, adjusted for the number of groups). A layer earns its place when
 * refining by it raises either measure by more than `minGain` (relative to the segments alone).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dbtVars, type ResolvedConfig } from '../config/load.js';
import { DbtError } from '../errors.js';
import { runDbt, summarizeFailures, writeDuckDbProfile } from '../dbt/runner.js';
import { openDuckDb, quoteLiteral } from '../warehouse/duckdb.js';
import { informationGainAdjusted, varianceShare, type GroupStats } from './measure.js';

/** Each layer as a grouping of customer_profile rows: fixed SQL over profile columns, no config. */
export const LAYERS: Record<string, string> = {
  lifecycle: 'lifecycle_stage',
  engagement: "engagement_trend || '/' || cast(is_fatigued as varchar)",
  creator: "cast(coalesce(is_creator_acquired, false) as varchar) || '/' || cast(coalesce(days_since_creator_engagement <= 90, false) as varchar)",
  location:
    "case when distance_to_nearest_store_km is null then 'unknown' when distance_to_nearest_store_km <= 10 then 'near' else 'far' end || '/' || cast(coalesce(store_visits_90d, 0) > 0 as varchar)",
  affinity: "cast(has_affinity_shift as varchar) || '/' || cast(category_breadth >= 3 as varchar)",
  flags:
    "cast(coalesce(is_high_return_rate, false) as varchar) || cast(coalesce(is_single_channel, false) as varchar) || cast(coalesce(is_discount_dependent, false) as varchar)",
};

export interface SignalMeasure {
  groups: number;
  retention_information_gain_bits: number;
  revenue_variance_share: number;
  revenue_variance_share_adjusted: number;
}

export interface LayerSignal extends SignalMeasure {
  layer: string;
  retention_gain_vs_segments: number;
  revenue_gain_vs_segments: number;
  earns_its_place: boolean;
}

export interface SignalsResult {
  cutoff: string;
  horizon_days: number;
  outcome_date: string;
  customers: number;
  retained_share: number;
  warehouse_path: string;
  min_gain: number;
  segments: SignalMeasure;
  layers: LayerSignal[];
}

export function addDays(date: string, days: number): string {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function build(resolved: ResolvedConfig, path: string, asOf: string, args: string[], name: string): Promise<void> {
  rmSync(path, { force: true });
  rmSync(path + '.wal', { force: true });
  const profilesDir = join(resolved.stateDir, `signals-${name}`, 'profiles');
  writeDuckDbProfile(profilesDir, path, { threads: resolved.target.threads, memoryLimit: resolved.target.type === 'duckdb' ? resolved.target.memory_limit : undefined });
  const result = await runDbt({
    args,
    profilesDir,
    targetPath: join(resolved.stateDir, `signals-${name}`, 'target'),
    logPath: join(resolved.stateDir, `signals-${name}`, 'logs'),
    vars: dbtVars(resolved, asOf),
  });
  if (result.exitCode !== 0) {
    const { lines } = summarizeFailures(result);
    throw new DbtError(`the backtest build as of ${asOf} failed`, `dbt's log is in ${join(resolved.stateDir, `signals-${name}`, 'logs')}`, lines);
  }
}

function measure(groups: GroupStats[], retained: GroupStats[]): SignalMeasure {
  const revenue = varianceShare(groups);
  return {
    groups: groups.length,
    retention_information_gain_bits: informationGainAdjusted(retained),
    revenue_variance_share: revenue.eta2,
    revenue_variance_share_adjusted: revenue.adjusted,
  };
}

export async function measureSignals(
  resolved: ResolvedConfig,
  options: { cutoff: string; horizonDays: number; minGain?: number; onStep?: (step: string) => void },
): Promise<SignalsResult> {
  const minGain = options.minGain ?? 0.05;
  const outcomeDate = addDays(options.cutoff, options.horizonDays);
  const dir = join(resolved.stateDir, 'signals');
  mkdirSync(dir, { recursive: true });
  const profilePath = join(dir, 'backtest.duckdb');
  const outcomePath = join(dir, 'outcome.duckdb');
  options.onStep?.(`building the profile as of ${options.cutoff}`);
  await build(resolved, profilePath, options.cutoff, ['run', '--select', '+customer_profile'], 'profile');
  options.onStep?.(`reading orders up to ${outcomeDate}`);
  await build(resolved, outcomePath, outcomeDate, ['run', '--select', '+stg_retain__orders'], 'outcome');

  const db = await openDuckDb(':memory:');
  try {
    await db.run(`attach ${quoteLiteral(profilePath)} as backtest (read_only); attach ${quoteLiteral(outcomePath)} as outcome (read_only)`);
    await db.run(`create temp table scored as
      with future as (
        select customer_id, sum(revenue_base) as revenue
        from outcome.main.stg_retain__orders
        where is_purchase and order_date > date ${quoteLiteral(options.cutoff)} and order_date <= date ${quoteLiteral(outcomeDate)}
        group by customer_id
      )
      select p.*, coalesce(f.revenue, 0) as future_revenue, case when f.customer_id is null then 0 else 1 end as retained
      from backtest.main.customer_profile p left join future f on p.customer_id = f.customer_id`);
    const grouped = async (key: string) => {
      const rows = await db.all(
        `select count(*) as n, sum(future_revenue) as s, sum(future_revenue * future_revenue) as ss, sum(retained) as r
         from scored group by segment, ${key}`,
      );
      return {
        revenue: rows.map((r) => ({ n: Number(r.n), sum: Number(r.s), sumSq: Number(r.ss) })),
        retained: rows.map((r) => ({ n: Number(r.n), sum: Number(r.r), sumSq: Number(r.r) })),
      };
    };
    const base = await grouped("'all'");
    const segments = measure(base.revenue, base.retained);
    const layers: LayerSignal[] = [];
    for (const [layer, expression] of Object.entries(LAYERS)) {
      const g = await grouped(`coalesce(cast(${expression} as varchar), 'null')`);
      const m = measure(g.revenue, g.retained);
      const retentionGain = segments.retention_information_gain_bits > 0 ? m.retention_information_gain_bits / segments.retention_information_gain_bits - 1 : 0;
      const revenueGain =
        segments.revenue_variance_share_adjusted > 0 ? m.revenue_variance_share_adjusted / segments.revenue_variance_share_adjusted - 1 : 0;
      layers.push({ layer, ...m, retention_gain_vs_segments: retentionGain, revenue_gain_vs_segments: revenueGain, earns_its_place: retentionGain > minGain || revenueGain > minGain });
    }
    const [totals] = await db.all('select count(*) as n, avg(retained) as r from scored');
    return {
      cutoff: options.cutoff,
      horizon_days: options.horizonDays,
      outcome_date: outcomeDate,
      customers: Number(totals?.n ?? 0),
      retained_share: Number(totals?.r ?? 0),
      warehouse_path: profilePath,
      min_gain: minGain,
      segments,
      layers,
    };
  } finally {
    db.close();
  }
}
