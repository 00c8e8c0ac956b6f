import type { Row, Warehouse } from '../warehouse/index.js';
import { readLatestValidation, type StoredCheckRow } from '../validate/store.js';

/** Everything the report shows, read from the warehouse's marts (read-only). */
export interface ReportData {
  asOf: string;
  previousAsOf: string | null;
  generatedAt: string;
  customers: number;
  revenue: number;
  segments: Row[];
  /** prediction columns segment_summary has (average_predicted_clv, average_churn_risk, retention_upside, recommended_budget) */
  segmentExtras: string[];
  rfGrid: Array<{ r_score: number; f_score: number; customers: number; revenue: number }>;
  bins: number;
  movement: Array<{ from_segment: string; to_segment: string; customers: number }> | null;
  lifecycle: { column: string; rows: Array<{ stage: string; customers: number; revenue: number }> } | null;
  churn: Histogram | null;
  value: Histogram | null;
  backtest: Backtest | null;
  lift: { columns: string[]; rows: Row[]; audience: string; estimate: string; lower: string; upper: string } | null;
  validation: StoredCheckRow[];
  /** why a section is missing, by section id */
  omitted: Record<string, string>;
}

/**
 * The newest backtest (retain backtest writes backtest_results in long format: run_id, cutoff,
 * horizon_days, section, predictor, group_key, metric, value, created_at). Another shape is shown
 * as a plain table.
 */
export interface Backtest {
  runId: string | null;
  cutoff: string | null;
  horizonDays: number | null;
  /** retention rate by RFM-composite decile */
  deciles: Array<{ decile: number; retention_rate: number }>;
  /** predicted and actual purchases per decile of predicted purchases */
  calibration: Array<{ decile: number; predicted: number; actual: number }>;
  /** per predictor: metric -> value */
  predictors: Array<{ predictor: string; metrics: Record<string, number | null> }>;
  predictorMetrics: string[];
  overall: Record<string, number | null>;
  /** other shapes: the table as it is */
  columns: string[];
  rows: Row[];
}

export interface Histogram {
  column: string;
  bins: Array<{ lower: number; upper: number; customers: number }>;
  mean: number;
  customers: number;
}

/** Column names the prediction and lifecycle layers use (first match wins). */
const CHURN_COLUMNS = ['churn_risk', 'churn_probability', 'p_churn'];
const VALUE_COLUMNS = ['predicted_clv', 'clv', 'predicted_value', 'expected_clv'];
const LIFECYCLE_COLUMNS = ['lifecycle_stage', 'lifecycle'];

const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

/** A date column's value as YYYY-MM-DD (every Warehouse returns dates in that form), or null. */
const day = (value: unknown) => (value === null || value === undefined ? null : String(value).slice(0, 10));

