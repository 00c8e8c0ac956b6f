/**
 * Identity resolution on a hand-made graph (test/fixtures/identity, as of 2024-06-30, limit 3
 * customers per identifier), through `retain run`. The expected resolution below is written out
 * by hand from the CSV files:
 *   chain      C01 - a1 - d1 - a2 - C02                      -> C01 (first seen 2024-01-01)
 *   cycle      C03 - a3 - a4 - C04 - C03                     -> C04 (2024-03-01 before C03's 03-05)
 *   tie        C05, C06 share twins@example.com, both first seen 2024-04-01 10:00 -> C05 (by id)
 *   giant      C07 - g01 - g02 - ... - g12 - C08, C09 - g06 (+ their emails; 18 nodes) -> C08
 *   collision  store@shop.example is the email of C10..C13 (4 > 3): not merged; a10, linked only
 *              to that email, resolves to nobody
 *   conflict   C14 has pat@old.example (customers) and " Pat@New.Example " (a link): both -> C14
 *   phone      C16's "+1 (415) 555-0100" and a16's link to +14155550100 meet -> C16
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type Row } from '../src/warehouse/duckdb.js';
import { retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-identity-');
let runJson: Record<string, unknown> = {};
const tables: Record<'resolved' | 'ranks' | 'summary' | 'collisions' | 'profile', Row[]> = { resolved: [], ranks: [], summary: [], collisions: [], profile: [] };

const g = (i: number) => `g${String(i).padStart(2, '0')}`;
/** identifier (type:value) -> resolved customer, by hand. */
const EXPECTED: Record<string, string | null> = {
  'customer_id:C01': 'C01', 'customer_id:C02': 'C01', 'anonymous_id:a1': 'C01', 'device_id:d1': 'C01', 'anonymous_id:a2': 'C01',
  'email:c01@example.com': 'C01', 'email:c02@example.com': 'C01',
  'customer_id:C03': 'C04', 'customer_id:C04': 'C04', 'anonymous_id:a3': 'C04', 'anonymous_id:a4': 'C04',
  'email:c03@example.com': 'C04', 'email:c04@example.com': 'C04',
  'customer_id:C05': 'C05', 'customer_id:C06': 'C05', 'email:twins@example.com': 'C05',
  'customer_id:C07': 'C08', 'customer_id:C08': 'C08', 'customer_id:C09': 'C08',
  'email:c07@example.com': 'C08', 'email:c08@example.com': 'C08', 'email:c09@example.com': 'C08',
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`anonymous_id:${g(i + 1)}`, 'C08'])),
  'customer_id:C10': 'C10', 'customer_id:C11': 'C11', 'customer_id:C12': 'C12', 'customer_id:C13': 'C13',
  'email:store@shop.example': null, 'anonymous_id:a10': null,
  'customer_id:C14': 'C14', 'email:pat@old.example': 'C14', 'email:pat@new.example': 'C14',
  'customer_id:C15': 'C15',
  'customer_id:C16': 'C16', 'phone:+14155550100': 'C16', 'anonymous_id:a16': 'C16',
};

