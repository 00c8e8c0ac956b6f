import { Command } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { commonOptions, parseOptions } from '../src/options.js';
import { renderSegmentTable } from '../src/output/segments-table.js';
import { readSegmentSummary } from '../src/pipeline/segments.js';

export const segmentsCommand = new Command('segments')
  .description('Print the segment summary of the last run')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(commonOptions, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const rows = await readSegmentSummary(resolved.warehousePath);
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: true, warehouse_path: resolved.warehousePath, as_of: rows[0]?.as_of_date ?? null, segment_summary: rows }, null, 2) + '\n');
      return;
    }
    process.stdout.write(`Segments as of ${rows[0]?.as_of_date ?? '?'} (${resolved.warehousePath})\n`);
    process.stdout.write(renderSegmentTable(rows, { color: process.stdout.isTTY }) + '\n');
  });
