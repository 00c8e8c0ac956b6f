import { Command } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { commonOptions, parseOptions } from '../src/options.js';
import { renderSegmentTable } from '../src/output/segments-table.js';
import { readSegmentSummary, readSegmentSummaryFrom, type SegmentSummaryRow } from '../src/pipeline/segments.js';
import { openWarehouse } from '../src/warehouse/index.js';

export const segmentsCommand = new Command('segments')
  .description('Print the segment summary of the last run')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (raw) => {
    const options = parseOptions(commonOptions, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    let rows: SegmentSummaryRow[];
    let where = resolved.warehousePath;
    if (resolved.target.type === 'duckdb') {
      rows = await readSegmentSummary(resolved.warehousePath);
    } else {
      const warehouse = await openWarehouse(resolved.connection);
      where = warehouse.description;
      try {
        rows = await readSegmentSummaryFrom(warehouse);
      } finally {
        await warehouse.close();
      }
    }
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: true, warehouse_path: where, as_of: rows[0]?.as_of_date ?? null, segment_summary: rows }, null, 2) + '\n');
      return;
    }
    process.stdout.write(`Segments as of ${rows[0]?.as_of_date ?? '?'} (${where})\n`);
    process.stdout.write(renderSegmentTable(rows, { color: process.stdout.isTTY }) + '\n');
  });
