/**
 * A warehouse as `retain run` leaves it for `retain sync`: audience_members and audience_definitions
 * tables in a real DuckDB file, written here directly so the engine's tests need no dbt build, plus a
 * retain.yml naming an Iterable destination on a loopback server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { isHeldOut } from '../../src/sync/holdout.js';
import { openDuckDb } from '../../src/warehouse/duckdb.js';

export interface FixtureCustomer {
  id: string;
  email: string | null;
  consent: 'granted' | 'revoked' | null;
  tier: string;
  erased?: boolean;
}

export const API_KEY_ENV = 'RETAIN_TEST_ITERABLE_API_KEY';

export function writeSyncConfig(dir: string, baseUrl: string, options: { holdoutPct?: number; timeoutMs?: number; maxAttempts?: number; maxRemovalShare?: number } = {}): ResolvedConfig {
  writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,order_date,revenue\n');
  writeFileSync(
    join(dir, 'retain.yml'),
    `version: 1
warehouse: { type: duckdb, path: retain.duckdb }
sources:
  orders: { path: orders.csv }
destinations:
  crm:
    type: iterable
    list_id: 4242
    api_key_env: ${API_KEY_ENV}
    base_url: ${baseUrl}
audiences:
  - name: vip
    destination: crm
    segments: [champions, loyal]
    fields: { tier: monetary_total }
    holdout_pct: ${options.holdoutPct ?? 10}
    salt: vip-2026
sync:
  timeout_ms: ${options.timeoutMs ?? 2000}
  max_attempts: ${options.maxAttempts ?? 6}
  max_removal_share: ${options.maxRemovalShare ?? 0.5}
  require_validation: false
`,
  );
  return loadConfig({ config: join(dir, 'retain.yml') });
}

/** Writes audience_members (eligibility as the dbt model decides it) and audience_definitions. */
export async function writeMembers(resolved: ResolvedConfig, customers: FixtureCustomer[], options: { duplicate?: string[] } = {}): Promise<void> {
  const audience = resolved.audiences[0]!;
  const db = await openDuckDb(resolved.warehousePath);
  try {
    await db.run(`create or replace table audience_definitions as select 'vip' as audience, 'crm' as destination, $hash as definition_hash`, { hash: audience.definition_hash });
    await db.run(`create or replace table audience_members (
      audience varchar, customer_id varchar, segment varchar, transitioned_on date, identifiers varchar, payload varchar,
      payload_hash varchar, is_holdout boolean, exclusion_reason varchar, is_eligible boolean)`);
    const rows = customers.filter((c) => !c.erased);
    for (const id of options.duplicate ?? []) {
      const found = rows.find((c) => c.id === id);
      if (found) rows.push(found);
    }
    const appender = await db.connection.createAppender('audience_members');
    for (const c of rows) {
      const holdout = isHeldOut(audience.salt, c.id, audience.holdout_pct);
      const reason = c.consent !== 'granted' ? 'no_consent' : c.email === null ? 'missing_identifier' : holdout ? 'holdout' : null;
      const identifiers = JSON.stringify({ email: c.email, phone: null, external_id: c.id });
      const payload = JSON.stringify({ segment: 'champions', tier: c.tier });
      appender.appendVarchar('vip');
      appender.appendVarchar(c.id);
      appender.appendVarchar('champions');
      appender.appendNull();
      appender.appendVarchar(identifiers);
      appender.appendVarchar(payload);
      appender.appendVarchar(identifiers + '|' + payload);
      appender.appendBoolean(holdout);
      if (reason === null) appender.appendNull();
      else appender.appendVarchar(reason);
      appender.appendBoolean(reason === null);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
    await db.run('update audience_members set payload_hash = md5(payload_hash)');
  } finally {
    db.close();
  }
}

/** The emails that should be in the destination: eligible members. */
export function eligibleEmails(resolved: ResolvedConfig, customers: FixtureCustomer[]): string[] {
  const audience = resolved.audiences[0]!;
  return customers
    .filter((c) => !c.erased && c.consent === 'granted' && c.email !== null && !isHeldOut(audience.salt, c.id, audience.holdout_pct))
    .map((c) => c.email!.toLowerCase())
    .sort();
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeCustomers(count: number, random: () => number, start = 0): FixtureCustomer[] {
  return Array.from({ length: count }, (_, i) => {
    const n = start + i;
    const id = `C${String(n).padStart(6, '0')}`;
    const r = random();
    return { id, email: r < 0.03 ? null : `${id.toLowerCase()}@example.com`, consent: r < 0.1 ? 'revoked' : r < 0.13 ? null : 'granted', tier: random() < 0.5 ? 'gold' : 'silver' };
  });
}
