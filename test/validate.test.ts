/**
 * `retain validate` and the checks at the end of `retain run`, through the built CLI on real dbt runs
 * of generated data (3,000 customers) as of 2026-09-30 and 2026-10-31. Expected values are
 * recomputed from the marts in SQL, independently of the checks' code.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { latestValidationStatus } from '../src/validate/status.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-validate-');
const project = join(dir, 'shop');
const config = join(project, 'retain.yml');
const warehouse = join(project, 'retain.duckdb');

interface Check {
  check: string;
  subject: string;
  status: string;
  value: number | null;
  threshold: number | null;
  message: string;
}
interface ValidationJson {
  ok: boolean;
  run_id: string;
  as_of: string;
  passed: boolean;
  checks: Check[];
}

let runJson: { ok: boolean; validation: ValidationJson };

beforeAll(() => {
  const generated = retain(['generate', '--customers', '3000', '--seed', '7', '--as-of', '2026-10-31', '--out', project, '--json'], { cwd: dir });
  expect(generated.code, generated.stderr).toBe(0);
  const first = retain(['run', '--config', config, '--as-of', '2026-09-30', '--json'], { cwd: dir });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  const second = retain(['run', '--config', config, '--as-of', '2026-10-31', '--json'], { cwd: dir });
  expect(second.code, second.stdout + second.stderr).toBe(0);
  runJson = second.json();
});

const find = (checks: Check[], check: string, subject = '') => checks.find((c) => c.check === check && c.subject === subject);

describe('checks at the end of retain run', () => {
  it('ran after the swap, passed, and were appended to validation_results once per run', async () => {
    expect(runJson.ok).toBe(true);
    expect(runJson.validation.as_of).toBe('2026-10-31');
    expect(runJson.validation.passed).toBe(true);
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const runs = await db.all<{ as_of: string; checks: number }>(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of, count(*) as checks from validation_results group by all order by 1",
      );
      expect(runs.map((r) => r.as_of)).toEqual(['2026-09-30', '2026-10-31']);
      expect(runs[1]!.checks).toBe(runJson.validation.checks.length);
    } finally {
      db.close();
    }
    expect(await latestValidationStatus(warehouse)).toEqual({ runId: runJson.validation.run_id, asOf: '2026-10-31', passed: true, failed: [] });
  });

  it('compares with the previous run: PSI of segment shares equals the sum recomputed from customer_segments', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    let expected: number;
    try {
      const [row] = await db.all<{ psi: number }>(`
        with counts as (
          select segment, count(*) filter (where as_of_date = date '2026-09-30') as e, count(*) filter (where as_of_date = date '2026-10-31') as a
          from customer_segments group by segment
        ),
        shares as (
          select greatest(e / sum(e) over (), 0.0001) as e, greatest(a / sum(a) over (), 0.0001) as a from counts
        )
        select sum((a - e) * ln(a / e)) as psi from shares`);
      expected = row!.psi;
    } finally {
      db.close();
    }
    const segmentPsi = find(runJson.validation.checks, 'segment_psi')!;
    expect(segmentPsi.status).toBe('pass');
    expect(segmentPsi.value).toBeCloseTo(expected, 10);
    expect(segmentPsi.message).toContain('against 2026-09-30');
    const drift = runJson.validation.checks.filter((c) => c.check === 'segment_drift');
    expect(drift.length).toBe(11 - runJson.validation.checks.filter((c) => c.check === 'segment_share_bounds' && c.value === 0).length);
    expect(drift.every((c) => c.status === 'pass' && c.message.includes('previous run'))).toBe(true);
  });

  it('checks every customer is in one segment, the share bounds, freshness and the quantile bins', async () => {
    const checks = runJson.validation.checks;
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const summary = await db.all<{ segment: string; share_of_customers: number }>('select segment, share_of_customers from segment_summary');
      for (const row of summary) expect(find(checks, 'segment_share_bounds', row.segment)?.value).toBeCloseTo(row.share_of_customers, 12);
      const [customers] = await db.all<{ n: number }>('select count(*) as n from customer_profile');
      expect(find(checks, 'segments_exhaustive')).toMatchObject({ status: 'pass', value: 0, message: `each of ${customers!.n.toLocaleString('en-US')} customers is in exactly one segment` });
      const [newest] = await db.all<{ hours: number }>(
        "select date_diff('second', max(ordered_at), timestamp '2026-11-01 00:00:00') / 3600.0 as hours from stg_retain__orders where ordered_at < timestamp '2026-11-01'",
      );
      expect(find(checks, 'freshness', 'orders')).toMatchObject({ status: 'pass', threshold: 72 });
      expect(find(checks, 'freshness', 'orders')!.value).toBeCloseTo(newest!.hours, 9);
      // frequency is mostly 1 order: the ties make f_score's bins uneven, and the message says why
      const [ones] = await db.all<{ n: number }>('select count(*) as n from customer_profile where frequency_orders = 1');
      const f = find(checks, 'quantile_bins', 'f_score')!;
      expect(f.status).toBe('pass');
      expect(f.message).toContain('explained by ties');
      expect(f.message).toContain(`${ones!.n.toLocaleString('en-US')} customers`);
      expect(f.message).toContain('frequency_orders = 1, all scored 1');
      expect(find(checks, 'quantile_bins', 'r_score')!.message).toMatch(/equal within/);
    } finally {
      db.close();
    }
    // the second run counted the same files: no row-count change
    expect(find(checks, 'source_rows', 'orders')).toMatchObject({ status: 'pass' });
    expect(find(checks, 'source_rows', 'orders')!.message).toContain('+0.0%');
  });
});

describe('retain validate', () => {
  it('prints a table and exits 0 when everything passes', () => {
    const result = retain(['validate', '--config', config], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/│ status │ check +│ subject/);
    expect(result.stdout).toMatch(/│ ok +│ segments_exhaustive/);
    expect(result.stdout).toMatch(/Passed: \d+ checks ok/);
  });

  it('exits 6 with the failed checks when a segment leaves its bounds, and sync status sees the failure', async () => {
    const text = readFileSync(config, 'utf8');
    const strict = join(project, 'strict.yml');
    writeFileSync(strict, text + 'validation:\n  segment_shares:\n    default: {max: 0.9}\n    lost: {min: 0.5}\n');
    const result = retain(['validate', '--config', strict, '--json'], { cwd: dir });
    expect(result.code).toBe(6);
    const out = result.json<ValidationJson>();
    expect(out.ok).toBe(false);
    expect(out.checks.filter((c) => c.status === 'fail').map((c) => `${c.check}:${c.subject}`)).toEqual(['segment_share_bounds:lost']);
    expect(find(out.checks, 'segment_share_bounds', 'lost')!.threshold).toBe(0.5);
    expect(await latestValidationStatus(warehouse)).toEqual({ runId: out.run_id, asOf: '2026-10-31', passed: false, failed: ['segment_share_bounds:lost'] });

    const table = retain(['validate', '--config', strict], { cwd: dir });
    expect(table.code).toBe(6);
    expect(table.stdout).toMatch(/│ FAIL +│ segment_share_bounds │ lost/);
    expect(table.stdout).toContain('FAILED: 1 checks failed (segment_share_bounds:lost)');
    // validating again with the normal bounds clears it
    expect(retain(['validate', '--config', config], { cwd: dir }).code).toBe(0);
    expect((await latestValidationStatus(warehouse))?.passed).toBe(true);
  });

  it('fails quantile scores that do not follow the ranks, and stale sources', async () => {
    // a copy of the warehouse with m_score 2 folded into 1, checked as of a date two weeks later
    // (same file name: the views inside name their catalog after the file's stem)
    mkdirSync(join(project, 'broken'));
    copyFileSync(warehouse, join(project, 'broken', 'retain.duckdb'));
    writeFileSync(join(project, 'broken.yml'), readFileSync(config, 'utf8').replace('path: retain.duckdb', 'path: broken/retain.duckdb'));
    const db = await openDuckDb(join(project, 'broken', 'retain.duckdb'));
    await db.run('update customer_profile set m_score = 1 where m_score = 2');
    db.close();
    const result = retain(['validate', '--config', join(project, 'broken.yml'), '--as-of', '2026-11-14', '--json'], { cwd: dir });
    expect(result.code).toBe(6);
    const out = result.json<ValidationJson>();
    const m = find(out.checks, 'quantile_bins', 'm_score')!;
    expect(m.status).toBe('fail');
    // bins 1 and 2 (600 each by rank) are folded into bin 1
    expect(m.message).toMatch(/^bins 1,200\/0\/600\/\d+\/\d+ of 3,000, but the monetary_total ranks imply 600\/600\/600\/\d+\/\d+: scoring does not follow the quantile rule$/);
    const orders = find(out.checks, 'freshness', 'orders')!;
    expect(orders.status).toBe('fail');
    // the newest order is ~24h before the end of 10-31 (see above): 14 more days
    expect(orders.value!).toBeGreaterThan(14 * 24);
    expect(orders.value!).toBeLessThan(16 * 24);
  });
});
