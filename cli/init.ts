import { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RetainError } from '../src/errors.js';
import { configTemplate } from '../src/init/template.js';
import { initOptionsSchema, parseOptions } from '../src/options.js';

export const initCommand = new Command('init')
  .description('Write a commented retain.yml for your own files or tables')
  .option('--out <path>', 'where to write it', 'retain.yml')
  .option('--orders <path>', 'path of your orders file (CSV or Parquet)')
  .option('--force', 'overwrite an existing file')
  .action((raw) => {
    const options = parseOptions(initOptionsSchema, raw);
    const path = resolve(options.out);
    if (existsSync(path) && !options.force) {
      throw new RetainError('usage', `${path} already exists`, 'pass --force to overwrite it');
    }
    writeFileSync(path, configTemplate({ orders: options.orders }));
    process.stdout.write(`Wrote ${path}. Point sources.orders at your orders, then run \`retain run\`.\n`);
  });
