/**
 * Consent and privacy end to end on generated data (600 customers, as of 2026-06-30): `retain run`,
 * `retain privacy export`, `retain privacy erase`, a later load carrying a new order of the erased
 * customer, `retain run` again - then every text column of every table is scanned for the erased
 * customer's id and email. Customers who revoked profiling consent are checked to be in the
 * no_profiling segment only, without behavioural refinements.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../src/generate/index.js';
import { openDuckDb, quoteIdent, type Row } from '../src/warehouse/duckdb.js';
import { retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const AS_OF = '2026-06-30';
const dir = tempDir('retain-privacy-');
const state: {
  victim: string;
  email: string;
  orders: number;
  exportBefore: Record<string, unknown>;
  erase: Record<string, unknown>;
  exportAfter: Record<string, unknown>;
  hits: string[];
  salt: string;
  tombstones: Row[];
  erasedRejections: Row[];
  sourceErased: number;
  profile: Row[];
  summary: Row[];
  members: Row[];
  validateCode: number;
  reportCode: number;
} = { victim: '', email: '', orders: 0, exportBefore: {}, erase: {}, exportAfter: {}, hits: [], salt: '', tombstones: [], erasedRejections: [], sourceErased: 0, profile: [], summary: [], members: [], validateCode: -1, reportCode: -1 };

function run(args: string[]) {
  const result = retain(args, { cwd: dir });
  if (result.code !== 0) throw new Error(`retain ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.json();
}

beforeAll(async () => {
  await generate({ customers: 600, seed: 29, out: dir, format: 'csv', asOf: AS_OF });
  const config = readFileSync(join(dir, 'retain.yml'), 'utf8').replace(/orders: \{ path: data\/orders\.csv/, 'orders: { path: data/orders*.csv');
  writeFileSync(
    join(dir, 'retain.yml'),
    config +
      'predictions: { enabled: false }\nvalidation:\n  segment_shares: { default: { min: 0, max: 1 } }\n' +
      // one audience over everyone (a profiling-based where), one of the no_profiling segment itself
      'destinations:\n  outbox: { type: file, path: outbox, format: jsonl }\n' +
      'audiences:\n' +
      '  - { name: everyone, destination: outbox, where: "recency_days >= 0", holdout_pct: 0 }\n' +
      '  - { name: service, destination: outbox, segments: [no_profiling], holdout_pct: 0 }\n',
  );
  run(['run', '--json']);

  // the victim: the customer with most orders in the profile (ties by id), not already erased by the source
  const db = await openDuckDb(join(dir, 'retain.duckdb'), { readOnly: true });
  try {
    const [row] = await db.all<{ customer_id: string; email: string; lifetime_orders: number }>(
      `select p.customer_id, c.email, p.lifetime_orders from customer_profile p join stg_retain__customers c using (customer_id)
       where c.email is not null order by p.lifetime_orders desc, p.customer_id limit 1`,
    );
    state.victim = row!.customer_id;
    state.email = row!.email;
    state.orders = row!.lifetime_orders;
  } finally {
    db.close();
  }
  state.exportBefore = run(['privacy', 'export', '--customer', state.victim, '--json']);
  state.erase = run(['privacy', 'erase', '--customer', state.victim, '--reason', 'test request', '--json']);
  // a later load brings a new order of the erased customer
  writeFileSync(join(dir, 'data', 'orders_late.csv'), `order_id,customer_id,ordered_at,revenue\nLATE1,${state.victim},2026-06-29 12:00:00,42.00\n`);
  run(['run', '--json']);
  state.exportAfter = run(['privacy', 'export', '--customer', state.victim, '--json']);
  state.validateCode = retain(['validate', '--json'], { cwd: dir }).code;
  state.reportCode = retain(['report', '--out', join(dir, 'report.html'), '--json'], { cwd: dir }).code;

  const warehouse = await openDuckDb(join(dir, 'retain.duckdb'), { readOnly: true });
  try {
    const columns = await warehouse.all<{ table_schema: string; table_name: string; column_name: string }>(
      `select c.table_schema, c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
       where t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR'`,
    );
    for (const column of columns) {
      const [hit] = await warehouse.all<{ n: number }>(
        `select count(*) as n from ${quoteIdent(column.table_schema)}.${quoteIdent(column.table_name)}
         where contains(${quoteIdent(column.column_name)}, $victim) or contains(lower(${quoteIdent(column.column_name)}), $email)`,
        { victim: state.victim, email: state.email },
      );
      if (hit!.n > 0) state.hits.push(`${column.table_name}.${column.column_name}: ${hit!.n}`);
    }
    state.salt = (await warehouse.all<{ salt: string }>('select salt from privacy_salt'))[0]!.salt;
    state.tombstones = await warehouse.all('select tombstone, reason from privacy_erasures');
    state.erasedRejections = await warehouse.all("select source, source_key, raw_record from rejected_rows where reason = 'erased'");
    state.profile = await warehouse.all(
      `select customer_id, segment, consent_profiling, profile_objective_reason, profile_channel_reason, profile_cadence_reason,
        profile_incentive_reason, profile_send_hour_reason, profile_max_messages_per_week_reason from customer_profile`,
    );
    state.summary = await warehouse.all('select segment, customers from segment_summary');
    state.members = await warehouse.all('select audience, customer_id, consent_status, exclusion_reason from audience_members');
    // customers the generated erasure_requests source erased (their customers rows are rejected too)
    state.sourceErased = (await warehouse.all<{ n: number }>(
      `select count(*) as n from read_csv('${join(dir, 'data', 'customers.csv')}', all_varchar = true)
       where customer_id in (select customer_id from stg_retain__erasure_requests)`,
    ))[0]!.n;
  } finally {
    warehouse.close();
  }
}, 600_000);

describe('retain privacy export', () => {
  it('prints every table row about the customer, found through the information schema', () => {
    const exported = state.exportBefore as { customer_ids: string[]; tables: Record<string, Row[]>; tables_checked: string[]; identifiers: Row[]; is_erased: boolean };
    expect(exported.customer_ids).toEqual([state.victim]);
    expect(exported.is_erased).toBe(false);
    for (const table of ['customer_profile', 'customer_segments', 'segment_transitions']) expect(exported.tables_checked).toContain(table);
    expect(exported.tables.customer_profile).toHaveLength(1);
    expect(exported.tables.customer_profile![0]).toMatchObject({ customer_id: state.victim, lifetime_orders: state.orders });
    expect(exported.tables.customer_segments).toHaveLength(1);
    expect(exported.tables.segment_transitions).toEqual([expect.objectContaining({ customer_id: state.victim, transition_type: 'entered' })]);
    expect(exported.tables.stg_retain__orders ?? exported.tables.base_retain__orders).toBeDefined();
    expect(exported.identifiers).toContainEqual(expect.objectContaining({ identifier_type: 'email', identifier_value: state.email }));
  });
});

describe('retain privacy erase, then a run with a later load of the same customer', () => {
  it('stores only a salted hash of the customer id', () => {
    expect(state.erase).toMatchObject({ customer_id: state.victim, customer_ids: 1, new_tombstones: 1 });
    expect(state.salt).toMatch(/^[0-9a-f]{64}$/);
    const expected = createHash('sha256').update(state.salt + 'customer_id:' + state.victim).digest('hex');
    expect(state.tombstones).toEqual([{ tombstone: expected, reason: 'test request' }]);
  });

  it('leaves no trace of the customer id or email in any text column of any table', () => {
    expect(state.hits).toEqual([]);
  });

  it('rejects the new order and the old rows as erased, without key or raw record', () => {
    const orders = state.erasedRejections.filter((row) => row.source === 'orders');
    // every order the profile counted, plus the late one (and any non-purchase orders of the customer)
    expect(orders.length).toBeGreaterThanOrEqual(state.orders + 1);
    // the victim's customers row, and those of the customers the erasure_requests source erased
    expect(state.erasedRejections.filter((row) => row.source === 'customers')).toHaveLength(1 + state.sourceErased);
    for (const row of state.erasedRejections) expect(row).toMatchObject({ source_key: null, raw_record: null });
  });

  it('exports nothing any more and says the customer is erased', () => {
    expect(state.exportAfter).toMatchObject({ is_erased: true, tables: {} });
  });
});

describe('customers who revoked profiling consent', () => {
  it('are all in no_profiling, and only they are', () => {
    const revoked = state.profile.filter((row) => row.consent_profiling === 'revoked');
    expect(revoked.length).toBeGreaterThan(0);
    for (const row of state.profile) expect(row.segment === 'no_profiling', String(row.customer_id)).toBe(row.consent_profiling === 'revoked');
    expect(state.summary.find((row) => row.segment === 'no_profiling')).toEqual({ segment: 'no_profiling', customers: revoked.length });
  });

  it('get the no_profiling strategy without any behavioural refinement', () => {
    for (const row of state.profile.filter((r) => r.segment === 'no_profiling')) {
      for (const key of ['objective', 'channel', 'cadence', 'incentive', 'send_hour', 'max_messages_per_week']) {
        expect(row[`profile_${key}_reason`], `${row.customer_id} ${key}`).toMatch(/^no profiling consent/);
      }
    }
  });

  it('are left out of a profiling-based audience as no_profiling, and reach only the no_profiling audience', () => {
    const revoked = new Set(state.profile.filter((row) => row.consent_profiling === 'revoked').map((row) => row.customer_id));
    const everyone = state.members.filter((row) => row.audience === 'everyone');
    const service = state.members.filter((row) => row.audience === 'service');
    // where recency_days >= 0 selects every profiled customer with an order
    expect(everyone.length).toBeGreaterThan(revoked.size);
    for (const row of everyone) {
      const expected = row.consent_status !== 'granted' ? 'no_consent' : revoked.has(row.customer_id) ? 'no_profiling' : null;
      expect(row.exclusion_reason, String(row.customer_id)).toBe(expected);
    }
    expect(everyone.filter((row) => row.exclusion_reason === 'no_profiling').length).toBeGreaterThan(0);
    expect(new Set(service.map((row) => row.customer_id))).toEqual(revoked);
    for (const row of service) expect(row.exclusion_reason).toBe(row.consent_status === 'granted' ? null : 'no_consent');
  });

  it('leave validate and report working', () => {
    expect(state.validateCode).toBe(0);
    expect(state.reportCode).toBe(0);
  });
});

/*
 * Incremental base tables (orders, engagement_events) keep rows loaded by earlier runs, outside the
 * lookback window. An erasure must still reach them: K2's rows (February and March, long before
 * the window) are erased by a later erasure_requests file, K1's (January) by `retain privacy
 * erase`. Each run re-reads an erased customer's rows, rejects them as erased and sweeps them.
 *   orders  E1 K1 2026-01-10   E2 K2 2026-02-10   E3 K2 2026-03-10   E4 K3 2026-06-29
 *   events  K2 2026-02-11      K3 2026-06-29
 */
