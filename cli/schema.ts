import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/schema.js';
import { parseOptions, schemaOptionsSchema } from '../src/options.js';

export const schemaCommand = new Command('schema')
  .description('Print (or write) the JSON Schema of retain.yml, for editors')
  .option('--out <path>', 'write it to this file instead of stdout')
  .action((raw) => {
    const options = parseOptions(schemaOptionsSchema, raw);
    const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  });
