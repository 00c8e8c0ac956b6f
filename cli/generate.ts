import { Command } from 'commander';
import { generate, generateOptionsSchema } from '../src/generate/index.js';
import { todayUtc } from '../src/generate/options.js';
import { createProgress } from '../src/output/progress.js';

export const generateCommand = new Command('generate')
  .description('Write synthetic sample data for every source (known true parameters) and a ready retain.yml')
  .option('--customers <n>', 'number of customers', '50000')
  .option('--seed <n>', 'random seed (same seed, same files)', '42')
  .option('--out <dir>', 'folder for data/, generator_params.json and retain.yml')
  .option('--format <format>', 'file format: parquet or csv', 'parquet')
  .option('--as-of <date>', 'as-of date (YYYY-MM-DD): all data lies before it; default today')
  .option('--clean', 'no deliberately dirty rows (duplicates, missing ids, negative revenue, unknown currency)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = generateOptionsSchema.parse(raw);
    const asOf = options.asOf ?? todayUtc();
    const progress = createProgress({ json: options.json });
    progress.note(`retain generate: ${options.customers.toLocaleString('en-US')} customers, seed ${options.seed}, as of ${asOf}`);
    const result = await generate({
      customers: options.customers,
      seed: options.seed,
      out: options.out,
      format: options.format,
      asOf,
      clean: options.clean,
      onProgress: (message) => progress.note(message),
      onStep: (label, index, total) => progress.step(label, index, total),
    });
    progress.done();
    if (options.json) {
      process.stdout.write(
        JSON.stringify(
          {
            out: result.out,
            format: result.format,
            as_of: result.asOf,
            seed: result.seed,
            customers: result.customers,
            files: result.files,
            params_path: result.paramsPath,
            config_path: result.configPath,
            seconds: Math.round(result.seconds * 100) / 100,
          },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    const orders = result.files.orders.rows.toLocaleString('en-US');
    process.stdout.write(`Wrote ${result.customers.toLocaleString('en-US')} customers and ${orders} orders to ${result.out} in ${result.seconds.toFixed(1)}s.\nNext: retain run --config ${result.configPath}\n`);
  });
