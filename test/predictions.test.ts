/**
 * Predictions (issue 4) through the real CLI and dbt: the SQL scores agree with the TypeScript
 * formulas, the fit in clv_model_parameters is the fit of the warehouse's grouped statistics,
 * degenerate data warns and falls back to RFM, and the budget allocation matches a hand computation.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  churnRisk,
  customerLifetimeValue,
  expectedAverageSpend,
  expectedPurchases,
  expectedTimeToNextPurchase,
  probabilityAlive,
  type BgNbdParams,
  type GammaGammaParams,
} from '../src/clv/index.js';
import { fitPredictionModels } from '../src/pipeline/predict.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { repoRoot, retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('predictions on generated data', () => {
  const dir = tempDir('retain-predictions-');
  let warehouse: string;
  let runJson: { predictions: { warnings: string[]; groups: { bgnbd: number; gamma_gamma: number } } };

  beforeAll(() => {
    const gen = retain(['generate', '--customers', '3000', '--seed', '11', '--as-of', '2026-06-30', '--out', 'g', '--json'], { cwd: dir });
    expect(gen.code, gen.stderr).toBe(0);
    const config = join(dir, 'g', 'retain.yml');
    // segment rules on the predictions, as the example: can't lose them = valuable and slipping
    writeFileSync(
      config,
      readFileSync(config, 'utf8') +
        '\npredictions:\n  time_unit: days\n  horizon_days: 60\n  clv_periods: 6\n  discount_rate: 0.02\n  budget: 4000\n' +
        'segments:\n' +
        '  - {name: cant_lose_them, when: "churn_risk > 0.8 and predicted_clv > 15"}\n' +
        '  - {name: champions, when: "churn_risk <= 0.5"}\n' +
        '  - {name: lost, when: "true"}\n' +
        // three coarse segments may hold most customers: widen the share bounds retain validate checks
        'validation:\n  segment_shares:\n    default: {min: 0, max: 1}\n',
    );
    const run = retain(['run', '-c', config, '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    runJson = run.json();
    warehouse = join(dir, 'g', 'retain.duckdb');
  });

  it('stores the TypeScript fit of the warehouse grouped statistics in clv_model_parameters', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      // in the order retain run reads them (src/pipeline/predict.ts), so the sums match to the last bit
      const bgRows = (await db.all<{ x: number; tx: number; t: number; n: number }>('select frequency_x as x, recency_tx as tx, age_t as t, customers as n from int_clv_bgnbd_groups order by 1, 2, 3'))
        .map((r) => ({ x: r.x, tx: r.tx, T: r.t, n: r.n }));
      const ggRows = await db.all<{ x: number; mx: number; n: number }>('select frequency_x as x, cast(monetary_mx as double) as mx, customers as n from int_clv_gamma_gamma_groups order by 1, 2');
      expect(runJson.predictions.groups.bgnbd).toBe(bgRows.length);
      expect(runJson.predictions.warnings).toEqual([]);
      const { fit } = fitPredictionModels(bgRows, ggRows, { min_customers: 100 });
      const stored = await db.all<{ model: string; parameter: string; parameter_value: number; customers: number; is_converged: boolean; time_unit: string; as_of_date: string }>(
        'select model, parameter, parameter_value, customers, is_converged, time_unit, as_of_date from clv_model_parameters order by model, parameter_order',
      );
      expect(stored.map((r) => `${r.model}.${r.parameter}`)).toEqual(['bgnbd.r', 'bgnbd.alpha', 'bgnbd.a', 'bgnbd.b', 'gamma_gamma.p', 'gamma_gamma.q', 'gamma_gamma.gamma']);
      for (const row of stored) {
        const params = (row.model === 'bgnbd' ? fit.bgnbd!.params : fit.gamma_gamma!.params)!;
        expect(relative(row.parameter_value, params[row.parameter]!)).toBeLessThan(1e-12);
        expect(row.is_converged).toBe(true);
        expect(row.time_unit).toBe('days');
        expect(row.as_of_date).toBe('2026-06-30');
      }
      const [buyers] = await db.all<{ n: number }>('select count(*) as n from int_clv_customer_statistics');
      expect(stored[0]!.customers).toBe(buyers!.n);
    } finally {
      db.close();
    }
  });

  it('scores every customer in SQL as the closed-form TypeScript formulas do, to 1e-6 relative', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const params = Object.fromEntries(
        (await db.all<{ parameter: string; parameter_value: number }>('select parameter, parameter_value from clv_model_parameters')).map((r) => [r.parameter, r.parameter_value]),
      );
      const bg: BgNbdParams = { r: params.r!, alpha: params.alpha!, a: params.a!, b: params.b! };
      const gg: GammaGammaParams = { p: params.p!, q: params.q!, gamma: params.gamma! };
      const rows = await db.all<{
        x: number; tx: number; t: number; mx: number | null; p_alive: number; expected_purchases: number; churn_risk: number;
        expected_order_value: number; predicted_clv: number; clv_if_retained: number; retention_upside: number; wait_days: number | null; converged: boolean;
      }>(`select frequency_x as x, recency_tx as tx, age_t as t, monetary_mx as mx, p_alive, expected_purchases, churn_risk,
            expected_order_value, predicted_clv, clv_if_retained, retention_upside, expected_days_to_next_purchase as wait_days,
            is_prediction_converged as converged
          from int_customers_predicted`);
      expect(rows.length).toBeGreaterThan(2500);
      // the hard cases are in there: customers new within the week (z close to 1) and many repeats
      expect(Math.min(...rows.map((r) => r.t))).toBeLessThan(7);
      expect(Math.max(...rows.map((r) => r.x))).toBeGreaterThan(8);
      let worst = 0;
      for (const row of rows) {
        const customer = { x: row.x, tx: row.tx, T: row.t };
        const spend = expectedAverageSpend(gg, row.x, row.mx ?? 0);
        const clv = customerLifetimeValue(bg, gg, { ...customer, mx: row.mx ?? 0 }, { periods: 6, periodLength: 30, discountRate: 0.02 });
        const pAlive = probabilityAlive(bg, customer);
        const expected: Array<[number, number]> = [
          [row.p_alive, pAlive],
          [row.expected_purchases, expectedPurchases(bg, customer, 60)],
          [row.churn_risk, churnRisk(bg, customer, 60)],
          [row.expected_order_value, spend],
          [row.predicted_clv, clv],
          [row.clv_if_retained, clv / pAlive],
          [row.retention_upside, 0.2 * churnRisk(bg, customer, 60) * (clv / pAlive)],
        ];
        const wait = expectedTimeToNextPurchase(bg, customer);
        if (wait === null) expect(row.wait_days).toBeNull();
        else expected.push([row.wait_days!, wait]);
        for (const [sql, ts] of expected) worst = Math.max(worst, relative(sql, ts));
        expect(row.converged).toBe(true);
      }
      expect(worst).toBeLessThan(1e-6);
    } finally {
      db.close();
    }
  });

  it('assigns segments by rules on the predictions', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const rows = await db.all<{ segment: string; expected: string; n: number }>(`
        select segment,
          case when consent_profiling = 'revoked' then 'no_profiling'
               when churn_risk > 0.8 and predicted_clv > 15 then 'cant_lose_them'
               when churn_risk <= 0.5 then 'champions' else 'lost' end as expected,
          count(*) as n
        from customer_profile group by 1, 2 order by 1, 2`);
      expect(rows.every((r) => r.segment === r.expected), JSON.stringify(rows)).toBe(true);
      // customers who revoked profiling consent are not scored into the rule-based segments
      expect(rows.map((r) => r.segment)).toEqual(['cant_lose_them', 'champions', 'lost', 'no_profiling']);
    } finally {
      db.close();
    }
  });

  it('puts the predictions in customer_profile and the budget where it saves most', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const [profile] = await db.all<{ n: number; with_clv: number; bad: number }>(
        'select count(*) as n, count(predicted_clv) as with_clv, count(*) filter (where churn_risk < 0 or churn_risk > 1 or p_alive < 0 or p_alive > 1) as bad from customer_profile',
      );
      expect(profile!.bad).toBe(0);
      expect(profile!.with_clv).toBeGreaterThan(profile!.n * 0.95);
      const summary = await db.all<{ segment: string; customers: number; retention_upside: number; recommended_budget: number; budget_share: number; expected_saved_value: number }>(
        'select segment, customers, retention_upside, recommended_budget, budget_share, expected_saved_value from segment_summary',
      );
      // recompute the water-filling allocation independently: bisection on the marginal return
      const inputs = summary.filter((s) => s.customers > 0 && s.retention_upside > 0).map((s) => ({ ...s, capacity: s.customers * 5, u: s.retention_upside / (s.customers * 5) }));
      const spend = (level: number) => inputs.reduce((sum, s) => sum + (s.u > level ? s.capacity * Math.log(s.u / level) : 0), 0);
      let lo = 1, hi = Math.max(...inputs.map((s) => s.u));
      for (let i = 0; i < 200; i++) { const mid = (lo + hi) / 2; if (spend(mid) > 4000) lo = mid; else hi = mid; }
      const level = spend(1) <= 4000 ? 1 : hi;
      for (const s of inputs) {
        const row = summary.find((r) => r.segment === s.segment)!;
        const expected = s.u > level ? s.capacity * Math.log(s.u / level) : 0;
        expect(row.recommended_budget).toBeCloseTo(expected, 4);
        expect(row.expected_saved_value).toBeCloseTo(s.u > level ? s.retention_upside * (1 - level / s.u) : 0, 4);
      }
      const total = summary.reduce((sum, r) => sum + r.recommended_budget, 0);
      expect(total).toBeLessThanOrEqual(4000 + 1e-6);
      expect(total).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

describe('retain backtest on generated data', () => {
  it('scores as of the cutoff in its own files, measures the 90 days after, stores the results and leaves the results alone', async () => {
    const dir = tempDir('retain-backtest-');
    const gen = retain(['generate', '--customers', '2000', '--seed', '3', '--as-of', '2026-06-30', '--out', 'g', '--json'], { cwd: dir });
    expect(gen.code, gen.stderr).toBe(0);
    const config = join(dir, 'g', 'retain.yml');
    const bt = retain(['backtest', '-c', config, '--cutoff', '2026-03-31', '--horizon', '13w', '--out', join(dir, 'bt.json'), '--json'], { cwd: dir });
    expect(bt.code, bt.stderr).toBe(0);
    const out = bt.json<{
      cutoff: string; horizon_days: number; outcome_date: string; customers: number; retention_rate: number; run_id: string; stored_rows: number;
      segments: Array<{ customers: number; retention_rate: number }>; rfm_deciles: Array<{ customers: number }>;
      predictors: Array<{ predictor: string; churn_auc: number | null; value_spearman: number | null }>; verdict: { churn: string };
      calibration: Array<{ customers: number; predicted_purchases: number; actual_purchases: number }>;
    }>();
    expect(out.horizon_days).toBe(91);
    expect(out.outcome_date).toBe('2026-06-30');
    expect(JSON.parse(readFileSync(join(dir, 'bt.json'), 'utf8')).run_id).toBe(out.run_id);
    expect(out.segments.reduce((s, x) => s + x.customers, 0)).toBe(out.customers);
    expect(out.rfm_deciles.reduce((s, x) => s + x.customers, 0)).toBe(out.customers);
    expect(out.calibration).toHaveLength(10);
    const retained = out.segments.reduce((s, x) => s + x.customers * x.retention_rate, 0);
    expect(retained / out.customers).toBeCloseTo(out.retention_rate, 9);
    expect(out.predictors.map((p) => p.predictor)).toEqual(['model', 'recency', 'rfm_composite']);
    for (const p of out.predictors) expect(p.churn_auc!).toBeGreaterThan(0.5);
    expect(out.verdict.churn).toMatch(/the model (does NOT )?beat/);

    const cutoffDb = await openDuckDb(join(dir, 'g', '.retain-backtest', '2026-03-31', 'cutoff', 'retain.duckdb'), { readOnly: true });
    try {
      const [row] = await cutoffDb.all<{ n: number; as_of: string }>('select count(*) as n, max(as_of_date) as as_of from customer_profile');
      expect(row).toEqual({ n: out.customers, as_of: '2026-03-31' });
    } finally {
      cutoffDb.close();
    }
    const main = await openDuckDb(join(dir, 'g', 'retain.duckdb'), { readOnly: true });
    try {
      const tables = await main.all<{ table_name: string }>('select table_name from information_schema.tables order by 1');
      // only the results table: the backtest never built into the user's warehouse
      expect(tables.map((t) => t.table_name)).toEqual(['backtest_results']);
      const [stored] = await main.all<{ n: number; auc: number }>(
        `select count(*) as n, max(case when predictor = 'model' and metric = 'churn_auc' then value end) as auc from backtest_results where run_id = '${out.run_id}'`,
      );
      expect(stored!.n).toBe(out.stored_rows);
      expect(stored!.auc).toBeCloseTo(out.predictors[0]!.churn_auc!, 12);
    } finally {
      main.close();
    }
  });
});

describe('degenerate data', () => {
  it('warns, keeps predictions null and still builds everything on a 10-customer shop', async () => {
    const dir = tempDir('retain-predictions-small-');
    const fixture = join(repoRoot, 'test/fixtures/e2e');
    const config = join(dir, 'retain.yml');
    writeFileSync(config, readFileSync(join(fixture, 'retain.yml'), 'utf8').replace(/path: (\w+)\.csv/g, `path: ${fixture}/$1.csv`).replace(/path: retain\.duckdb/, `path: ${dir}/retain.duckdb`));
    const run = retain(['run', '-c', config, '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const out = run.json<{ predictions: { warnings: string[] } }>();
    expect(out.predictions.warnings.join('\n')).toMatch(/BG\/NBD not fitted - too few customers to fit BG\/NBD: 10 < 100/);
    const db = await openDuckDb(join(dir, 'retain.duckdb'), { readOnly: true });
    try {
      const [profile] = await db.all<{ n: number; predicted: number; segmented: number }>(
        'select count(*) as n, count(p_alive) + count(churn_risk) + count(predicted_clv) as predicted, count(segment) as segmented from customer_profile',
      );
      expect(profile).toEqual({ n: 10, predicted: 0, segmented: 10 });
      const params = await db.all<{ model: string; parameter_value: number | null; warning: string | null }>('select model, parameter_value, warning from clv_model_parameters');
      expect(params).toHaveLength(7);
      expect(params.every((p) => p.parameter_value === null)).toBe(true);
      expect(params.find((p) => p.model === 'bgnbd')!.warning).toMatch(/too few customers/);
    } finally {
      db.close();
    }
  });
});
