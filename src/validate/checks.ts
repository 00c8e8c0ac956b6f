import type { SourceName } from '../config/schema.js';
import type { Warehouse } from '../warehouse/index.js';
import { freshnessLimitFor, shareBoundsFor, type ValidationSettings } from './settings.js';
import { psi, segmentDrift, type SegmentPoint } from './stats.js';
import { VALIDATION_TABLE, type CheckResult } from './store.js';

/** The staged model and event timestamp of each source whose rows are events in time. */
const SOURCE_EVENTS: Partial<Record<SourceName, string>> = {
  orders: 'ordered_at',
  returns: 'returned_at',
  engagement_events: 'occurred_at',
  creator_touchpoints: 'occurred_at',
  store_visits: 'visited_at',
  consents: 'recorded_at',
};

/** The first instant after an as-of date, as timestamp text every warehouse casts ('YYYY-MM-DD 00:00:00'). */
function endOfDay(asOf: string): string {
  return new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) + ' 00:00:00';
}

const pct = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;
const int = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * The checks read through the Warehouse interface, in SQL that DuckDB, Postgres and BigQuery all
 * speak: positional parameters, count(case ...) rather than filter (where ...), bins and time
 * bounds computed here rather than with generate_series or interval arithmetic, and no reserved
 * word (rows) as a name.
 */
export interface CheckContext {
  db: Warehouse;
  asOf: string;
  settings: ValidationSettings;
  sources: SourceName[];
}

/** Every check, in the order they are shown. Checks whose tables are missing say so and skip. */
export async function runChecks(context: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(...(await checkSegmentsExhaustive(context)));
  results.push(...(await checkSegmentShares(context)));
  results.push(...(await checkDrift(context)));
  results.push(...(await checkQuantileBins(context)));
  results.push(...(await checkFreshness(context)));
  results.push(...(await checkSourceRows(context)));
  results.push(...(await checkAudiences(context)));
  return results;
}

function skip(check: string, message: string): CheckResult {
  return { check, subject: '', status: 'skip', value: null, threshold: null, message };
}

export async function checkSegmentsExhaustive({ db }: CheckContext): Promise<CheckResult[]> {
  if (!(await db.tableExists('customer_profile')) || !(await db.tableExists('segment_summary'))) {
    return [skip('segments_exhaustive', 'customer_profile or segment_summary is missing: run `retain run`')];
  }
  const [row] = await db.query<{ row_count: number; customers: number; no_segment: number; unknown_segment: number }>(`
    select
      count(*) as row_count,
      count(distinct customer_id) as customers,
      count(case when segment is null then 1 end) as no_segment,
      count(case when segment is not null and segment not in (select segment from segment_summary) then 1 end) as unknown_segment
    from customer_profile`);
  const duplicates = row!.row_count - row!.customers;
  const bad = duplicates + row!.no_segment + row!.unknown_segment;
  const problems = [
    duplicates ? `${int(duplicates)} customers appear more than once` : '',
    row!.no_segment ? `${int(row!.no_segment)} have no segment` : '',
    row!.unknown_segment ? `${int(row!.unknown_segment)} have a segment that is not configured` : '',
  ].filter(Boolean);
  return [
    {
      check: 'segments_exhaustive',
      subject: '',
      status: bad === 0 ? 'pass' : 'fail',
      value: bad,
      threshold: 0,
      message: bad === 0 ? `each of ${int(row!.customers)} customers is in exactly one segment` : problems.join('; '),
    },
  ];
}

