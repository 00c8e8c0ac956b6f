import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig, requireDuckDbTarget } from '../src/config/load.js';
import { backtestOptionsSchema, parseOptions } from '../src/options.js';
import { createProgress } from '../src/output/progress.js';
import { runBacktest, storeBacktest, type BacktestResult } from '../src/backtest/run.js';

export const backtestCommand = new Command('backtest')
  .description('Score everything as of a past cutoff and measure what happened after it, against two baselines')
  .requiredOption('--cutoff <date>', 'the as-of date of the backtest (YYYY-MM-DD)')
  .option('--horizon <span>', 'how far after the cutoff to look: days (90d) or weeks (13w)', '90d')
  .option('--out <file>', 'also write the JSON result to this file')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(backtestOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    requireDuckDbTarget(resolved, 'retain backtest');
    const progress = createProgress({ json: options.json });
    const result = await runBacktest(resolved, {
      cutoff: options.cutoff,
      horizonDays: options.horizon,
      onEvent: (event) => progress.dbtEvent(event),
      onStep: (step) => progress.note(`retain backtest: ${step}`),
    });
    progress.done();
    const stored = await storeBacktest(resolved, result);
    const json = JSON.stringify({ ok: true, ...result, stored_rows: stored, table: 'backtest_results' }, null, 2) + '\n';
    if (options.out) writeFileSync(options.out, json);
    if (options.json) {
      process.stdout.write(json);
      return;
    }
    process.stdout.write(renderBacktest(result) + `\nStored ${stored} rows in backtest_results (run ${result.run_id}).\n`);
  });

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : (v * 100).toFixed(1) + '%');
const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function renderBacktest(result: BacktestResult): string {
  const out: string[] = [];
  out.push(`Backtest as of ${result.cutoff}, outcomes up to ${result.outcome_date} (${result.horizon_days} days): ${result.customers.toLocaleString('en-US')} customers, ${pct(result.retention_rate)} bought again.`);
  const predictors = new Table({ head: ['predictor', 'churn AUC', 'revenue Spearman', 'top-decile revenue share'], style: { head: [], border: [] } });
  for (const p of result.predictors) predictors.push([p.predictor, num(p.churn_auc), num(p.value_spearman), pct(p.top_decile_revenue_share)]);
  out.push(predictors.toString());
  out.push(`Churn: ${result.verdict.churn}.`);
  out.push(`Value: ${result.verdict.value}.`);
  const a = result.aggregate;
  out.push(`Aggregate forecast: ${num(a.predicted_purchases, 0)} purchases predicted vs ${num(a.actual_purchases, 0)} actual (${pct(a.purchases_error)}); revenue ${num(a.predicted_revenue, 0)} vs ${num(a.actual_revenue, 0)} (${pct(a.revenue_error)}).`);
  const segments = new Table({ head: ['segment', 'customers', 'retained', 'revenue / customer'], style: { head: [], border: [] } });
  for (const s of result.segments) segments.push([s.segment, s.customers.toLocaleString('en-US'), pct(s.retention_rate), num(s.revenue_per_customer, 2)]);
  out.push(segments.toString());
  out.push(`Retention by RFM-composite decile (1 = lowest): ${result.rfm_deciles.map((d) => pct(d.retention_rate)).join(' ')}; Spearman ${num(result.rfm_decile_spearman)}.`);
  if (result.calibration.length) {
    out.push(`Calibration by decile of predicted purchases (predicted/actual): ${result.calibration.map((c) => `${num(c.predicted_purchases, 2)}/${num(c.actual_purchases, 2)}`).join(' ')}`);
  }
  for (const w of result.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}
