import { Command } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { parseOptions, reportOptionsSchema } from '../src/options.js';
import { writeReport } from '../src/report/index.js';

export const reportCommand = new Command('report')
  .description('Write one self-contained HTML report of the latest run (charts as inline SVG; readable offline and printed)')
  .option('--out <file>', 'the HTML file to write', 'report.html')
  .option('--target <name>', 'a target from retain.yml (default: warehouse)')
  .option('-c, --config <path>', 'path to retain.yml (default: nearest one upwards)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = parseOptions(reportOptionsSchema, raw);
    const resolved = loadConfig({ config: options.config, target: options.target });
    const result = await writeReport(resolved, options.out);
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: true, path: result.path, bytes: result.bytes, as_of: result.asOf, sections: result.sections, charts: result.charts }, null, 2) + '\n');
      return;
    }
    const shown = result.sections.filter((s) => s.shown).length;
    const left = result.sections.filter((s) => !s.shown);
    process.stdout.write(`Wrote ${result.path} (${Math.round(result.bytes / 1024)} KB, as of ${result.asOf}): ${shown} sections, ${result.charts.length} charts.\n`);
    for (const section of left) process.stdout.write(`  not shown: ${section.title} — ${section.note}\n`);
  });
