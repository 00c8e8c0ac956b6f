import { Command } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { parseOptions, runOptionsSchema } from '../src/options.js';
import { createProgress } from '../src/output/progress.js';
import { renderSegmentTable } from '../src/output/segments-table.js';
import { renderValidationTable } from '../src/output/validation-table.js';
import { EXIT_CODES } from '../src/errors.js';
import { validationJson } from '../src/validate/index.js';
import { runPipeline } from '../src/pipeline/run.js';
import { describePredictions } from '../src/output/predictions.js';
import { describeIdentity } from '../src/output/identity.js';

export const runCommand = new Command('run')
  .description('Build every model as of a date with dbt, check it, and print the segments')
  .option('--as-of <date>', 'compute as of this date (YYYY-MM-DD); default: as_of in retain.yml, else today')
  .option('--select <selectors...>', 'dbt selectors: build only these models (and their tests)')
  .option('--exclude <selectors...>', 'dbt selectors to leave out')
  .option('--full-refresh', 'rebuild incremental models from scratch (segment history is kept)')
  .option('--target <name>', 'a target from retain.yml (default: warehouse)')
  .option('-c, --config <path>', 'path to retain.yml (default: nearest one upwards)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = parseOptions(runOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const progress = createProgress({ json: options.json });
    progress.note(`retain: building ${resolved.warehousePath} as of ${options.asOf ?? resolved.config.as_of ?? 'today'}`);
    const result = await runPipeline(resolved, {
      asOf: options.asOf,
      select: options.select,
      exclude: options.exclude,
      fullRefresh: options.fullRefresh,
      onEvent: (event) => progress.dbtEvent(event),
    });
    progress.done();
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: result.validation?.passed ?? true, warehouse_path: result.warehousePath, as_of: result.asOf, target: result.target, seconds: result.seconds, nodes: result.nodes, warnings: result.warnings, segment_summary: result.segmentSummary, identity: result.identity, validation: result.validation ? validationJson(result.validation) : null, predictions: result.predictions }, null, 2) + '\n');
      if (result.validation && !result.validation.passed) process.exitCode = EXIT_CODES.checks;
      return;
    }
    process.stdout.write(renderSegmentTable(result.segmentSummary, { color: process.stdout.isTTY }) + '\n');
    process.stdout.write(
      `\nBuilt ${result.nodes.models} models, ${result.nodes.tests} checks passed${result.nodes.warned ? ` (${result.nodes.warned} warnings)` : ''} in ${result.seconds.toFixed(1)}s as of ${result.asOf}.\nResults: ${result.warehousePath}\n`,
    );
    for (const warning of result.warnings) process.stdout.write(`Warning: ${warning.check}${warning.message ? ` (${warning.message})` : ''}\n`);
    if (result.warnings.some((warning) => warning.check === 'assert_incremental_rows_loaded')) {
      process.stdout.write('  input rows arrived later than the lookback window (retain_incremental_lookback_days) are not loaded: `retain run --full-refresh` loads them\n');
    }
    process.stdout.write(describeIdentity(result.identity));
    process.stdout.write(describePredictions(result.predictions));
    if (result.validation) {
      process.stdout.write('\n' + renderValidationTable(result.validation, { color: process.stdout.isTTY, width: process.stdout.columns }) + '\n');
      // the results are in place (a later `retain sync` refuses them unless --force); the exit code tells a scheduler
      if (!result.validation.passed) process.exitCode = EXIT_CODES.checks;
    }
  });