describe('erasure of rows an incremental run does not re-read', () => {
  const inc = tempDir('retain-privacy-incremental-');
  type Snapshot = { base_orders: Row[]; base_events: Row[]; stg_orders: Row[]; erased: Row[]; profile: Row[] };
  const empty: Snapshot = { base_orders: [], base_events: [], stg_orders: [], erased: [], profile: [] };
  const incState: { afterRequest: Snapshot; afterErase: Snapshot } = { afterRequest: empty, afterErase: empty };
  const read = async (): Promise<Snapshot> => {
    const db = await openDuckDb(join(inc, 'retain.duckdb'), { readOnly: true });
    try {
      return {
        base_orders: await db.all("select source_key, customer_id, rejection_reason from base_retain__orders order by source_key"),
        base_events: await db.all('select customer_id, rejection_reason from base_retain__engagement_events order by customer_id'),
        stg_orders: await db.all('select order_id from stg_retain__orders order by order_id'),
        erased: await db.all("select source, source_key, raw_record from rejected_rows where reason = 'erased' order by source, source_row_number"),
        profile: await db.all('select customer_id from customer_profile order by customer_id'),
      };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    const write = (name: string, lines: string[]) => writeFileSync(join(inc, 'data', name), lines.join('\n') + '\n');
    mkdirSync(join(inc, 'data'));
    write('orders.csv', ['order_id,customer_id,ordered_at,revenue', 'E1,K1,2026-01-10 10:00:00,100', 'E2,K2,2026-02-10 10:00:00,60', 'E3,K2,2026-03-10 10:00:00,70', 'E4,K3,2026-06-29 10:00:00,20']);
    write('events.csv', ['customer_id,event_type,channel,occurred_at', 'K2,email_open,email,2026-02-11 08:00:00', 'K3,email_open,email,2026-06-29 08:00:00']);
    write('erasure-1.csv', ['customer_id,requested_at', 'K9,2026-01-01 00:00:00']);
    writeFileSync(
      join(inc, 'retain.yml'),
      'version: 1\nwarehouse: { type: duckdb, path: retain.duckdb }\n' +
        'sources:\n  orders: { path: data/orders.csv }\n  engagement_events: { path: data/events.csv }\n  erasure_requests: { path: "data/erasure-*.csv" }\n' +
        'predictions: { enabled: false }\nvalidation:\n  segment_shares: { default: { min: 0, max: 1 } }\n  freshness_hours: 100000\n' +
        '  row_count_change_pct: { warn: 10000, fail: 10000 }\n  psi: { warn: 1000, fail: 1000 }\n  drift: { min_customers: 1000 }\n',
    );
    const runAt = (asOf: string) => {
      const result = retain(['run', '--as-of', asOf, '--json'], { cwd: inc });
      if (result.code !== 0) throw new Error(`retain run failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    };
    runAt('2026-06-30');
    write('erasure-2.csv', ['customer_id,requested_at', 'K2,2026-06-30 09:00:00']);
    runAt('2026-07-01');
    incState.afterRequest = await read();
    const erased = retain(['privacy', 'erase', '--customer', 'K1', '--json'], { cwd: inc });
    if (erased.code !== 0) throw new Error(`retain privacy erase failed:\n${erased.stdout}\n${erased.stderr}`);
    runAt('2026-07-02');
    incState.afterErase = await read();
  }, 600_000);

  it('a later erasure request rejects and sweeps the loaded rows of the customer', () => {
    const state = incState.afterRequest;
    expect(state.base_orders).toEqual([
      { source_key: 'E1', customer_id: 'K1', rejection_reason: null },
      { source_key: 'E4', customer_id: 'K3', rejection_reason: null },
    ]);
    expect(state.base_events).toEqual([{ customer_id: 'K3', rejection_reason: null }]);
    expect(state.stg_orders).toEqual([{ order_id: 'E1' }, { order_id: 'E4' }]);
    expect(state.erased).toEqual([
      { source: 'engagement_events', source_key: null, raw_record: null },
      { source: 'orders', source_key: null, raw_record: null },
      { source: 'orders', source_key: null, raw_record: null },
    ]);
    expect(state.profile).toEqual([{ customer_id: 'K1' }, { customer_id: 'K3' }]);
  });

  it('retain privacy erase, then an incremental run: the rows stay gone and are listed as erased', () => {
    const state = incState.afterErase;
    expect(state.base_orders).toEqual([{ source_key: 'E4', customer_id: 'K3', rejection_reason: null }]);
    expect(state.stg_orders).toEqual([{ order_id: 'E4' }]);
    expect(state.erased.filter((row) => row.source === 'orders')).toHaveLength(3);
    expect(state.profile).toEqual([{ customer_id: 'K3' }]);
  });
});
