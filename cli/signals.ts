import { Command } from 'commander';
import { z } from 'zod';
import { loadConfig, requireDuckDbTarget } from '../src/config/load.js';
import { commonOptions, parseOptions } from '../src/options.js';
import { measureSignals } from '../src/signals/index.js';

const signalsOptionsSchema = commonOptions.extend({
  cutoff: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
  horizon: z
    .string()
    .regex(/^[1-9][0-9]{0,3}d$/, 'expected a number of days like 90d')
    .transform((value) => Number(value.slice(0, -1))),
  minGain: z.coerce.number().min(0).default(0.05),
});

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

export const signalsCommand = new Command('signals')
  .description('Which behavioural layers earn their place: segment separation of future retention and revenue with and without each layer, on a backtest split')
  .requiredOption('--cutoff <date>', 'build the profile as of this date (YYYY-MM-DD) and look at what happened after')
  .option('--horizon <days>', 'how long after the cutoff to look, e.g. 90d', '90d')
  .option('--min-gain <share>', 'relative gain over the segments alone that a layer must add', '0.05')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(signalsOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    requireDuckDbTarget(resolved, 'retain signals');
    const quietProgress = options.json || !process.stderr.isTTY;
    const result = await measureSignals(resolved, {
      cutoff: options.cutoff,
      horizonDays: options.horizon,
      minGain: options.minGain,
      onStep: quietProgress ? undefined : (step) => process.stderr.write(`… ${step}\n`),
    });
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: true, ...result }, null, 2) + '\n');
      return;
    }
    const lines = [
      `Backtest: profile as of ${result.cutoff}, outcomes to ${result.outcome_date} (${result.horizon_days} days): ${result.customers.toLocaleString('en-US')} customers, ${pct(result.retained_share)} bought again.`,
      `Segments alone: retention information (chance-adjusted) ${result.segments.retention_information_gain_bits.toFixed(4)} bits, future revenue variance between groups ${pct(result.segments.revenue_variance_share_adjusted)} (adjusted), ${result.segments.groups} groups.`,
      '',
      'layer       groups  retention bits  vs segments  revenue var.  vs segments  verdict',
    ];
    for (const layer of result.layers) {
      lines.push(
        [
          layer.layer.padEnd(10),
          String(layer.groups).padStart(7),
          layer.retention_information_gain_bits.toFixed(4).padStart(15),
          `${layer.retention_gain_vs_segments >= 0 ? '+' : ''}${pct(layer.retention_gain_vs_segments)}`.padStart(12),
          pct(layer.revenue_variance_share_adjusted).padStart(13),
          `${layer.revenue_gain_vs_segments >= 0 ? '+' : ''}${pct(layer.revenue_gain_vs_segments)}`.padStart(12),
          layer.earns_its_place ? '  keeps its place' : '  does not earn its place',
        ].join(' '),
      );
    }
    lines.push('', `A layer keeps its place when refining the segments by it adds more than ${pct(result.min_gain)} to either measure.`);
    process.stdout.write(lines.join('\n') + '\n');
  });
