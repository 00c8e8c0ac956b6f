/**
 * `retain backtest`: everything as of a cutoff, then what really happened in the horizon after it.
 *
 * Two builds go to their own DuckDB files under <warehouse folder>/.retain-backtest/<cutoff>/, so
 * the user's results are never touched: one as of the cutoff (scores, segments, predictions with
 * the horizon set to the backtest's), one as of cutoff + horizon (only the netted orders, to read
 * the outcomes with the same cleaning, currency conversion and returns). Both are attached to one
 * in-memory DuckDB and every per-customer metric is computed there in SQL; only aggregates reach
 * TypeScript. The results are appended to `backtest_results` in the user's warehouse.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { RetainError } from '../errors.js';
import type { DbtNodeEvent } from '../dbt/runner.js';
import { acquireLock } from '../pipeline/lock.js';
import { runPipeline } from '../pipeline/run.js';
import { openDuckDb, quoteLiteral, type DuckDb } from '../warehouse/duckdb.js';
import { aucSql, spearman, spearmanSql, topDecileShareSql } from './metrics.js';

export interface BacktestOptions {
  cutoff: string;
  horizonDays: number;
  onEvent?: (event: DbtNodeEvent) => void;
  onStep?: (step: string) => void;
}

export interface PredictorFigures {
  predictor: 'model' | 'recency' | 'rfm_composite';
  churn_auc: number | null;
  value_spearman: number | null;
  top_decile_revenue_share: number | null;
}

export interface BacktestResult {
  run_id: string;
  cutoff: string;
  horizon_days: number;
  outcome_date: string;
  customers: number;
  retention_rate: number;
  segments: Array<{ segment: string; customers: number; retention_rate: number; revenue_per_customer: number; revenue: number }>;
  rfm_deciles: Array<{ decile: number; customers: number; retention_rate: number }>;
  rfm_decile_spearman: number | null;
  calibration: Array<{ decile: number; customers: number; predicted_purchases: number; actual_purchases: number }>;
  aggregate: { predicted_revenue: number | null; actual_revenue: number; revenue_error: number | null; predicted_purchases: number | null; actual_purchases: number; purchases_error: number | null };
  predictors: PredictorFigures[];
  verdict: { churn: string; value: string; model_beats_baselines: boolean | null };
  warnings: string[];
}

function addDays(date: string, days: number): string {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function withWarehouse(resolved: ResolvedConfig, folder: string, changes: Partial<ResolvedConfig['config']>): ResolvedConfig {
  return {
    ...resolved,
    config: { ...resolved.config, ...changes },
    warehousePath: join(folder, 'retain.duckdb'),
    stateDir: join(folder, '.retain'),
  };
}

export async function runBacktest(resolved: ResolvedConfig, options: BacktestOptions): Promise<BacktestResult> {
  const { cutoff, horizonDays } = options;
  const outcomeDate = addDays(cutoff, horizonDays);
  const root = join(dirname(resolved.warehousePath), '.retain-backtest', cutoff);
  const atCutoff = withWarehouse(resolved, join(root, 'cutoff'), {
    predictions: { ...(resolved.config.predictions ?? {}), horizon_days: horizonDays },
  });
  const atOutcome = withWarehouse(resolved, join(root, 'outcome'), {
    predictions: { ...(resolved.config.predictions ?? {}), enabled: false },
  });
  mkdirSync(root, { recursive: true });

  options.onStep?.(`building everything as of the cutoff ${cutoff}`);
  const first = await runPipeline(atCutoff, { asOf: cutoff, validate: false, fullRefresh: true, onEvent: options.onEvent });
  options.onStep?.(`reading what happened up to ${outcomeDate}`);
  // a throwaway build, possibly left by an earlier backtest on other data: rebuilt whole
  await runPipeline(atOutcome, { asOf: outcomeDate, validate: false, fullRefresh: true, select: ['+int_orders_netted_to_returns'], onEvent: options.onEvent });

  const db = await openDuckDb(':memory:');
  try {
    await db.run(`attach ${quoteLiteral(atCutoff.warehousePath)} as cut (read_only)`);
    // the outcome build's views name their catalog after the file's stem (retain): attach it so
    await db.run(`attach ${quoteLiteral(atOutcome.warehousePath)} as retain (read_only)`);
    const result = await measure(db, { cutoff, outcomeDate, horizonDays });
    result.warnings.push(...first.predictions.warnings);
    return result;
  } finally {
    db.close();
  }
}

async function one<T>(db: DuckDb, sql: string): Promise<T> {
  const rows = await db.all(sql);
  return rows[0] as T;
}

async function measure(db: DuckDb, p: { cutoff: string; outcomeDate: string; horizonDays: number }): Promise<BacktestResult> {
  // Actual purchases: days with positive net revenue in (cutoff, cutoff + horizon], as the model counts them.
  await db.run(`create temp table outcomes as
    with days as (
      select customer_id, order_date, sum(net_revenue_base) as day_value
      from retain.main.int_orders_netted_to_returns
      where is_purchase and order_date > date ${quoteLiteral(p.cutoff)} and order_date <= date ${quoteLiteral(p.outcomeDate)}
      group by customer_id, order_date
      having sum(net_revenue_base) > 0
    ), actual as (
      select customer_id, count(*) as purchases, sum(day_value) as revenue from days group by customer_id
    )
    select profile.customer_id, profile.segment, profile.recency_days, profile.rfm_composite,
      profile.churn_risk, profile.expected_purchases, profile.expected_revenue, profile.predicted_clv,
      coalesce(actual.purchases, 0) as actual_purchases, coalesce(actual.revenue, 0) as actual_revenue,
      coalesce(actual.purchases, 0) > 0 as retained, coalesce(actual.purchases, 0) = 0 as churned,
      -profile.recency_days as recency_value_score, -profile.rfm_composite as rfm_churn_score
    from cut.main.customer_profile as profile
    left join actual on profile.customer_id = actual.customer_id`);

  const totals = await one<{ customers: number; retained: number }>(db, 'select count(*) as customers, sum(case when retained then 1 else 0 end) as retained from outcomes');
  if (!totals.customers) throw new RetainError('validation', `the backtest as of ${p.cutoff} has no customers`, 'choose a later cutoff: nobody had bought by then');

  const segments = await db.all<BacktestResult['segments'][number]>(`select segment, count(*) as customers,
      avg(case when retained then 1.0 else 0.0 end) as retention_rate, avg(actual_revenue) as revenue_per_customer, sum(actual_revenue) as revenue
    from outcomes group by segment order by revenue_per_customer desc`);
  const rfmDeciles = await db.all<BacktestResult['rfm_deciles'][number]>(`select decile, count(*) as customers, avg(case when retained then 1.0 else 0.0 end) as retention_rate
    from (select *, ntile(10) over (order by rfm_composite, customer_id) as decile from outcomes) group by decile order by decile`);
  const hasModel = (await one<{ n: number }>(db, 'select count(churn_risk) as n from outcomes')).n > 0;
  const calibration = hasModel
    ? await db.all<BacktestResult['calibration'][number]>(`select decile, count(*) as customers, avg(expected_purchases) as predicted_purchases, avg(actual_purchases) as actual_purchases
        from (select *, ntile(10) over (order by expected_purchases, customer_id) as decile from outcomes where expected_purchases is not null) group by decile order by decile`)
    : [];
  const aggregate = await one<BacktestResult['aggregate']>(db, `select sum(expected_revenue) as predicted_revenue, sum(actual_revenue) as actual_revenue,
      case when sum(actual_revenue) > 0 then sum(expected_revenue) / sum(actual_revenue) - 1 end as revenue_error,
      sum(expected_purchases) as predicted_purchases, sum(actual_purchases) as actual_purchases,
      case when sum(actual_purchases) > 0 then sum(expected_purchases) / sum(actual_purchases) - 1 end as purchases_error
    from outcomes`);

  const predictorColumns = [
    { predictor: 'model' as const, churn: 'churn_risk', value: 'expected_revenue' },
    { predictor: 'recency' as const, churn: 'recency_days', value: 'recency_value_score' },
    { predictor: 'rfm_composite' as const, churn: 'rfm_churn_score', value: 'rfm_composite' },
  ];
  const predictors: PredictorFigures[] = [];
  for (const column of predictorColumns) {
    if (column.predictor === 'model' && !hasModel) {
      predictors.push({ predictor: 'model', churn_auc: null, value_spearman: null, top_decile_revenue_share: null });
      continue;
    }
    predictors.push({
      predictor: column.predictor,
      churn_auc: (await one<{ auc: number | null }>(db, aucSql('outcomes', column.churn, 'churned'))).auc,
      value_spearman: (await one<{ spearman: number | null }>(db, spearmanSql('outcomes', column.value, 'actual_revenue'))).spearman,
      top_decile_revenue_share: (await one<{ share: number | null }>(db, topDecileShareSql('outcomes', column.value, 'actual_revenue', 'customer_id'))).share,
    });
  }
  const rfmDecileSpearman = spearman(rfmDeciles.map((d) => d.decile), rfmDeciles.map((d) => d.retention_rate));
  const verdict = judge(predictors);
  const warnings: string[] = [];
  if (rfmDecileSpearman !== null && rfmDecileSpearman < 0.8) warnings.push(`retention does not rise steadily across RFM-composite deciles (Spearman ${rfmDecileSpearman.toFixed(2)})`);
  const runId = `${p.cutoff}_${p.horizonDays}d_${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
  return {
    run_id: runId,
    cutoff: p.cutoff,
    horizon_days: p.horizonDays,
    outcome_date: p.outcomeDate,
    customers: totals.customers,
    retention_rate: totals.retained / totals.customers,
    segments,
    rfm_deciles: rfmDeciles,
    rfm_decile_spearman: rfmDecileSpearman,
    calibration,
    aggregate,
    predictors,
    verdict,
    warnings,
  };
}

function judge(predictors: PredictorFigures[]): BacktestResult['verdict'] {
  const model = predictors.find((p) => p.predictor === 'model')!;
  const baselines = predictors.filter((p) => p.predictor !== 'model');
  if (model.churn_auc === null) {
    return { churn: 'no model was fitted: nothing to compare', value: 'no model was fitted: nothing to compare', model_beats_baselines: null };
  }
  const best = (key: 'churn_auc' | 'value_spearman') =>
    baselines.reduce((a, b) => ((b[key] ?? -Infinity) > (a[key] ?? -Infinity) ? b : a));
  const churnBest = best('churn_auc');
  const valueBest = best('value_spearman');
  const churnWins = (model.churn_auc ?? 0) > (churnBest.churn_auc ?? 0);
  const valueWins = (model.value_spearman ?? 0) > (valueBest.value_spearman ?? 0);
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  return {
    churn: `${churnWins ? 'the model beats' : 'the model does NOT beat'} the best baseline (${churnBest.predictor}) at telling who will not buy: AUC ${f(model.churn_auc)} vs ${f(churnBest.churn_auc)}`,
    value: `${valueWins ? 'the model beats' : 'the model does NOT beat'} the best baseline (${valueBest.predictor}) at ranking future revenue: Spearman ${f(model.value_spearman)} vs ${f(valueBest.value_spearman)}`,
    model_beats_baselines: churnWins && valueWins,
  };
}

/** Appends the result, long format, to backtest_results in the user's warehouse (under the run lock). */
export async function storeBacktest(resolved: ResolvedConfig, result: BacktestResult): Promise<number> {
  mkdirSync(dirname(resolved.warehousePath), { recursive: true });
  const release = acquireLock(resolved.warehousePath + '.lock', `a retain run on ${resolved.warehousePath}`);
  const rows: Array<[string, string, string, number | null]> = [];
  const add = (section: string, predictor: string, group: string, metric: string, value: number | null) => rows.push([section, predictor, group + '\u0001' + metric, value]);
  add('overall', 'actual', 'all', 'customers', result.customers);
  add('overall', 'actual', 'all', 'retention_rate', result.retention_rate);
  for (const s of result.segments) {
    add('segment', 'actual', s.segment, 'customers', s.customers);
    add('segment', 'actual', s.segment, 'retention_rate', s.retention_rate);
    add('segment', 'actual', s.segment, 'revenue_per_customer', s.revenue_per_customer);
  }
  for (const d of result.rfm_deciles) add('rfm_decile', 'rfm_composite', String(d.decile), 'retention_rate', d.retention_rate);
  add('rfm_decile', 'rfm_composite', 'all', 'spearman', result.rfm_decile_spearman);
  for (const c of result.calibration) {
    add('calibration', 'model', String(c.decile), 'predicted_purchases', c.predicted_purchases);
    add('calibration', 'model', String(c.decile), 'actual_purchases', c.actual_purchases);
  }
  add('aggregate', 'model', 'all', 'revenue_error', result.aggregate.revenue_error);
  add('aggregate', 'model', 'all', 'purchases_error', result.aggregate.purchases_error);
  for (const p of result.predictors) {
    add('predictor', p.predictor, 'all', 'churn_auc', p.churn_auc);
    add('predictor', p.predictor, 'all', 'value_spearman', p.value_spearman);
    add('predictor', p.predictor, 'all', 'top_decile_revenue_share', p.top_decile_revenue_share);
  }
  try {
    const db = await openDuckDb(resolved.warehousePath);
    try {
      await db.run(`create table if not exists backtest_results (
        run_id varchar, cutoff date, horizon_days integer, section varchar, predictor varchar,
        group_key varchar, metric varchar, value double, created_at timestamp)`);
      await db.run('begin transaction');
      for (const [section, predictor, groupMetric, value] of rows) {
        const [group, metric] = groupMetric.split('\u0001') as [string, string];
        await db.run(
          'insert into backtest_results values ($1, cast($2 as date), $3, $4, $5, $6, $7, $8, current_timestamp)',
          [result.run_id, result.cutoff, result.horizon_days, section, predictor, group, metric, value === null || !Number.isFinite(value) ? null : value],
        );
      }
      await db.run('commit');
    } finally {
      db.close();
    }
  } finally {
    release();
  }
  return rows.length;
}