export async function checkSegmentShares({ db, settings }: CheckContext): Promise<CheckResult[]> {
  if (!(await db.tableExists('segment_summary'))) return [skip('segment_share_bounds', 'segment_summary is missing')];
  const rows = await db.query<{ segment: string; customers: number; share_of_customers: number }>(
    'select segment, customers, share_of_customers from segment_summary order by segment_order',
  );
  return rows.map((row) => {
    const bounds = shareBoundsFor(settings, row.segment);
    const share = Number(row.share_of_customers);
    const low = share < bounds.min;
    const high = share > bounds.max;
    return {
      check: 'segment_share_bounds',
      subject: row.segment,
      status: low || high ? 'fail' : 'pass',
      value: share,
      threshold: low ? bounds.min : bounds.max,
      message: low
        ? `${pct(share)} of customers, below the minimum ${pct(bounds.min)}`
        : high
          ? `${pct(share)} of customers, above the maximum ${pct(bounds.max)}`
          : `${pct(share)} of customers, within ${pct(bounds.min, 0)}..${pct(bounds.max, 0)}`,
    };
  });
}

type CountRow = {
  as_of_date: string;
  key: string;
  customers: number;
};

function byRun(rows: CountRow[]): Map<string, Map<string, number>> {
  const runs = new Map<string, Map<string, number>>();
  for (const row of rows) {
    let counts = runs.get(row.as_of_date);
    if (!counts) runs.set(row.as_of_date, (counts = new Map()));
    counts.set(row.key, Number(row.customers));
  }
  return runs;
}

function psiResult(check: string, subject: string, asOf: string, runs: Map<string, Map<string, number>>, settings: ValidationSettings): CheckResult {
  const current = runs.get(asOf);
  const earlier = [...runs.keys()].filter((date) => date < asOf).sort();
  const previousDate = earlier[earlier.length - 1];
  if (!current || !previousDate) {
    return { check, subject, status: 'skip', value: null, threshold: null, message: 'no earlier run to compare with' };
  }
  const previous = runs.get(previousDate)!;
  const value = psi(previous, current);
  // customers that would have to change bins to turn one distribution into the other: below
  // drift.min_customers a shift is noise of a small population, whatever its PSI
  const moved = netMoved(previous, current);
  const big = moved >= settings.drift.minCustomers;
  const status = big && value > settings.psi.fail ? 'fail' : big && value > settings.psi.warn ? 'warn' : 'pass';
  const word =
    status === 'fail' ? 'a significant shift' : status === 'warn' ? 'a moderate shift' : value > settings.psi.warn ? `only ${int(moved)} customers moved (< ${settings.drift.minCustomers})` : 'stable';
  return {
    check,
    subject,
    status,
    value,
    threshold: status === 'pass' ? settings.psi.warn : status === 'warn' ? settings.psi.warn : settings.psi.fail,
    message: `PSI ${value.toFixed(4)} against ${previousDate}: ${word}`,
  };
}

