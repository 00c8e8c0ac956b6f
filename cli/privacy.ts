import { Command } from 'commander';
import { loadConfig, requireDuckDbTarget } from '../src/config/load.js';
import { parseOptions, privacyEraseOptionsSchema, privacyExportOptionsSchema } from '../src/options.js';
import { eraseCustomer, exportCustomer } from '../src/privacy/index.js';

const exportCommand = new Command('export')
  .description('Print as JSON everything the warehouse holds about one customer, across every identifier resolved to them')
  .requiredOption('--customer <id>', 'a customer id (any id resolved to the customer)')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout (the only format: the flag is accepted for symmetry)')
  .action(async (raw) => {
    const options = parseOptions(privacyExportOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    requireDuckDbTarget(resolved, 'retain privacy export');
    const exported = await exportCustomer(resolved.warehousePath, options.customer);
    process.stdout.write(JSON.stringify({ ok: true, warehouse_path: resolved.warehousePath, exported_at: new Date().toISOString(), ...exported }, null, 2) + '\n');
  });

const eraseCommand = new Command('erase')
  .description('Erase a customer: a hashed tombstone keeps them out of every table from now on and out of later loads')
  .requiredOption('--customer <id>', 'a customer id (every id resolved to the same customer is erased)')
  .option('--reason <text>', 'why (stored with the tombstone: write no personal data here)')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(privacyEraseOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    requireDuckDbTarget(resolved, 'retain privacy erase');
    const result = await eraseCustomer(resolved.warehousePath, options.customer, options.reason ?? null);
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: true, warehouse_path: resolved.warehousePath, ...result }, null, 2) + '\n');
      return;
    }
    const deleted = Object.values(result.rows_deleted).reduce((sum, n) => sum + n, 0);
    process.stdout.write(
      `Erased ${result.customer_id}` +
        (result.resolved_customer_id !== result.customer_id ? ` (resolved customer ${result.resolved_customer_id})` : '') +
        `: ${result.customer_ids} customer id${result.customer_ids === 1 ? '' : 's'}, ${result.new_tombstones} new tombstone${result.new_tombstones === 1 ? '' : 's'} in privacy_erasures; ` +
        `${deleted} row${deleted === 1 ? '' : 's'} deleted from ${Object.keys(result.rows_deleted).length} table${Object.keys(result.rows_deleted).length === 1 ? '' : 's'}.\n` +
        'From the next `retain run` staging rejects their rows as erased, in this and every later load.\n',
    );
  });

export const privacyCommand = new Command('privacy')
  .description('Export or erase what the warehouse holds about one customer')
  .addCommand(exportCommand)
  .addCommand(eraseCommand);
