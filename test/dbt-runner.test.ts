import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDbt, summarizeFailures, type DbtNodeEvent } from '../src/dbt/runner.js';
import { createProgress } from '../src/output/progress.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();

/** A stand-in dbt that prints dbt's JSON log events and writes run_results.json like dbt 1.11 does. */
function fakeDbt(lines: object[], results: object[], exitCode: number): string {
  const script = join(dir, `fake-dbt-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const target = args[args.indexOf('--target-path') + 1];
for (const line of ${JSON.stringify(lines)}) console.log(JSON.stringify(line));
mkdirSync(target, { recursive: true });
writeFileSync(target + '/run_results.json', JSON.stringify({ metadata: { generated_at: new Date().toISOString() }, results: ${JSON.stringify(results)} }));
process.exit(${exitCode});
`,
  );
  chmodSync(script, 0o755);
  return script;
}

const start = (name: string, type: string, index: number, total?: number) => ({
  info: { name: 'LogStartLine', level: 'info', msg: `${index} of ${total} START` },
  data: { node_info: { node_name: name, resource_type: type }, index, total },
});

afterEach(() => {
  delete process.env.RETAIN_DBT;
  delete process.env.RETAIN_TEST_API_TOKEN;
});

describe('runDbt', () => {
  it('turns dbt JSON log lines into progress events, filling the total tests lack', async () => {
    process.env.RETAIN_DBT = fakeDbt(
      [
        { info: { name: 'MainReportVersion', level: 'info', msg: 'Running with dbt=1.11' }, data: {} },
        start('stg_retain__orders', 'model', 1, 2),
        { info: { name: 'LogModelResult', level: 'info', msg: 'OK' }, data: { node_info: { node_name: 'stg_retain__orders', resource_type: 'model' }, index: 1, total: 2, status: 'OK', execution_time: 0.25 } },
        { info: { name: 'LogStartLine', level: 'info', msg: '' }, data: { node_info: { node_name: 'not_null_x', resource_type: 'test' }, index: 2 } },
        { info: { name: 'LogTestResult', level: 'info', msg: 'PASS' }, data: { node_info: { node_name: 'not_null_x', resource_type: 'test' }, index: 2, status: 'pass', execution_time: 0.1 } },
      ],
      [
        { unique_id: 'model.retain.stg_retain__orders', status: 'success', message: 'OK', execution_time: 0.25, failures: null },
        { unique_id: 'test.retain.not_null_x.abc', status: 'pass', message: null, execution_time: 0.1, failures: 0 },
      ],
      0,
    );
    const events: DbtNodeEvent[] = [];
    const result = await runDbt({ args: ['build'], profilesDir: dir, targetPath: join(dir, 't1'), logPath: join(dir, 'l1'), onEvent: (e) => events.push(e) });
    expect(result.exitCode).toBe(0);
    expect(events.map((e) => [e.kind, e.name, e.index, e.total, e.status])).toEqual([
      ['start', 'stg_retain__orders', 1, 2, undefined],
      ['finish', 'stg_retain__orders', 1, 2, 'OK'],
      ['start', 'not_null_x', 2, 2, undefined],
      ['finish', 'not_null_x', 2, 2, 'pass'],
    ]);
    expect(result.results.map((r) => [r.resourceType, r.name, r.status])).toEqual([
      ['model', 'stg_retain__orders', 'success'],
      ['test', 'not_null_x.abc', 'pass'],
    ]);
  });

  it('summarizes a failure as the failing model and the first lines of its error, with secrets redacted', async () => {
    process.env.RETAIN_TEST_API_TOKEN = 'sk-live-1234567890';
    process.env.RETAIN_DBT = fakeDbt(
      [{ info: { name: 'RunResultError', level: 'error', msg: 'Runtime Error in model int_x' }, data: {} }],
      [
        { unique_id: 'model.retain.stg_ok', status: 'success', message: 'OK', execution_time: 1, failures: null },
        {
          unique_id: 'model.retain.int_customers_rfm_scored',
          status: 'error',
          message: 'Runtime Error in model int_customers_rfm_scored (models/x.sql)\n  Binder Error: column "revenu" not found, token sk-live-1234567890\n\n  LINE 4: ...',
          execution_time: 0.1,
          failures: null,
        },
        { unique_id: 'model.retain.customer_profile', status: 'skipped', message: null, execution_time: 0, failures: null },
      ],
      1,
    );
    const result = await runDbt({ args: ['build'], profilesDir: dir, targetPath: join(dir, 't2'), logPath: join(dir, 'l2') });
    expect(result.exitCode).toBe(1);
    const summary = summarizeFailures(result);
    expect(summary.failed.map((f) => f.name)).toEqual(['int_customers_rfm_scored']);
    expect(summary.lines).toEqual(['model int_customers_rfm_scored: Binder Error: column "revenu" not found, token *** LINE 4: ...']);
  });

  it('falls back to the error log lines when dbt fails before running any node', async () => {
    process.env.RETAIN_DBT = fakeDbt([{ info: { name: 'MainEncounteredError', level: 'error', msg: "Compilation Error: source orders has no column 'revenue'" }, data: {} }], [], 2);
    const result = await runDbt({ args: ['build'], profilesDir: dir, targetPath: join(dir, 't3'), logPath: join(dir, 'l3') });
    expect(summarizeFailures(result).lines).toEqual(["Compilation Error: source orders has no column 'revenue'"]);
  });
});

describe('createProgress', () => {
  function capture(forceTty: boolean, json = false) {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: forceTty } as unknown as NodeJS.WriteStream;
    return { progress: createProgress({ stream, json, forceTty }), text: () => text };
  }

  it('writes per-model lines on a terminal', () => {
    const { progress, text } = capture(true);
    progress.dbtEvent({ kind: 'start', name: 'customer_profile', resourceType: 'model', index: 3, total: 9 });
    progress.dbtEvent({ kind: 'finish', name: 'customer_profile', resourceType: 'model', index: 3, total: 9, status: 'OK', seconds: 1.26 });
    progress.done();
    expect(text()).toContain('[3/9] ok    model customer_profile (1.3s)\n');
  });

  it('cuts a running line to the terminal width so it can be erased', () => {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: true, columns: 40 } as unknown as NodeJS.WriteStream;
    const progress = createProgress({ stream });
    progress.dbtEvent({ kind: 'start', name: 'accepted_values_base_retain__orders_rejection_reason__missing', resourceType: 'test', index: 12, total: 185 });
    expect(text).toBe('  [12/185] test accepted_values_base_r…');
    expect(text.length).toBe(39);
  });

  it('stays quiet when not a terminal or when --json is set', () => {
    for (const [tty, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const { progress, text } = capture(tty, json);
      progress.note('hello');
      progress.dbtEvent({ kind: 'finish', name: 'm', resourceType: 'model', index: 1, total: 1, status: 'OK' });
      expect(text()).toBe('');
    }
  });
});