/** PSI of segment shares and of the R, F, M score distributions; per-segment drift against its history. */
export async function checkDrift({ db, asOf, settings }: CheckContext): Promise<CheckResult[]> {
  if (!(await db.tableExists('customer_segments'))) return [skip('segment_psi', 'customer_segments (the run history) is missing')];
  const window = settings.drift.historyRuns + 1;
  const recent = `as_of_date in (select distinct as_of_date from customer_segments where as_of_date <= cast($1 as date) order by as_of_date desc limit ${window})`;
  const segmentRows = await db.query<CountRow>(
    `select cast(as_of_date as varchar) as as_of_date, segment as key, count(*) as customers
     from customer_segments where ${recent} group by 1, 2 order by 1, 2`,
    [asOf],
  );
  const results: CheckResult[] = [];
  const segmentRuns = byRun(segmentRows);
  results.push(psiResult('segment_psi', '', asOf, segmentRuns, settings));
  for (const [score, letter] of [['r_score', 'R'], ['f_score', 'F'], ['m_score', 'M']] as const) {
    // the score is the digits after its letter in rfm_cell (R5F3M4, R10F1M2): the letters are
    // fixed, so position arithmetic replaces a regex (whose functions differ between warehouses)
    const next = { R: 'F', F: 'M', M: null }[letter];
    const start = `strpos(rfm_cell, '${letter}') + 1`;
    const scoreOf = next ? `substring(rfm_cell, ${start}, strpos(rfm_cell, '${next}') - ${start})` : `substring(rfm_cell, ${start})`;
    const rows = await db.query<CountRow>(
      `select cast(as_of_date as varchar) as as_of_date, ${scoreOf} as key, count(*) as customers
       from customer_segments where ${recent} and as_of_date >= (
         select coalesce(max(as_of_date), cast($1 as date)) from customer_segments where as_of_date < cast($1 as date)
       ) group by 1, 2 order by 1, 2`,
      [asOf],
    );
    results.push(psiResult('score_psi', score, asOf, byRun(rows), settings));
  }

  const current = segmentRuns.get(asOf);
  if (!current) return results;
  const dates = [...segmentRuns.keys()].filter((date) => date < asOf).sort();
  const totals = new Map(dates.map((date) => [date, sumValues(segmentRuns.get(date)!)]));
  const currentTotal = sumValues(current);
  const segments = await segmentOrder(db, [...new Set([...current.keys(), ...segmentRows.map((row) => row.key)])]);
  for (const segment of segments) {
    const history: SegmentPoint[] = dates.map((date) => ({ asOf: date, customers: segmentRuns.get(date)!.get(segment) ?? 0, total: totals.get(date)! }));
    const drift = segmentDrift(history, { asOf, customers: current.get(segment) ?? 0, total: currentTotal }, { seasonalityMinRuns: settings.drift.seasonalityMinRuns });
    if (drift.z === null) {
      results.push({ check: 'segment_drift', subject: segment, status: 'skip', value: null, threshold: null, message: 'no earlier run to compare with' });
      continue;
    }
    const moved = Math.abs(drift.customersVsExpected ?? 0);
    const big = moved >= settings.drift.minCustomers;
    const absZ = Math.abs(drift.z);
    const status = big && absZ > settings.drift.failZ ? 'fail' : big && absZ > settings.drift.warnZ ? 'warn' : 'pass';
    const basis = drift.baseline === 'previous run' ? 'previous run, sampling noise' : drift.baseline === 'history' ? `${drift.changes} changes` : `${drift.changes} changes, ${drift.baseline}`;
    const quiet = !big && absZ > settings.drift.warnZ ? `; only ${int(moved)} customers (< ${settings.drift.minCustomers})` : '';
    const delta = drift.customersVsExpected! === 0 ? '±0' : `${drift.customersVsExpected! > 0 ? '+' : ''}${int(drift.customersVsExpected!)}`;
    results.push({
      check: 'segment_drift',
      subject: segment,
      status,
      value: drift.z,
      threshold: status === 'fail' ? settings.drift.failZ : settings.drift.warnZ,
      message: `${pct(drift.share, 2)}, expected ${pct(drift.expectedShare!, 2)} ± ${pct(drift.sigma!, 2)} (${basis}): z ${drift.z.toFixed(2)}, ${delta} customers${quiet}`,
    });
  }
  return results;
}

/** Half the L1 distance between the current counts and the previous shares scaled to the current total. */
function netMoved(previous: Map<string, number>, current: Map<string, number>): number {
  const before = sumValues(previous);
  const now = sumValues(current);
  if (before === 0) return now;
  let total = 0;
  for (const key of new Set([...previous.keys(), ...current.keys()])) total += Math.abs((current.get(key) ?? 0) - ((previous.get(key) ?? 0) / before) * now);
  return total / 2;
}

function sumValues(map: Map<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}

async function segmentOrder(db: Warehouse, segments: string[]): Promise<string[]> {
  const rows = await db.query<{ segment: string }>('select segment from segment_summary order by segment_order');
  const order = rows.map((row) => row.segment);
  return [...order.filter((s) => segments.includes(s)), ...segments.filter((s) => !order.includes(s)).sort()];
}

/**
 * Quantile scoring: each score's bins hold n/bins customers, unless ties explain the difference.
 * The tie structure decides the sizes exactly (tied values share the score of their group's first
 * position), so bins that differ from what the ties imply are a scoring fault.
 */
