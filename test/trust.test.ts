/**
 * Trust and sight, as a user sees them: `retain validate` and the checks at the end of `retain run`,
 * then `retain report` opened in a real headless Chromium. One warehouse for all of it: real dbt
 * runs of generated data (3,000 customers) as of 2026-09-30 and 2026-10-31. Expected values are
 * recomputed from the marts in SQL, independently of the code under test.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestValidationStatus } from '../src/validate/status.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { repoRoot, retain } from './support/cli.js';
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
    // one drift check per segment with customers (the 11 configured ones and no_profiling)
    const bounds = runJson.validation.checks.filter((c) => c.check === 'segment_share_bounds');
    expect(bounds.map((c) => c.subject)).toContain('no_profiling');
    expect(drift.length).toBe(12 - bounds.filter((c) => c.value === 0).length);
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
    const profiles = Number((await db.all<{ n: number }>('select count(*) as n from customer_profile'))[0]!.n);
    db.close();
    const result = retain(['validate', '--config', join(project, 'broken.yml'), '--as-of', '2026-11-14', '--json'], { cwd: dir });
    expect(result.code).toBe(6);
    const out = result.json<ValidationJson>();
    const m = find(out.checks, 'quantile_bins', 'm_score')!;
    expect(m.status).toBe('fail');
    // bins 1 and 2 (a fifth of the profiles each by rank) are folded into bin 1; the profiles are
    // the 3,000 generated customers less those the generated erasure requests erased
    const match = m.message.match(/^bins ([\d,]+)\/0\/([\d,]+)\/[\d,]+\/[\d,]+ of ([\d,]+), but the monetary_total ranks imply ([\d,]+)\/([\d,]+)\/([\d,]+)\/[\d,]+\/[\d,]+: scoring does not follow the quantile rule$/);
    expect(match, m.message).not.toBeNull();
    const [folded, third, total, implied1, implied2, implied3] = match!.slice(1).map((text) => Number(text.replaceAll(',', '')));
    expect(total).toBe(profiles);
    expect(total).toBeGreaterThan(2_900);
    expect(total).toBeLessThanOrEqual(3_000);
    expect(folded).toBe(implied1! + implied2!);
    expect(third).toBe(implied3);
    for (const size of [implied1!, implied2!, implied3!]) expect(Math.abs(size - total! / 5)).toBeLessThanOrEqual(1);
    const orders = find(out.checks, 'freshness', 'orders')!;
    expect(orders.status).toBe('fail');
    // the newest order is ~24h before the end of 10-31 (see above): 14 more days
    expect(orders.value!).toBeGreaterThan(14 * 24);
    expect(orders.value!).toBeLessThan(16 * 24);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(repoRoot, 'test-artifacts');

describe('retain report in a real browser', () => {
  const reportPath = join(project, 'report.html');
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const remoteRequests: string[] = [];
  let reportJson: { ok: boolean; path: string; sections: Array<{ id: string; shown: boolean; note?: string }>; charts: Array<{ id: string; points: number }> };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\` (npm test does) or apt-get install -y chromium`);
    // validation history as retain run left it (the validate tests above end on a passing run)
    const result = retain(['report', '--config', config, '--out', reportPath, '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    reportJson = result.json();
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      remoteRequests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto('file://' + reportPath, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
  });

  it('opens offline with no console errors and no request leaving the file', async () => {
    expect(await page.title()).toBe('Retain report — as of 2026-10-31');
    expect(consoleErrors).toEqual([]);
    expect(remoteRequests).toEqual([]);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/<script|<link[^>]+href=|<img[^>]+src=|@import|url\(http/i);
  });

  it('draws one mark per data point in every chart, each with a title and a text alternative', async () => {
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg')!;
        const mark = figure.getAttribute('data-mark')!;
        return {
          id: figure.getAttribute('data-chart'),
          points: Number(figure.getAttribute('data-points')),
          marks: svg.querySelectorAll(`g.role-mark.${mark} > [role="graphics-symbol"]`).length,
          role: svg.getAttribute('role'),
          label: svg.getAttribute('aria-label'),
          title: svg.querySelector(':scope > title')?.textContent ?? '',
          desc: svg.querySelector(':scope > desc')?.textContent ?? '',
          width: svg.getBoundingClientRect().width,
        };
      }),
    );
    // the run fitted predictions, so the churn-risk and predicted-value distributions are drawn too;
    // the lifecycle layer's lifecycle_stage adds the lifecycle chart
    expect(charts.map((c) => c.id)).toEqual(['chart-segments', 'chart-rf-grid', 'chart-movement', 'chart-lifecycle', 'chart-churn', 'chart-value']);
    expect(charts.map((c) => ({ id: c.id, points: c.points }))).toEqual(reportJson.charts.map((c) => ({ id: c.id, points: c.points })));
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const [segments] = await db.all<{ n: number }>('select count(*) as n from segment_summary');
      const [cells] = await db.all<{ n: number }>('select count(distinct (r_score, f_score)) as n from customer_profile');
      const [pairs] = await db.all<{ n: number }>("select count(distinct (coalesce(previous_segment, '(new)'), segment)) as n from customer_segments where as_of_date = date '2026-10-31'");
      const [stages] = await db.all<{ n: number }>('select count(distinct lifecycle_stage) as n from customer_profile');
      // two bars (customers, revenue) per segment; one cell per non-empty R x F pair; one per from-to pair
      expect(charts.slice(0, 3).map((c) => c.marks)).toEqual([2 * segments!.n, cells!.n, pairs!.n]);
      // one bar per lifecycle stage
      expect(charts[3]!.points).toBe(stages!.n);
      for (const chart of charts.slice(3)) expect(chart.marks, chart.id!).toBe(chart.points);
    } finally {
      db.close();
    }
    for (const chart of charts) {
      expect(chart.role).toBe('img');
      expect(chart.label).toBe(chart.title);
      expect(chart.title.length).toBeGreaterThan(10);
      expect(chart.desc.length).toBeGreaterThan(30);
      expect(chart.width).toBeGreaterThan(200);
    }
  });

  it('shows the same figures as the marts', async () => {
    const db = await openDuckDb(warehouse, { readOnly: true });
    try {
      const summary = await db.all<{ segment: string; customers: number; trailing_12m_revenue: number; share_of_customers: number }>(
        'select segment, customers, trailing_12m_revenue, share_of_customers from segment_summary order by segment_order',
      );
      const shown = await page.$$eval('#table-segments tbody tr', (rows) =>
        rows.map((row) => ({
          segment: row.getAttribute('data-segment'),
          customers: row.querySelector('[data-col="customers"]')!.textContent,
          revenue: row.querySelector('[data-col="revenue"]')!.textContent,
          share: row.querySelector('[data-col="share"]')!.textContent,
        })),
      );
      expect(shown).toEqual(
        summary.map((row) => ({
          segment: row.segment,
          customers: row.customers.toLocaleString('en-US'),
          revenue: Math.round(row.trailing_12m_revenue).toLocaleString('en-US'),
          share: `${(row.share_of_customers * 100).toFixed(1)}%`,
        })),
      );
      const [totals] = await db.all<{ customers: number; revenue: number }>('select count(*) as customers, sum(trailing_12m_revenue) as revenue from customer_profile');
      expect(await page.textContent('[data-figure="customers"]')).toBe(totals!.customers.toLocaleString('en-US'));
      expect(await page.textContent('[data-figure="revenue"]')).toBe(Math.round(totals!.revenue).toLocaleString('en-US'));

      const grid = await db.all<{ r_score: number; f_score: number; customers: number }>('select r_score, f_score, count(*) as customers from customer_profile group by all');
      const cells = await page.$$eval('#table-rf-grid td', (tds) => tds.map((td) => `${td.getAttribute('data-r')}:${td.getAttribute('data-f')}=${td.getAttribute('data-customers')}`));
      const expected = new Map(grid.map((row) => [`${row.r_score}:${row.f_score}`, row.customers]));
      expect(cells).toHaveLength(25);
      for (const cell of cells) {
        const [key, value] = cell.split('=');
        expect(Number(value), key).toBe(expected.get(key!) ?? 0);
      }

      const [moved] = await db.all<{ n: number }>(
        "select count(*) as n from customer_segments where as_of_date = date '2026-10-31' and (previous_segment is null or previous_segment <> segment)",
      );
      expect(await page.textContent('[data-figure="moved"]')).toBe(moved!.n.toLocaleString('en-US'));
      expect(await page.textContent('[data-figure="validation-status"]')).toBe('passed');
      const [latest] = await db.all<{ n: number }>('select count(*) as n from validation_results where run_id = (select run_id from validation_results order by checked_at desc limit 1)');
      expect(await page.locator('#table-validation tbody tr').count()).toBe(latest!.n);
    } finally {
      db.close();
    }
  });

  it('gives every table a header row, and says why each missing section is missing', async () => {
    const tables = await page.$$eval('table', (list) => list.map((t) => ({ id: t.id, headers: t.querySelectorAll('thead th[scope="col"]').length, caption: t.querySelector('caption')?.textContent ?? '' })));
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const table of tables) {
      expect(table.headers, table.id).toBeGreaterThanOrEqual(2);
      expect(table.caption.length, table.id).toBeGreaterThan(3);
    }
    const omitted = await page.$$eval('section.omitted', (list) => list.map((s) => ({ id: s.id, note: s.querySelector('.omitted-note')?.textContent ?? '' })));
    const notShown = reportJson.sections.filter((s) => !s.shown);
    expect(omitted.map((s) => s.id)).toEqual(notShown.map((s) => s.id));
    for (const section of omitted) expect(section.note).toMatch(/^Not shown: .{20,}/);
    // everything this warehouse has is shown
    for (const id of ['segments', 'rf-grid', 'movement', 'validation', 'strategy']) expect(reportJson.sections.find((s) => s.id === id)?.shown, id).toBe(true);
  });

  it('prints without the navigation, and keeps a screenshot of both', async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    expect(await page.isVisible('nav.toc')).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('nav.toc')).toBe(false);
    await page.screenshot({ path: join(artifacts, 'report-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(artifacts, 'report.pdf'), pdf);
    await page.emulateMedia({ media: 'screen' });
  });
});

/**
 * The sections of the layers that land separately (predictions, lifecycle, backtest, activation),
 * on a copy of the warehouse given those tables and columns in the shapes their models write
 * (added here only where the pipeline did not build them already).
 */
