import { Command } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { EXIT_CODES } from '../src/errors.js';
import { parseOptions, validateOptionsSchema } from '../src/options.js';
import { renderValidationTable } from '../src/output/validation-table.js';
import { validateWarehouse, validationJson } from '../src/validate/index.js';

export const validateCommand = new Command('validate')
  .description('Check the latest results: segment bounds, one segment each, drift, quantile bins, freshness, audiences (exit 6 on failure)')
  .option('--as-of <date>', 'the as-of date to check (default: the as-of date of the latest run)')
  .option('--target <name>', 'a target from retain.yml (default: warehouse)')
  .option('-c, --config <path>', 'path to retain.yml (default: nearest one upwards)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = parseOptions(validateOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const run = await validateWarehouse(resolved, { asOf: options.asOf });
    if (options.json) process.stdout.write(JSON.stringify({ ok: run.passed, ...validationJson(run) }, null, 2) + '\n');
    else process.stdout.write(renderValidationTable(run, { color: process.stdout.isTTY, width: process.stdout.columns }) + '\n');
    // the result is printed in full above; the exit code alone tells a scheduler the run failed
    if (!run.passed) process.exitCode = EXIT_CODES.checks;
  });
