/**
 * `retain sync` on BigQuery, through goccy/bigquery-emulator on loopback (scripts/ensure-bigquery-
 * emulator.mjs). BigQuery has no multi-statement transaction here (the emulator has no scripting),
 * so this is the path where the sync store's statements run one by one (src/sync/warehouse-store.ts).
 *
 * audience_members and audience_definitions are written by the test through the Warehouse
 * interface, as `retain run` leaves them (the dbt build on the emulator is covered, with its known
 * gaps, by test/portability-bigquery.test.ts), so the expectations are by hand: 30 candidates,
 * every fifth in the holdout, 24 eligible.
 *
 * Not part of `npm test` (the emulator's cold build takes ~20 minutes): `npm run test:bigquery`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBigQueryEmulator, type BigQueryEmulator } from '../scripts/ensure-bigquery-emulator.mjs';
import { loadConfig, type ResolvedConfig } from '../src/config/load.js';
import { parseOutbox, replayOutbox } from '../src/destinations/file/mapping.js';
import { syncAudiences } from '../src/sync/engine.js';
import type { Destination, OperationResult, SyncOperation } from '../src/sync/types.js';
import { openWarehouse, type ColumnSpec, type Warehouse } from '../src/warehouse/index.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-sync-bigquery-');
let emulator: BigQueryEmulator | undefined;
let resolved: ResolvedConfig;

const key = (i: number) => `C${String(i).padStart(3, '0')}`;
/** i = 0..29; every fifth customer is in the holdout. */
const ELIGIBLE = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 0).map(key);

const MEMBER_COLUMNS: ColumnSpec[] = [
  { name: 'audience', type: 'text' },
  { name: 'customer_id', type: 'text' },
  { name: 'segment', type: 'text' },
  { name: 'transitioned_on', type: 'date' },
  { name: 'identifiers', type: 'text' },
  { name: 'payload', type: 'text' },
  { name: 'payload_hash', type: 'text' },
  { name: 'exclusion_reason', type: 'text' },
  { name: 'is_eligible', type: 'boolean' },
];

