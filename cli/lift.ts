import { Command } from 'commander';
import Table from 'cli-table3';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { measureLift, type LiftResult } from '../src/lift/run.js';
import { commonOptions, parseOptions } from '../src/options.js';

const liftOptionsSchema = commonOptions.extend({
  audience: z.string().regex(/^[a-z][a-z0-9_]*$/, 'audience names are lowercase letters, digits and _'),
  window: z
    .string()
    .regex(/^\d+[dw]$/, 'a span like 30d (days) or 4w (weeks)')
    .transform((span) => Number(span.slice(0, -1)) * (span.endsWith('w') ? 7 : 1))
    .refine((days) => days >= 1 && days <= 3650, 'between 1 day and 10 years'),
});

export const liftCommand = new Command('lift')
  .description("Treated vs holdout for an audience's experiment: retention and revenue per customer with 95% intervals, incremental revenue, cost per retained customer, per segment (stored in lift_results)")
  .requiredOption('--audience <name>', 'the audience')
  .option('--window <span>', 'outcome window after assignment: days (30d) or weeks (4w)', '30d')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(liftOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const result = await measureLift(resolved, { audience: options.audience, windowDays: options.window });
    if (options.json) process.stdout.write(JSON.stringify({ ok: true, ...result }, null, 2) + '\n');
    else process.stdout.write(renderLift(result) + '\n');
  });

const pct = (v: number) => (v * 100).toFixed(1) + '%';
const pp = (v: number) => (v >= 0 ? '+' : '') + (v * 100).toFixed(1) + ' pp';
const money = (v: number) => (v >= 0 ? '' : '-') + Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

export function renderLift(result: LiftResult): string {
  const lines = [`Lift of ${result.audience} (experiment ${result.salt}), ${result.window_days}-day window, outcomes up to ${result.as_of}.`];
  if (result.rows.length === 0) {
    lines.push(`No segment has both treated and holdout customers whose window has passed yet (${result.not_yet_measurable.toLocaleString('en-US')} assigned customers are still inside their window).`);
    return lines.join('\n');
  }
  const table = new Table({
    head: ['segment', 'treated', 'holdout', 'retention treated', 'holdout', 'lift (95% CI)', 'revenue/customer lift (95% CI)', 'incremental revenue', 'cost/retained'],
    style: { head: [], border: [] },
  });
  for (const r of result.rows) {
    table.push([
      r.segment,
      r.treated.customers.toLocaleString('en-US'),
      r.holdout.customers.toLocaleString('en-US'),
      pct(r.treatedRate),
      pct(r.holdoutRate),
      `${pp(r.rateDiff.estimate)} (${pp(r.rateDiff.low)}, ${pp(r.rateDiff.high)})`,
      `${money(r.revenueDiff.estimate)} (${money(r.revenueDiff.low)}, ${money(r.revenueDiff.high)})`,
      money(r.incrementalRevenue),
      r.costPerRetained === null ? '-' : money(r.costPerRetained),
    ]);
  }
  lines.push(table.toString());
  if (result.not_yet_measurable > 0) lines.push(`${result.not_yet_measurable.toLocaleString('en-US')} assigned customers are still inside their window and not counted.`);
  for (const s of result.skipped_segments) lines.push(`  ${s.segment}: ${s.treated} treated, ${s.holdout} holdout - no comparison`);
  lines.push(`Stored in lift_results (run ${result.run_id}).`);
  return lines.join('\n');
}