beforeAll(async () => {
  cpSync(join(import.meta.dirname, 'fixtures', 'identity'), dir, { recursive: true });
  const run = retain(['run', '--json'], { cwd: dir });
  if (run.code !== 0) throw new Error(`retain run failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  runJson = run.json();
  const db = await openDuckDb(join(dir, 'retain.duckdb'), { readOnly: true });
  try {
    tables.resolved = await db.all('select * from int_identifiers_resolved');
    tables.ranks = await db.all('select identifier_value from int_identifiers where is_customer_id order by customer_rank');
    tables.summary = await db.all('select * from identity_resolution_summary');
    tables.collisions = await db.all('select identifier_type, identifier_value, linked_customers, reason from identity_collisions');
    tables.profile = await db.all(
      `select customer_id, lifetime_orders, cast(lifetime_revenue as double) as lifetime_revenue, site_visits_90d, app_sessions_90d,
        is_creator_acquired, acquired_by_creator_id, store_visits_90d from customer_profile order by customer_id`,
    );
  } finally {
    db.close();
  }
}, 240_000);

describe('identity resolution on the hand-made graph', () => {
  it('resolves every identifier to the customer worked out by hand', () => {
    const actual = Object.fromEntries(tables.resolved.map((row) => [`${row.identifier_type}:${row.identifier_value}`, row.resolved_customer_id]));
    expect(actual).toEqual(EXPECTED);
  });

  it('ranks customer ids by first seen, ties by id: the survivor is the smallest rank of its component', () => {
    const ids = tables.ranks.map((row) => row.identifier_value);
    // first seen: C01 01-01, C10..C13 01-10..01-13, C08 01-15, C02 02-01, C14..C16 02-14..02-16, C09 02-20,
    // C04 03-01, C03 03-05, C05 and C06 04-01 10:00 (tie: by id), C07 05-01
    expect(ids).toEqual(['C01', 'C10', 'C11', 'C12', 'C13', 'C08', 'C02', 'C14', 'C15', 'C16', 'C09', 'C04', 'C03', 'C05', 'C06', 'C07']);
  });

  it('summarizes the graph: identifiers, links, components, the largest, collisions', () => {
    // 16 customer ids + 11 emails + 1 phone + 18 anonymous ids + 1 device = 47 identifiers.
    // Links: 24 from identity_links (the a10 - store link is dropped with the collision) + 9 customer
    // emails of C01..C09 + pat@old + C16's phone = 35 (C10..C13's shared email gives none).
    // Components: C01's, C04's, C05's, C08's (18 nodes), C10, C11, C12, C13, store@, a10, C14's, C15, C16's = 13.
    const { propagation_passes: passes, ...rest } = tables.summary[0]!;
    const summary = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'as_of_date'));
    expect(summary).toEqual({
      identifiers: 47, links: 35, components: 13, largest_component: 18, customer_ids: 16,
      resolved_customers: 11, merged_customer_ids: 5, unresolved_identifiers: 2, collisions: 1,
    });
    // the 14-step path from C07 to C08 needs several passes; pointer jumping keeps them well under its length
    expect(passes).toBeGreaterThan(1);
    expect(passes).toBeLessThan(14);
    expect(runJson.identity).toEqual({ ...summary, propagation_passes: passes });
  });

  it('lists the shared email as a collision with its reason', () => {
    expect(tables.collisions).toEqual([
      {
        identifier_type: 'email', identifier_value: 'store@shop.example', linked_customers: 4,
        reason: 'linked to 4 customer ids, more than the limit of 3 (identity.max_customers_per_identifier): not merged',
      },
    ]);
  });

  it('rolls orders up to the survivor and attaches anonymous and device events to the resolved customer', () => {
    const profile = Object.fromEntries(tables.profile.map((row) => [row.customer_id as string, row]));
    expect(Object.keys(profile)).toEqual(['C01', 'C04', 'C05', 'C08', 'C10', 'C11', 'C12', 'C13', 'C14', 'C15', 'C16']);
    // C01 = its own order (100) + C02's two (50 + 30); site visits: a1 and a2 before login, C02 after
    expect(profile.C01).toMatchObject({ lifetime_orders: 3, lifetime_revenue: 180, site_visits_90d: 3, store_visits_90d: 1 });
    // C04 = C04's 60 (2024-03-20, its first purchase) + C03's 40; a3 watched CR1 80% on 03-10, 10 days before
    expect(profile.C04).toMatchObject({ lifetime_orders: 2, lifetime_revenue: 100, is_creator_acquired: true, acquired_by_creator_id: 'CR1' });
    expect(profile.C05).toMatchObject({ lifetime_orders: 2, lifetime_revenue: 45 });
    // g05's app session reaches C08 across the giant component
    expect(profile.C08).toMatchObject({ lifetime_orders: 3, lifetime_revenue: 30, app_sessions_90d: 1 });
    // the collision merged nothing, and a10's site visit reached nobody
    for (const id of ['C10', 'C11', 'C12', 'C13']) expect(profile[id]).toMatchObject({ lifetime_orders: 1, site_visits_90d: null });
  });
});