export async function checkQuantileBins({ db, settings }: CheckContext): Promise<CheckResult[]> {
  if (settings.rfm.method !== 'quantile') return [skip('quantile_bins', 'RFM scores use fixed thresholds, not quantiles: bins follow the boundaries')];
  if (!(await db.tableExists('customer_profile'))) return [skip('quantile_bins', 'customer_profile is missing')];
  const columns = new Set(await db.columns('customer_profile'));
  const bins = settings.rfm.bins;
  const results: CheckResult[] = [];
  for (const [score, measure, direction] of [
    ['r_score', 'recency_days', 'desc'],
    ['f_score', settings.rfm.frequencyMeasure, 'asc'],
    ['m_score', settings.rfm.monetaryMeasure, 'asc'],
  ] as const) {
    if (!columns.has(measure) || !columns.has(score)) {
      results.push({ check: 'quantile_bins', subject: score, status: 'skip', value: null, threshold: null, message: `customer_profile has no ${measure}` });
      continue;
    }
    const numbers = (from: number, to: number, name: string) =>
      from > to ? `select 0 as ${name}` : Array.from({ length: to - from + 1 }, (_, i) => `select ${from + i} as ${name}`).join(' union all ');
    const groups = `
      measure_groups as (select ${measure} as v, count(*) as c from customer_profile group by 1),
      ordered as (select v, c, sum(c) over (order by v ${direction} nulls last rows between unbounded preceding and current row) - c as start from measure_groups),
      total as (select sum(c) as n from measure_groups)`;
    const sizes = await db.query<{ bin: number; actual: number; implied: number }>(`
      with ${groups},
      implied as (select cast(floor(start * ${bins} / n) + 1 as integer) as bin, sum(c) as implied from ordered, total group by 1),
      actual as (select ${score} as bin, count(*) as actual from customer_profile group by 1),
      bins as (${numbers(1, bins, 'bin')})
      select bins.bin, coalesce(actual.actual, 0) as actual, coalesce(implied.implied, 0) as implied
      from bins left join actual on actual.bin = bins.bin left join implied on implied.bin = bins.bin
      order by bins.bin`);
    const straddling = await db.query<{ v: unknown; c: number; start: number; bin: number }>(`
      with ${groups},
      cuts as (${numbers(1, bins - 1, 'j')})
      select v, c, start, cast(floor(start * ${bins} / n) + 1 as integer) as bin from ordered, total
      where c > 1 and exists (select 1 from cuts where start < j * n / ${bins} and start + c > j * n / ${bins})
      order by c desc limit 3`);
    const n = sizes.reduce((a, row) => a + Number(row.actual), 0);
    const extraRows = await db.query<{ n: number }>(`select count(*) as n from customer_profile where ${score} is null or ${score} < 1 or ${score} > ${bins}`);
    const outside = Number(extraRows[0]!.n);
    if (n === 0 && outside === 0) {
      results.push({ check: 'quantile_bins', subject: score, status: 'skip', value: null, threshold: null, message: 'no customers' });
      continue;
    }
    const ideal = sizes.map((_, i) => Math.ceil(((i + 1) * n) / bins) - Math.ceil((i * n) / bins));
    const deviation = Math.max(...sizes.map((row, i) => Math.abs(Number(row.actual) - ideal[i]!)));
    const relative = deviation / (n / bins);
    const shown = `bins ${sizes.map((row) => int(Number(row.actual))).join('/')} of ${int(n)}`;
    const mismatch = outside > 0 || sizes.some((row) => Number(row.actual) !== Number(row.implied));
    if (mismatch) {
      results.push({
        check: 'quantile_bins',
        subject: score,
        status: 'fail',
        value: relative,
        threshold: settings.quantileTolerance,
        message: `${shown}, but the ${measure} ranks imply ${sizes.map((row) => int(Number(row.implied))).join('/')}${outside ? `; ${int(outside)} scores outside 1..${bins}` : ''}: scoring does not follow the quantile rule`,
      });
      continue;
    }
    if (deviation <= 1 || relative <= settings.quantileTolerance) {
      results.push({ check: 'quantile_bins', subject: score, status: 'pass', value: relative, threshold: settings.quantileTolerance, message: `${shown}: equal within ${pct(settings.quantileTolerance)}` });
      continue;
    }
    const why = straddling
      .map((group) => `${int(Number(group.c))} customers (${pct(Number(group.c) / n)}) have ${measure} = ${formatValue(group.v)}, all scored ${group.bin}`)
      .join('; ');
    results.push({
      check: 'quantile_bins',
      subject: score,
      status: 'pass',
      value: relative,
      threshold: settings.quantileTolerance,
      message: `${shown} (ideal ${int(n / bins)}), explained by ties (equal values share a score): ${why}`,
    });
  }
  return results;
}