export async function readReportData(w: Warehouse): Promise<ReportData> {
  const omitted: Record<string, string> = {};
  const t = (table: string) => w.qualify(table);
  const profile = new Set(await w.columns('customer_profile'));
  const [overview] = await w.query<{ as_of: string; customers: number; revenue: number }>(
    `select max(as_of_date) as as_of, count(*) as customers, coalesce(sum(trailing_12m_revenue), 0) as revenue from ${t('customer_profile')}`,
  );
  const asOf = day(overview!.as_of) ?? '';
  const segments = await w.query(`select * from ${t('segment_summary')} order by segment_order`);
  const summaryColumns = new Set(await w.columns('segment_summary'));
  const segmentExtras = ['average_predicted_clv', 'average_churn_risk', 'retention_upside', 'recommended_budget'].filter((c) => summaryColumns.has(c));
  const rfGrid = (
    await w.query<{ r_score: number; f_score: number; customers: number; revenue: number }>(
      `select r_score, f_score, count(*) as customers, coalesce(sum(trailing_12m_revenue), 0) as revenue from ${t('customer_profile')} group by r_score, f_score order by r_score, f_score`,
    )
  ).map((row) => ({ r_score: num(row.r_score), f_score: num(row.f_score), customers: num(row.customers), revenue: num(row.revenue) }));
  const bins = Math.max(5, ...rfGrid.map((row) => Math.max(row.r_score, row.f_score)));

  let previousAsOf: string | null = null;
  let movement: ReportData['movement'] = null;
  if (await w.tableExists('customer_segments')) {
    const [previous] = await w.query<{ d: string | null }>(`select max(as_of_date) as d from ${t('customer_segments')} where as_of_date < cast($1 as date)`, [asOf]);
    previousAsOf = day(previous?.d);
    if (previousAsOf) {
      movement = (
        await w.query<{ from_segment: string; to_segment: string; customers: number }>(
          `select coalesce(previous_segment, '(new)') as from_segment, segment as to_segment, count(*) as customers
           from ${t('customer_segments')} where as_of_date = cast($1 as date) group by 1, 2 order by 1, 2`,
          [asOf],
        )
      ).map((row) => ({ ...row, customers: num(row.customers) }));
    } else omitted.movement = 'This is the first run: there is no earlier run to compare with.';
  } else omitted.movement = 'The run history (customer_segments) is not in this warehouse.';

  let lifecycle: ReportData['lifecycle'] = null;
  const lifecycleColumn = LIFECYCLE_COLUMNS.find((c) => profile.has(c));
  if (lifecycleColumn) {
    const rows = await w.query<{ stage: string; customers: number; revenue: number }>(
      `select coalesce(cast(${lifecycleColumn} as varchar), '(none)') as stage, count(*) as customers, coalesce(sum(trailing_12m_revenue), 0) as revenue
       from ${t('customer_profile')} group by 1 order by customers desc, stage`,
    );
    lifecycle = { column: lifecycleColumn, rows: rows.map((row) => ({ stage: row.stage, customers: num(row.customers), revenue: num(row.revenue) })) };
  } else omitted.lifecycle = 'customer_profile has no lifecycle stage yet (the lifecycle layer adds lifecycle_stage).';

  const churnColumn = CHURN_COLUMNS.find((c) => profile.has(c));
  const churn = churnColumn ? await histogram(w, churnColumn, { lower: 0, upper: 1, bins: 10 }) : null;
  if (!churn) omitted.churn = 'customer_profile has no churn risk yet (the predictions layer adds it).';
  const valueColumn = VALUE_COLUMNS.find((c) => profile.has(c));
  const value = valueColumn ? await histogram(w, valueColumn, { bins: 12 }) : null;
  if (!value) omitted.value = 'customer_profile has no predicted customer value yet (the predictions layer adds it).';

  let backtest: ReportData['backtest'] = null;
  if (await w.tableExists('backtest_results')) {
    backtest = await readBacktest(w);
  } else omitted.backtest = 'No backtest in this warehouse (`retain backtest` writes backtest_results).';

  let lift: ReportData['lift'] = null;
  if (await w.tableExists('lift_results')) {
    const columns = await w.columns('lift_results');
    const audience = ['audience', 'audience_name', 'audience_id'].find((c) => columns.includes(c));
    const estimate = ['lift', 'retention_lift', 'absolute_lift', 'lift_pct'].find((c) => columns.includes(c));
    const lower = columns.find((c) => /(lower|_low?$|ci_low)/.test(c));
    const upper = columns.find((c) => /(upper|_hi(gh)?$|ci_high)/.test(c));
    const rows = await w.query(`select * from ${t('lift_results')} limit 500`);
    if (audience && estimate && lower && upper) lift = { columns, rows, audience, estimate, lower, upper };
    else {
      lift = { columns, rows, audience: audience ?? columns[0]!, estimate: '', lower: '', upper: '' };
    }
  } else omitted.lift = 'No lift measured yet (`retain lift` writes lift_results once audiences have run with holdouts).';

  const validation = await readLatestValidation(w);
  if (validation.length === 0) omitted.validation = 'No validation recorded yet: run `retain validate`.';

  return {
    asOf,
    previousAsOf,
    generatedAt: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    customers: num(overview!.customers),
    revenue: num(overview!.revenue),
    segments,
    segmentExtras,
    rfGrid,
    bins,
    movement,
    lifecycle,
    churn,
    value,
    backtest,
    lift,
    validation,
    omitted,
  };
}

