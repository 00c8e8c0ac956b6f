import { Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../src/config/load.js';
import { runDoctor } from '../src/doctor/index.js';
import { EXIT_CODES } from '../src/errors.js';
import { commonOptions, parseOptions } from '../src/options.js';

export const doctorCommand = new Command('doctor')
  .description('Test the connection and permissions of a target (create schema and table, read sources) and say what is missing')
  .option('--target <name>', 'a target from retain.yml (default: warehouse)')
  .option('-c, --config <path>', 'path to retain.yml (default: nearest one upwards)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = parseOptions(commonOptions, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const report = await runDoctor(resolved);
    if (options.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const table = new Table({ head: ['status', 'check', 'detail'], wordWrap: true, colWidths: [8, 26, Math.max(40, Math.min(100, (process.stdout.columns ?? 120) - 40))], style: { head: [] } });
      for (const check of report.checks) table.push([check.status, check.check, check.hint ? `${check.detail}\nfix: ${check.hint}` : check.detail]);
      process.stdout.write(`Target ${report.target} (${report.type}): ${report.where}\n${table.toString()}\n${report.ok ? 'Ready.' : 'Not ready: fix the failed checks above.'}\n`);
    }
    if (!report.ok) process.exitCode = EXIT_CODES.config;
  });