/** A timestamp as the Warehouse returns it (ISO, or YYYY-MM-DD at midnight) to 'YYYY-MM-DD HH:MM'. */
function minuteOf(value: string): string {
  const text = String(value);
  return `${text.slice(0, 10)} ${text.length > 10 ? text.slice(11, 16) : '00:00'}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

/** The newest event of each configured source against the end of the as-of date. */
export async function checkFreshness({ db, asOf, settings, sources }: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const source of sources) {
    const column = SOURCE_EVENTS[source];
    const limit = freshnessLimitFor(settings, source);
    if (!column) continue;
    const model = `stg_retain__${source}`;
    if (!(await db.tableExists(model))) {
      results.push({ check: 'freshness', subject: source, status: 'skip', value: null, threshold: limit ?? null, message: `${model} is missing` });
      continue;
    }
    const [row] = await db.query<{ newest: string | null }>(`select max(${column}) as newest from ${model} where ${column} < cast($1 as timestamp)`, [endOfDay(asOf)]);
    if (row?.newest === null || row?.newest === undefined) {
      results.push({ check: 'freshness', subject: source, status: limit === undefined ? 'skip' : 'fail', value: null, threshold: limit ?? null, message: `no ${source} up to ${asOf}` });
      continue;
    }
    const hours = (Date.parse(endOfDay(asOf).replace(' ', 'T') + 'Z') - Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(row.newest) ? `${row.newest}T00:00:00Z` : row.newest)) / 3_600_000;
    results.push({
      check: 'freshness',
      subject: source,
      status: limit === undefined ? 'skip' : hours > limit ? 'fail' : 'pass',
      value: hours,
      threshold: limit ?? null,
      message: `newest ${minuteOf(row.newest)}, ${hours.toFixed(1)}h before the end of ${asOf}${limit === undefined ? `; no limit set (validation.freshness_hours.${source})` : ''}`,
    });
  }
  return results;
}

/** Input rows of each configured source (accepted + rejected) against the previous validation. */
export async function checkSourceRows({ db, settings, sources }: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const hasHistory = await db.tableExists(VALIDATION_TABLE);
  for (const source of sources) {
    const model = `base_retain__${source}`;
    if (!(await db.tableExists(model))) continue;
    const [row] = await db.query<{ n: number }>(`select count(*) as n from ${model}`);
    const rows = Number(row!.n);
    const previous = hasHistory
      ? await db.query<{ value: number; as_of_date: string }>(
          `select value, cast(as_of_date as varchar) as as_of_date from ${VALIDATION_TABLE}
           where check_name = 'source_rows' and subject = $1 and value is not null order by checked_at desc limit 1`,
          [source],
        )
      : [];
    if (previous.length === 0) {
      results.push({ check: 'source_rows', subject: source, status: 'pass', value: rows, threshold: null, message: `${int(rows)} input rows (first count)` });
      continue;
    }
    const before = Number(previous[0]!.value);
    const change = before === 0 ? (rows === 0 ? 0 : Infinity) : (rows - before) / before;
    const changePct = change * 100;
    const status = changePct < -settings.rowCountChangePct.fail ? 'fail' : Math.abs(changePct) > settings.rowCountChangePct.warn ? 'warn' : 'pass';
    results.push({
      check: 'source_rows',
      subject: source,
      status,
      value: rows,
      threshold: status === 'fail' ? settings.rowCountChangePct.fail : settings.rowCountChangePct.warn,
      message: `${int(rows)} input rows, ${Number.isFinite(changePct) ? `${changePct >= 0 ? '+' : ''}${changePct.toFixed(1)}%` : 'up from 0'} vs ${int(before)} (${previous[0]!.as_of_date})`,
    });
  }
  return results;
}

/**
 * No ineligible member in any audience: once audience_members exists, members that would be sent
 * (eligible and not holdout) must have no ineligibility reason and no erasure request.
 */
export async function checkAudiences({ db, asOf }: CheckContext): Promise<CheckResult[]> {
  if (!(await db.tableExists('audience_members'))) return [];
  const columns = new Set(await db.columns('audience_members'));
  const audience = ['audience', 'audience_name', 'audience_id'].find((c) => columns.has(c));
  if (!audience || !columns.has('customer_id')) {
    return [skip('audience_eligibility', 'audience_members has no audience or customer_id column')];
  }
  const sendable = [
    columns.has('is_eligible') ? 'is_eligible' : null,
    columns.has('is_holdout') ? 'not is_holdout' : null,
  ].filter(Boolean);
  const reasons: string[] = [];
  if (columns.has('is_holdout')) reasons.push(`case when is_holdout then 'holdout' end`);
  if (columns.has('ineligibility_reason')) reasons.push('ineligibility_reason');
  if (columns.has('exclusion_reason')) reasons.push('exclusion_reason');
  if (columns.has('eligibility_reason')) reasons.push(`case when eligibility_reason not in ('eligible', 'ok') then eligibility_reason end`);
  const hasErasures = await db.tableExists('stg_retain__erasure_requests');
  if (hasErasures) {
    reasons.push(`case when customer_id in (select customer_id from stg_retain__erasure_requests where requested_at < cast($1 as timestamp)) then 'erasure' end`);
  }
  const reason = reasons.length ? `coalesce(${reasons.join(', ')})` : 'cast(null as varchar)';
  const params = hasErasures ? [endOfDay(asOf)] : undefined;
  const members = `with members as (
       select ${audience} as audience, ${sendable.length ? sendable.join(' and ') : 'true'} as is_sendable, ${reason} as reason
       from audience_members
     )`;
  const counted = await db.query<{ audience: string; members: number; sendable: number; ineligible: number }>(
    `${members}
     select audience, count(*) as members, count(case when is_sendable then 1 end) as sendable,
            count(case when is_sendable and reason is not null then 1 end) as ineligible
     from members group by audience order by audience`,
    params,
  );
  // the reasons, only for an audience that has such members (a string_agg over no value at all
  // crashes the BigQuery emulator of the tests; BigQuery itself returns null)
  const rows: Array<(typeof counted)[number] & { example: string | null }> = [];
  for (const row of counted) {
    let example: string | null = null;
    if (Number(row.ineligible) > 0) {
      const reasons = await db.query<{ reason: string }>(
        `${members} select distinct reason from members where audience = $${(params?.length ?? 0) + 1} and is_sendable and reason is not null order by reason`,
        [...(params ?? []), row.audience],
      );
      example = reasons.map((r) => String(r.reason)).join(', ');
    }
    rows.push({ ...row, example });
  }
  return rows.map((row) => ({
    check: 'audience_eligibility',
    subject: String(row.audience),
    status: Number(row.ineligible) === 0 ? 'pass' : 'fail',
    value: Number(row.ineligible),
    threshold: 0,
    message:
      Number(row.ineligible) === 0
        ? `${int(Number(row.sendable))} of ${int(Number(row.members))} members sendable, none ineligible`
        : `${int(Number(row.ineligible))} sendable members are ineligible (${row.example})`,
  }));
}