async function readBacktest(w: Warehouse): Promise<Backtest> {
  const columns = await w.columns('backtest_results');
  const table = w.qualify('backtest_results');
  const long = ['run_id', 'section', 'predictor', 'group_key', 'metric', 'value'].every((c) => columns.includes(c));
  const empty: Backtest = { runId: null, cutoff: null, horizonDays: null, deciles: [], calibration: [], predictors: [], predictorMetrics: [], overall: {}, columns, rows: [] };
  if (!long) return { ...empty, rows: await w.query(`select * from ${table} limit 200`) };
  const order = columns.includes('created_at') ? 'created_at desc, run_id desc' : 'run_id desc';
  const rows = (
    await w.query<{ run_id: string; cutoff: string | null; horizon_days: number | null; section: string; predictor: string; group_key: string; metric: string; value: number | null }>(
      `select run_id, ${columns.includes('cutoff') ? 'cutoff' : 'null'} as cutoff, ${columns.includes('horizon_days') ? 'horizon_days' : 'null'} as horizon_days,
              section, predictor, group_key, metric, value
       from ${table} where run_id = (select run_id from ${table} order by ${order} limit 1)`,
    )
  ).map((row) => ({ ...row, cutoff: day(row.cutoff) }));
  if (rows.length === 0) return empty;
  const value = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const deciles = rows
    .filter((r) => r.section === 'rfm_decile' && r.metric === 'retention_rate' && /^\d+$/.test(r.group_key))
    .map((r) => ({ decile: Number(r.group_key), retention_rate: value(r.value) ?? 0 }))
    .sort((a, b) => a.decile - b.decile);
  const calibration = [...new Set(rows.filter((r) => r.section === 'calibration' && /^\d+$/.test(r.group_key)).map((r) => Number(r.group_key)))]
    .sort((a, b) => a - b)
    .map((decile) => {
      const get = (metric: string) => value(rows.find((r) => r.section === 'calibration' && Number(r.group_key) === decile && r.metric === metric)?.value) ?? 0;
      return { decile, predicted: get('predicted_purchases'), actual: get('actual_purchases') };
    });
  const predictorRows = rows.filter((r) => r.section === 'predictor');
  const predictorMetrics = [...new Set(predictorRows.map((r) => r.metric))];
  const predictors = [...new Set(predictorRows.map((r) => r.predictor))].map((predictor) => ({
    predictor,
    metrics: Object.fromEntries(predictorMetrics.map((metric) => [metric, value(predictorRows.find((r) => r.predictor === predictor && r.metric === metric)?.value)])),
  }));
  const overall = Object.fromEntries(rows.filter((r) => r.section === 'overall' || r.section === 'aggregate').map((r) => [r.metric, value(r.value)]));
  return { runId: rows[0]!.run_id, cutoff: rows[0]!.cutoff, horizonDays: value(rows[0]!.horizon_days), deciles, calibration, predictors, predictorMetrics, overall, columns, rows: [] };
}

/** Equal-width bins over [lower, upper] (default: min to the 99th percentile, the rest in the last bin). */
async function histogram(w: Warehouse, column: string, options: { lower?: number; upper?: number; bins: number }): Promise<Histogram | null> {
  const [stats] = await w.query<{ lo: number | null; hi: number | null; mean: number | null; n: number }>(
    `select min(${column}) as lo, ${percentile99(w.type, column)} as hi, avg(${column}) as mean, count(${column}) as n from ${w.qualify('customer_profile')}`,
  );
  if (!stats || !stats.n) return null;
  const lower = options.lower ?? Math.min(num(stats.lo), 0);
  let upper = options.upper ?? num(stats.hi);
  if (!(upper > lower)) upper = lower + 1;
  const width = (upper - lower) / options.bins;
  const rows = await w.query<{ bin: number; customers: number }>(
    `select least(greatest(cast(floor((${column} - ${lower}) / ${width}) as integer), 0), ${options.bins - 1}) as bin, count(*) as customers
     from ${w.qualify('customer_profile')} where ${column} is not null group by 1`,
  );
  const counts = new Map(rows.map((row) => [num(row.bin), num(row.customers)]));
  return {
    column,
    mean: num(stats.mean),
    customers: num(stats.n),
    bins: Array.from({ length: options.bins }, (_, i) => ({ lower: lower + i * width, upper: lower + (i + 1) * width, customers: counts.get(i) ?? 0 })),
  };
}

/** The 99th percentile of a column (interpolated; BigQuery's is approximate: approx_quantiles). */
function percentile99(type: Warehouse['type'], column: string): string {
  switch (type) {
    case 'duckdb':
      return `quantile_cont(${column}, 0.99)`;
    case 'postgres':
    case 'snowflake':
      return `percentile_cont(0.99) within group (order by ${column})`;
    case 'bigquery':
      return `approx_quantiles(${column}, 100)[offset(99)]`;
  }
}