async function withBigQuery<T>(work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(resolved.connection);
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

beforeAll(async () => {
  emulator = await startBigQueryEmulator();
  writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,order_date,revenue\n');
  writeFileSync(
    join(dir, 'retain.yml'),
    [
      'version: 1',
      'warehouse: { type: duckdb, path: retain.duckdb }',
      'sources: { orders: { path: orders.csv } }',
      'destinations: { outbox: { type: file, path: outbox, format: jsonl } }',
      'audiences:',
      '  - { name: vip, destination: outbox, segments: [champions], holdout_pct: 20 }',
      'sync: { require_validation: false }',
      'targets:',
      `  bq: { type: bigquery, project: ${emulator.project}, dataset: retain_sync, api_endpoint: ${emulator.apiEndpoint}, threads: 1 }`,
      '',
    ].join('\n'),
  );
  resolved = loadConfig({ config: join(dir, 'retain.yml'), target: 'bq' });
  await withBigQuery(async (warehouse) => {
    const definitions: ColumnSpec[] = ['audience', 'destination', 'definition_hash'].map((name) => ({ name, type: 'text' }));
    await warehouse.writeTable('audience_definitions', definitions, [['vip', 'outbox', resolved.audiences[0]!.definition_hash]]);
    const rows = Array.from({ length: 30 }, (_, i) => {
      const holdout = i % 5 === 0;
      return ['vip', key(i), 'champions', i % 2 ? '2026-06-01' : null, JSON.stringify({ email: `c${i}@example.com` }), JSON.stringify({ tier: i % 3 ? 'gold' : 'silver' }), `h${i}`, holdout ? 'holdout' : null, !holdout];
    });
    await warehouse.writeTable('audience_members', MEMBER_COLUMNS, rows);
  });
}, 900_000);

afterAll(() => emulator?.stop());

const outbox = () => parseOutbox(readFileSync(join(dir, 'outbox', 'vip.jsonl'), 'utf8'), 'jsonl');

async function counts(warehouse: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['sync_state', 'sync_runs', 'sync_changelog', 'sync_inflight', 'sync_failed', 'sync_ops', 'sync_acks']) {
    const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${warehouse.qualify(table)}`);
    out[table] = Number(row?.n);
  }
  return out;
}

const stateKeys = (warehouse: Warehouse) =>
  warehouse.query<{ key: string }>(`select key from ${warehouse.qualify('sync_state')} order by key`).then((rows) => rows.map((row) => row.key));

describe('retain sync on BigQuery (emulator)', () => {
  it('first sync: the 24 eligible members, recorded; a second sync sends nothing', async () => {
    const [first] = await syncAudiences(resolved, {});
    expect([first!.status, first!.adds, first!.acknowledged, first!.excluded]).toEqual(['succeeded', 24, 24, { holdout: 6 }]);
    expect([...replayOutbox(outbox()).keys()].sort()).toEqual(ELIGIBLE);
    await withBigQuery(async (warehouse) => {
      expect(await stateKeys(warehouse)).toEqual(ELIGIBLE);
      expect(await counts(warehouse)).toEqual({ sync_state: 24, sync_runs: 1, sync_changelog: 24, sync_inflight: 0, sync_failed: 0, sync_ops: 0, sync_acks: 0 });
    });
    const [second] = await syncAudiences(resolved, {});
    expect([second!.adds, second!.updates, second!.removes]).toEqual([0, 0, 0]);
    expect(outbox()).toHaveLength(24);
  });

  it('after a change in the warehouse: a dry run writes nothing, the sync sends exactly the diff', async () => {
    await withBigQuery(async (warehouse) => {
      const members = warehouse.qualify('audience_members');
      await warehouse.execute(`update ${members} set is_eligible = false, exclusion_reason = 'suppressed' where customer_id in ('C001', 'C002')`);
      await warehouse.execute(`update ${members} set is_eligible = true, exclusion_reason = null where customer_id = 'C005'`);
      await warehouse.execute(`update ${members} set payload_hash = 'changed' where customer_id = 'C003'`);
    });
    const before = await withBigQuery(counts);
    const [dry] = await syncAudiences(resolved, { dryRun: true });
    expect([dry!.adds, dry!.updates, dry!.removes, dry!.synced]).toEqual([1, 1, 2, 23]);
    expect(await withBigQuery(counts)).toEqual(before);
    expect(outbox()).toHaveLength(24);

    const [result] = await syncAudiences(resolved, {});
    expect([result!.adds, result!.updates, result!.removes, result!.acknowledged]).toEqual([1, 1, 2, 4]);
    expect(outbox().slice(24).map((r) => [r.operation, r.key])).toEqual([['remove', 'C001'], ['remove', 'C002'], ['add', 'C005'], ['update', 'C003']]);
    const expected = [...ELIGIBLE.filter((k) => k !== 'C001' && k !== 'C002'), 'C005'].sort();
    expect([...replayOutbox(outbox()).keys()].sort()).toEqual(expected);
    expect(await withBigQuery(stateKeys)).toEqual(expected);
  });

  it('a rejected row stays in sync_failed and out of sync_state', async () => {
    await withBigQuery((warehouse) => warehouse.execute(`update ${warehouse.qualify('audience_members')} set is_eligible = true, exclusion_reason = null where customer_id in ('C010', 'C015')`));
    const refusing: Destination = {
      type: 'file',
      limits: { maxBatchSize: 100, requestsPerSecond: 1000, burst: 1000 },
      async send(batch: SyncOperation[]): Promise<OperationResult[]> {
        return batch.map((op) => ({ key: op.member.key, kind: op.kind, status: op.member.key === 'C010' ? 'rejected' : 'ok', error: op.member.key === 'C010' ? 'invalid email' : undefined }));
      },
    };
    const [result] = await syncAudiences(resolved, { destinations: { outbox: refusing } });
    expect([result!.status, result!.adds, result!.acknowledged, result!.rejected]).toEqual(['partial', 2, 1, 1]);
    await withBigQuery(async (warehouse) => {
      const failed = await warehouse.query(`select key, operation, error, attempts from ${warehouse.qualify('sync_failed')}`);
      expect(failed).toEqual([{ key: 'C010', operation: 'add', error: 'invalid email', attempts: 1 }]);
      const state = await stateKeys(warehouse);
      expect(state).toContain('C015');
      expect(state).not.toContain('C010');
    });
  });
});
