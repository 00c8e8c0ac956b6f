import { Command } from 'commander';
import { relative } from 'node:path';
import { demoOptionsSchema, parseOptions } from '../src/options.js';
import { createProgress } from '../src/output/progress.js';
import { renderSegmentTable } from '../src/output/segments-table.js';
import { runDemo } from '../src/pipeline/demo.js';
import { EXIT_CODES } from '../src/errors.js';
import { validationJson, type ValidationRun } from '../src/validate/index.js';

export const demoCommand = new Command('demo')
  .description('Generate 50,000 sample customers into a folder, run the whole pipeline, and show the result')
  .option('--dir <path>', 'folder for the sample data and results', 'demo')
  .option('--customers <n>', 'number of customers', '50000')
  .option('--seed <n>', 'random seed (same seed, same data)', '42')
  .option('--as-of <date>', 'as-of date of the data and the run (default today)')
  .option('--json', 'print a machine-readable result on stdout')
  .action(async (raw) => {
    const options = parseOptions(demoOptionsSchema, raw);
    const progress = createProgress({ json: options.json });
    const result = await runDemo({
      ...options,
      onProgress: (message) => progress.note(message),
      onStep: (label, index, total) => progress.step(label, index, total),
      onEvent: (event) => progress.dbtEvent(event),
    });
    progress.done();
    if (options.json) {
      process.stdout.write(
        JSON.stringify(
          {
            ok: true,
            dir: result.dir,
            config_path: result.configPath,
            warehouse_path: result.run.warehousePath,
            as_of: result.run.asOf,
            generated: result.generated,
            seconds: { generate: result.generated.seconds, run: result.run.seconds },
            nodes: result.run.nodes,
            segment_summary: result.run.segmentSummary,
            validation: result.run.validation ? validationJson(result.run.validation) : null,
            sync: result.sync,
            outbox_dir: result.outboxDir,
          },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    const rel = (path: string) => relative(process.cwd(), path) || '.';
    const orders = result.generated.files.orders?.rows ?? 0;
    process.stdout.write(renderSegmentTable(result.run.segmentSummary, { color: process.stdout.isTTY }) + '\n\n');
    process.stdout.write(
      [
        `Generated ${result.generated.customers.toLocaleString('en-US')} customers and ${orders.toLocaleString('en-US')} orders in ${result.generated.seconds.toFixed(1)}s: ${rel(result.dataDir)}/`,
        `Built ${result.run.nodes.models} models and passed ${result.run.nodes.tests} checks in ${result.run.seconds.toFixed(1)}s as of ${result.run.asOf}.`,
        `Results (DuckDB): ${rel(result.run.warehousePath)} — tables customer_profile, customer_segments, segment_summary,`,
        `  segment_transitions, rejected_rows. Config: ${rel(result.configPath)}`,
        `Next: cd ${rel(result.dir)} && npx retain segments   (or: npx retain dbt -- show --select customer_profile)`,
        ...(result.run.validation ? [validationLine(result.run.validation)] : []),
        ...(result.sync
          ? [
              `Synced ${result.sync.map((s) => `${s.audience}: ${s.acknowledged.toLocaleString('en-US')} sent, ${Object.entries(s.excluded).map(([r, n]) => `${n.toLocaleString('en-US')} ${r}`).join(', ') || 'none excluded'}`).join('; ')}`,
              `  to ${rel(result.outboxDir)}/ (retain sync --dry-run shows the next diff; retain lift --audience win_back measures the holdout).`,
            ]
          : []),
      ].join('\n') + '\n',
    );
    if (result.run.validation && !result.run.validation.passed) process.exitCode = EXIT_CODES.checks;
  });

function validationLine(run: ValidationRun): string {
  const count = (status: string) => run.results.filter((result) => result.status === status).length;
  return run.passed
    ? `Validation passed: ${count('pass')} checks ok, ${count('warn')} warnings (retain validate shows them; retain report --out report.html draws them).`
    : `Validation FAILED: ${count('fail')} checks failed; run \`retain validate\` for the table.`;
}
