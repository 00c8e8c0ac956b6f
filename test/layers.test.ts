/**
 * Behavioural layers end to end: `retain generate` (small) then `retain run` through real dbt, and
 * checks of customer_profile against independent recomputations from the generated files.
 * The run's retain.yml uses lifecycle_stage in its segment rules, so the stage is proven usable there.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../src/generate/index.js';
import { dbtVars, loadConfig } from '../src/config/load.js';
import { parseRule, RuleSyntaxError } from '../src/config/rules.js';
import { dbtProjectVars } from '../src/project.js';
import { openDuckDb, type Row } from '../src/warehouse/duckdb.js';
import { retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const AS_OF = '2026-06-30';
const dir = tempDir('retain-layers-');
type Loaded = Record<'profile' | 'openRates' | 'homes' | 'stores' | 'acquired', Row[]>;
const rows: Loaded = { profile: [], openRates: [], homes: [], stores: [], acquired: [] };

/** Haversine distance in km, written out independently of the SQL macro. */
function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

beforeAll(async () => {
  await generate({ customers: 2000, seed: 13, out: dir, format: 'parquet', asOf: AS_OF });
  const config = readFileSync(join(dir, 'retain.yml'), 'utf8');
  writeFileSync(
    join(dir, 'retain.yml'),
    config +
      [
        'segments:',
        '  - { name: at_risk, when: "lifecycle_stage = \'lapsing\'" }',
        '  - { name: hibernating, when: "lifecycle_stage in (\'lapsed\')" }',
        '  - { name: lost, when: "always" }',
        'validation:',
        '  segment_shares: { default: { min: 0, max: 1 } }',
        '',
      ].join('\n'),
  );
  const run = retain(['run', '--json'], { cwd: dir });
  if (run.code !== 0) throw new Error(`retain run failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  const db = await openDuckDb(join(dir, 'retain.duckdb'), { readOnly: true });
  const data = (name: string) => `read_parquet('${join(dir, 'data', `${name}.parquet`)}')`;
  try {
    const queries: Record<keyof Loaded, string> = {
      profile: 'select * from main.customer_profile',
      // open rate over 90 days recomputed from the raw events: (as-of - 89 days) .. as-of
      openRates: `
        select customer_id,
          case when count(*) filter (where event_type = 'email_delivered') > 0
            then least(1.0, count(*) filter (where event_type = 'email_open') * 1.0
              / count(*) filter (where event_type = 'email_delivered')) end as rate
        from ${data('engagement_events')}
        where customer_id is not null
          and cast(occurred_at as date) between date '${AS_OF}' - 89 and date '${AS_OF}'
        group by customer_id`,
      homes: `select customer_id, home_lat, home_lon from ${data('customers')} where home_lat is not null`,
      stores: `select store_id, lat, lon from ${data('stores')}`,
      // a creator touchpoint on the first purchase day or up to 30 days before it; touchpoints
      // before signing up carry an anonymous id, which the raw identity links tie to the customer
      // (every generated link joins one identifier to one customer id)
      acquired: `
        with first_purchase as (
          select customer_id, min(first_purchase_date) as d from main.int_customers_lifecycle group by 1
        ),
        anonymous as (
          select distinct id_value_a as anonymous_id, id_value_b as customer_id
          from ${data('identity_links')} where id_type_a = 'anonymous_id' and id_type_b = 'customer_id'
        ),
        touchpoints as (
          select coalesce(t.customer_id, a.customer_id) as customer_id, t.occurred_at
          from ${data('creator_touchpoints')} t
          left join anonymous a on t.anonymous_id = a.anonymous_id
        )
        select distinct t.customer_id
        from touchpoints t
        join first_purchase f on t.customer_id = f.customer_id
        where cast(t.occurred_at as date) between f.d - 30 and f.d`,
    };
    for (const key of Object.keys(queries) as (keyof Loaded)[]) rows[key] = await db.all(queries[key]);
  } finally {
    db.close();
  }
}, 600_000);

describe('customer_profile layers on generated data', () => {
  it('gives every customer exactly one of the six lifecycle stages, consistent with its own cycle', () => {
    const profile = rows.profile;
    expect(profile.length).toBeGreaterThan(1000);
    expect(new Set(profile.map((r) => r.customer_id)).size).toBe(profile.length);
    const stages = new Set(['new', 'active', 'established', 'lapsing', 'lapsed', 'reactivated']);
    const seen = new Map<string, number>();
    for (const r of profile) {
      expect(stages.has(r.lifecycle_stage as string), String(r.lifecycle_stage)).toBe(true);
      seen.set(r.lifecycle_stage as string, (seen.get(r.lifecycle_stage as string) ?? 0) + 1);
      const cycles = Number(r.recency_days) / Number(r.expected_gap_days);
      // lapsed and lapsing follow from the customer's own gap and the default factors 3 and 1.5
      expect(r.lifecycle_stage === 'lapsed', `${r.customer_id}`).toBe(cycles > 3);
      if (r.lifecycle_stage === 'lapsing') expect(cycles).toBeGreaterThan(1.5);
      if (cycles <= 1.5) expect(['lapsing', 'lapsed']).not.toContain(r.lifecycle_stage);
      // one purchase day: the population's gap, and new unless lapsing or lapsed
      if (r.is_gap_from_population) expect(['new', 'lapsing', 'lapsed']).toContain(r.lifecycle_stage);
      else expect(r.lifecycle_stage).not.toBe('new');
    }
    // the generated world has every stage
    for (const stage of stages) expect(seen.get(stage) ?? 0, stage).toBeGreaterThan(0);
  });

  it('uses lifecycle_stage in segment rules', () => {
    for (const r of rows.profile) {
      // customers who revoked profiling consent are in the built-in no_profiling segment instead
      const byStage = r.lifecycle_stage === 'lapsing' ? 'at_risk' : r.lifecycle_stage === 'lapsed' ? 'hibernating' : 'lost';
      const expected = r.consent_profiling === 'revoked' ? 'no_profiling' : byStage;
      expect(r.segment, `${r.customer_id} ${r.lifecycle_stage}`).toBe(expected);
    }
  });

  it('keeps rates in [0, 1] and matches open rates recomputed from the raw events', () => {
    const rateColumns = ['email_open_rate_30d', 'email_click_rate_30d', 'email_open_rate_90d', 'email_click_rate_90d', 'return_rate', 'discounted_share'];
    for (const r of rows.profile) {
      for (const column of rateColumns) {
        if (r[column] === null) continue;
        expect(Number(r[column]), `${column} of ${r.customer_id}`).toBeGreaterThanOrEqual(0);
        expect(Number(r[column]), `${column} of ${r.customer_id}`).toBeLessThanOrEqual(1);
      }
    }
    const recomputed = new Map(rows.openRates.map((r) => [r.customer_id, r.rate === null ? null : Number(r.rate)]));
    let compared = 0;
    for (const r of rows.profile) {
      if (!recomputed.has(r.customer_id)) continue;
      const expected = recomputed.get(r.customer_id);
      if (expected === null) expect(r.email_open_rate_90d).toBeNull();
      else expect(Number(r.email_open_rate_90d)).toBeCloseTo(Number(expected), 12);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('measures the nearest store by haversine, as computed here by hand', () => {
    const homes = new Map(rows.homes.map((h) => [h.customer_id, h]));
    let compared = 0;
    for (const r of rows.profile) {
      const home = homes.get(r.customer_id);
      if (!home) {
        expect(r.distance_to_nearest_store_km).toBeNull();
        continue;
      }
      let best = Infinity;
      let bestId = '';
      for (const s of rows.stores) {
        const d = haversineKm(Number(home.home_lat), Number(home.home_lon), Number(s.lat), Number(s.lon));
        if (d < best || (d === best && String(s.store_id) < bestId)) [best, bestId] = [d, String(s.store_id)];
      }
      expect(Number(r.distance_to_nearest_store_km)).toBeCloseTo(best, 6);
      expect(r.nearest_store_id).toBe(bestId);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('marks creator acquisition exactly for touchpoints in the attribution window', () => {
    const acquired = new Set(rows.acquired.map((r) => r.customer_id));
    for (const r of rows.profile) expect(r.is_creator_acquired, String(r.customer_id)).toBe(acquired.has(r.customer_id));
  });

  it('refines the strategy per customer with a reason for each choice', () => {
    let fatigued = 0;
    let discount = 0;
    for (const r of rows.profile) {
      for (const field of ['objective', 'channel', 'send_hour', 'cadence', 'max_messages_per_week', 'incentive']) {
        expect(r[`profile_${field}`], `profile_${field} of ${r.customer_id}`).not.toBeNull();
        expect(r[`profile_${field}_reason`], `profile_${field}_reason`).not.toBeNull();
      }
      // no refinement without profiling consent (test/privacy.test.ts checks their reasons)
      if (r.segment === 'no_profiling') continue;
      const hour = Number(r.profile_send_hour);
      expect(hour >= 0 && hour <= 23).toBe(true);
      if (r.preferred_send_hour !== null) expect(hour).toBe(Number(r.preferred_send_hour));
      if (r.is_fatigued) {
        fatigued++;
        expect(Number(r.profile_max_messages_per_week)).toBe(1);
        expect(r.profile_cadence).toBe('monthly');
        expect(r.profile_cadence_reason).toMatch(/^fatigued_lower_cadence: /);
      } else {
        expect(Number(r.profile_max_messages_per_week)).toBeGreaterThanOrEqual(2);
      }
      const inStore = r.lifecycle_stage === 'lapsing' && r.distance_to_nearest_store_km !== null && Number(r.distance_to_nearest_store_km) <= 10 && !r.is_moved_away;
      if (inStore) expect(r.profile_incentive).toBe('in_store_offer');
      else if (r.is_discount_dependent) {
        discount++;
        expect(r.profile_incentive).toBe('loyalty_points');
        expect(r.profile_incentive_reason).toMatch(/^non_discount_incentive: /);
      } else expect(r.profile_incentive_reason).toBe('segment strategy');
    }
    expect(fatigued).toBeGreaterThan(0);
    expect(discount).toBeGreaterThan(0);
  });
});

describe('retain signals on a backtest split', () => {
  it('builds as of the cutoff into its own file and measures the segments and each layer', async () => {
    const result = retain(['signals', '--cutoff', '2026-03-31', '--horizon', '60d', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const out = result.json<{
      customers: number;
      retained_share: number;
      outcome_date: string;
      warehouse_path: string;
      segments: { groups: number; revenue_variance_share: number };
      layers: { layer: string; groups: number; retention_information_gain_bits: number; earns_its_place: boolean }[];
    }>();
    expect(out.outcome_date).toBe('2026-05-30');
    expect(out.warehouse_path).not.toBe(join(dir, 'retain.duckdb'));
    expect(out.layers.map((l) => l.layer)).toEqual(['lifecycle', 'engagement', 'creator', 'location', 'affinity', 'flags']);
    // customers and retention recomputed from the raw orders: buyers up to the cutoff, and of those
    // the share with a completed purchase in (cutoff, cutoff + 60 days]
    const db = await openDuckDb(':memory:');
    try {
      const orders = `read_parquet('${join(dir, 'data', 'orders.parquet')}')`;
      const [expected] = await db.all(`
        with buyers as (
          select distinct customer_id from ${orders}
          where customer_id is not null and cast(ordered_at as date) <= date '2026-03-31'
            and status in ('completed', 'shipped', 'delivered', 'paid') and revenue > 0
        ), later as (
          select distinct customer_id from ${orders}
          where cast(ordered_at as date) > date '2026-03-31' and cast(ordered_at as date) <= date '2026-05-30'
            and status in ('completed', 'shipped', 'delivered', 'paid') and revenue > 0
        )
        select count(*) as n, avg(case when later.customer_id is null then 0 else 1 end) as r
        from buyers left join later using (customer_id)`);
      expect(out.customers).toBe(Number(expected?.n));
      expect(out.retained_share).toBeCloseTo(Number(expected?.r), 2);
    } finally {
      db.close();
    }
    for (const layer of out.layers) expect(layer.groups).toBeGreaterThanOrEqual(out.segments.groups);
    expect(out.segments.revenue_variance_share).toBeGreaterThan(0);
  }, 300_000);
});

describe('lifecycle_stage in the rule language', () => {
  const columns = dbtProjectVars().retain_rule_columns;
  it('accepts a string comparison and rejects a number', () => {
    expect(parseRule("lifecycle_stage = 'lapsing'", columns)).toEqual({ column: 'lifecycle_stage', op: '=', value: 'lapsing' });
    expect(() => parseRule('lifecycle_stage = 3', columns)).toThrow(RuleSyntaxError);
  });

  it('reads the profile section of retain.yml into the dbt vars, checking refinement rules', () => {
    const base = 'version: 1\nwarehouse: { type: duckdb, path: r.duckdb }\nsources:\n  orders: { path: orders.csv, format: csv }\n';
    writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,ordered_at,revenue\n');
    const good = join(dir, 'profile-good.yml');
    writeFileSync(
      good,
      base +
        'profile:\n  lifecycle: { lapsing_factor: 2 }\n  layers: { near_store_km: 5 }\n' +
        '  refinements:\n    - name: vip_fatigue\n      when: "is_fatigued = true and r_score >= 4"\n      set: { cadence: biweekly }\n',
    );
    const vars = dbtVars(loadConfig({ config: good }), '2026-06-30');
    expect(vars.retain_lifecycle).toEqual({ lapsing_factor: 2, lapsed_factor: 3, established_min_purchases: 4, established_min_days: 365 });
    expect((vars.retain_layers as Record<string, number>).near_store_km).toBe(5);
    expect((vars.retain_layers as Record<string, number>).moved_away_km).toBe(50);
    expect(vars.retain_strategy_refinements).toEqual([
      {
        name: 'vip_fatigue',
        reason: 'vip_fatigue',
        when: { all: [{ column: 'is_fatigued', op: '=', value: true }, { column: 'r_score', op: '>=', value: 4 }] },
        set: { cadence: 'biweekly' },
      },
    ]);
    const bad = join(dir, 'profile-bad.yml');
    writeFileSync(bad, base + 'profile:\n  refinements:\n    - { name: x, when: "is_fatiged = true", set: { cadence: monthly } }\n');
    expect(() => dbtVars(loadConfig({ config: bad }), '2026-06-30')).toThrow(/profile\.refinements\[0\]\.when \(x\): unknown column "is_fatiged"/);
  });
});