describe('report and validation with every layer present', () => {
  const full = join(project, 'full');
  const fullWarehouse = join(full, 'retain.duckdb');
  const fullConfig = join(project, 'full.yml');
  const reportPath = join(project, 'report-full.html');
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(full, { recursive: true });
    copyFileSync(warehouse, fullWarehouse);
    writeFileSync(fullConfig, readFileSync(config, 'utf8').replace('path: retain.duckdb', 'path: full/retain.duckdb'));
    const db = await openDuckDb(fullWarehouse);
    try {
      const columns = new Set((await db.all<{ column_name: string }>("select column_name from information_schema.columns where table_name = 'customer_profile'")).map((r) => r.column_name));
      const tables = new Set((await db.all<{ table_name: string }>('select table_name from information_schema.tables')).map((r) => r.table_name));
      if (!columns.has('churn_risk')) {
        await db.run('alter table customer_profile add column churn_risk double');
        await db.run('update customer_profile set churn_risk = least(recency_days / 1000.0, 1.0)');
      }
      if (!columns.has('predicted_clv')) {
        await db.run('alter table customer_profile add column predicted_clv double');
        await db.run('update customer_profile set predicted_clv = monetary_total * 0.8');
      }
      if (!columns.has('lifecycle_stage')) {
        await db.run('alter table customer_profile add column lifecycle_stage varchar');
        await db.run("update customer_profile set lifecycle_stage = case when recency_days <= 60 then 'active' when recency_days <= 365 then 'cooling' else 'lapsed' end");
      }
      if (!tables.has('backtest_results')) {
        await db.run(`create table backtest_results (run_id varchar, cutoff date, horizon_days integer, section varchar, predictor varchar,
          group_key varchar, metric varchar, value double, created_at timestamp)`);
        // an older run that must not be shown, then the newest
        await db.run("insert into backtest_results values ('bt-old', date '2026-01-31', 90, 'rfm_decile', 'rfm_composite', '1', 'retention_rate', 0.99, timestamp '2026-02-01 00:00:00')");
        for (let decile = 1; decile <= 10; decile++) {
          await db.run(`insert into backtest_results values
            ('bt-new', date '2026-07-31', 90, 'rfm_decile', 'rfm_composite', '${decile}', 'retention_rate', ${decile * 0.05}, timestamp '2026-08-01 00:00:00'),
            ('bt-new', date '2026-07-31', 90, 'calibration', 'model', '${decile}', 'predicted_purchases', ${decile * 10}, timestamp '2026-08-01 00:00:00'),
            ('bt-new', date '2026-07-31', 90, 'calibration', 'model', '${decile}', 'actual_purchases', ${decile * 9}, timestamp '2026-08-01 00:00:00')`);
        }
        for (const [predictor, auc] of [['model', 0.81], ['recency', 0.74]] as const) {
          await db.run(`insert into backtest_results values ('bt-new', date '2026-07-31', 90, 'predictor', '${predictor}', 'all', 'churn_auc', ${auc}, timestamp '2026-08-01 00:00:00')`);
        }
      }
      if (!tables.has('lift_results')) {
        await db.run('create table lift_results (audience varchar, treated_customers integer, holdout_customers integer, lift double, lift_lower double, lift_upper double)');
        await db.run("insert into lift_results values ('winback', 900, 100, 0.042, 0.011, 0.073), ('vip', 400, 50, 0.010, -0.020, 0.040)");
      }
      // audience_members exists once retain run has built it (empty without audiences): fill it
      if (!tables.has('audience_members')) {
        await db.run('create table audience_members (audience varchar, customer_id varchar, is_eligible boolean, is_holdout boolean, exclusion_reason varchar)');
      }
      await db.run(`insert into audience_members (audience, customer_id, is_eligible, is_holdout, exclusion_reason)
        select 'vip', customer_id, true, false, null from customer_profile where segment = 'champions'`);
      await db.run(`insert into audience_members (audience, customer_id, is_eligible, is_holdout, exclusion_reason)
        select 'winback', customer_id, true, row_number() over (order by customer_id) % 10 = 0, null from customer_profile where segment = 'at_risk'`);
      // one sendable member whose consent was revoked: a leak the check must catch
      await db.run(`update audience_members set exclusion_reason = 'consent_revoked' where audience = 'winback' and not is_holdout
        and customer_id = (select min(customer_id) from audience_members where audience = 'winback' and not is_holdout)`);
    } finally {
      db.close();
    }
    const result = retain(['report', '--config', fullConfig, '--out', reportPath, '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile-full'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto('file://' + reportPath, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
  });

  it('shows every section, each chart with one mark per data point, and no console errors', async () => {
    expect(consoleErrors).toEqual([]);
    expect(await page.$$eval('section.omitted', (list) => list.map((s) => s.id))).toEqual([]);
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => ({
        id: figure.getAttribute('data-chart'),
        points: Number(figure.getAttribute('data-points')),
        marks: figure.querySelectorAll(`svg g.role-mark.${figure.getAttribute('data-mark')} > [role="graphics-symbol"]`).length,
        desc: figure.querySelector('svg > desc')?.textContent ?? '',
      })),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'chart-segments', 'chart-rf-grid', 'chart-movement', 'chart-lifecycle', 'chart-churn', 'chart-value',
      'chart-backtest-deciles', 'chart-backtest-calibration', 'chart-lift',
    ]);
    for (const chart of charts) {
      expect(chart.marks, chart.id!).toBe(chart.points);
      expect(chart.desc.length, chart.id!).toBeGreaterThan(30);
    }
    const points = Object.fromEntries(charts.map((c) => [c.id, c.points]));
    const db = await openDuckDb(fullWarehouse, { readOnly: true });
    try {
      const [stages] = await db.all<{ n: number }>('select count(distinct lifecycle_stage) as n from customer_profile');
      expect(points['chart-lifecycle']).toBe(stages!.n);
      const [lift] = await db.all<{ n: number }>('select count(*) as n from lift_results');
      expect(points['chart-lift']).toBe(lift!.n);
      const [risk] = await db.all<{ n: number }>('select count(churn_risk) as n from customer_profile');
      expect(await page.textContent('#churn .lead')).toContain(`over ${risk!.n.toLocaleString('en-US')} customers`);
      // the histogram's bars hold every customer with a churn risk: sum the heights' data from the aria labels
      const churnTotal = await page.$$eval('figure[data-chart="chart-churn"] g.role-mark.marks > [role="graphics-symbol"]', (bars) =>
        bars.map((bar) => Number(/customers: ([\d,]+)/.exec(bar.getAttribute('aria-label') ?? '')?.[1]?.replace(/,/g, '') ?? NaN)).reduce((a, b) => a + b, 0),
      );
      expect(churnTotal).toBe(risk!.n);
    } finally {
      db.close();
    }
  });

  it('shows the newest backtest only, with deciles, calibration and the predictors', async () => {
    const lead = await page.textContent('#backtest .lead');
    if (lead?.includes('bt-new')) {
      expect(lead).toContain('Scored as of 2026-07-31, measured over the 90 days after it');
      const deciles = await page.$$eval('figure[data-chart="chart-backtest-deciles"] g.role-mark.marks > [role="graphics-symbol"]', (bars) => bars.map((bar) => bar.getAttribute('aria-label')));
      expect(deciles).toHaveLength(10);
      expect(deciles[0]).toContain('retained: 5%');
      expect(deciles.some((label) => label?.includes('99%'))).toBe(false);
      expect(await page.$$eval('#table-backtest tbody th', (cells) => cells.map((c) => c.textContent))).toEqual(['model', 'recency']);
    } else {
      // the pipeline wrote its own backtest: it is shown with its charts
      expect(await page.locator('figure[data-chart="chart-backtest-deciles"]').count()).toBe(1);
    }
  });

  it('fails validation for a sendable audience member who is not eligible', async () => {
    // the generated data also holds erasure requests: sendable members with one are leaks too
    const db = await openDuckDb(fullWarehouse, { readOnly: true });
    let erased: number;
    try {
      const [row] = await db.all<{ n: number }>(`select count(*) as n from audience_members a where audience = 'winback' and is_eligible and not is_holdout
        and exclusion_reason is null and customer_id in (select customer_id from stg_retain__erasure_requests where requested_at < timestamp '2026-11-01')`);
      erased = row!.n;
    } finally {
      db.close();
    }
    const result = retain(['validate', '--config', fullConfig, '--json'], { cwd: dir });
    const out = result.json<ValidationJson>();
    const audiences = out.checks.filter((c) => c.check === 'audience_eligibility');
    expect(audiences.length).toBeGreaterThanOrEqual(2);
    const winback = audiences.find((c) => c.subject === 'winback');
    if (winback) {
      expect(result.code).toBe(6);
      expect(winback).toMatchObject({ status: 'fail', value: 1 + erased });
      expect(winback.message).toContain(erased ? '(consent_revoked, erasure)' : '(consent_revoked)');
      expect(audiences.find((c) => c.subject === 'vip')).toMatchObject({ status: 'pass', value: 0 });
    }
  });

  it('keeps a screenshot of the full report', async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report-full.png'), fullPage: true });
  });
});
