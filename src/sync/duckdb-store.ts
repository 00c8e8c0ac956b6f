/**
 * The sync store of a DuckDB target: the engine's original fast path. The diff lands in a temp
 * table of the one connection, acknowledgements go through the appender into a temp table and
 * are applied in one transaction (state.ts). The file locks taken by the engine make this
 * process the only writer of the file, so a 'running' row in sync_runs is always a dead run.
 */
import { RetainError } from '../errors.js';
import { readLatestValidation, tableExists, type StoredCheckRow } from '../validate/store.js';
import { duckDbWarehouse } from '../warehouse/duckdb-warehouse.js';
import { openDuckDb, type DuckDb } from '../warehouse/duckdb.js';
import { commitAcks, ensureSyncTables, resolveInflight } from './state.js';
import type { OpRow, SyncStore } from './store.js';
import type { SyncOperationKind } from './types.js';

export async function openDuckDbSyncStore(path: string, options: { dryRun: boolean }): Promise<SyncStore> {
  let db: DuckDb;
  try {
    db = await openDuckDb(path, { readOnly: options.dryRun });
  } catch (error) {
    throw new RetainError('usage', `cannot open the warehouse ${path}: ${(error as Error).message.split('\n')[0]}`, 'run `retain run` first; only one process may write a DuckDB file at a time');
  }
  return new DuckDbSyncStore(db);
}

class DuckDbSyncStore implements SyncStore {
  constructor(private readonly db: DuckDb) {}

  hasAudienceMembers(): Promise<boolean> {
    return tableExists(this.db, 'audience_members');
  }

  async ensureTables(): Promise<void> {
    await ensureSyncTables(this.db);
    // bookkeeping commits stay in the write-ahead log until the end instead of checkpointing the
    // whole file every few batches (durability is the same: a committed transaction is in the log)
    await this.db.run("set checkpoint_threshold = '1GB'");
  }

  async definitionHashes(): Promise<Map<string, string>> {
    const rows = (await tableExists(this.db, 'audience_definitions'))
      ? await this.db.all<{ audience: string; definition_hash: string }>('select audience, definition_hash from audience_definitions')
      : [];
    return new Map(rows.map((r) => [r.audience, r.definition_hash]));
  }

  latestValidation(): Promise<StoredCheckRow[]> {
    // the store's own connection seen through the Warehouse interface (not closed here)
    return readLatestValidation(duckDbWarehouse(this.db, 'sync store'));
  }

  async claimDestination(destination: string): Promise<void> {
    // the engine holds the file locks: no other process writes this file, so 'running' rows are dead runs
    await this.db.run(`update sync_runs set status = 'interrupted', finished_at = current_timestamp where destination = $d and status = 'running'`, { d: destination });
  }

  resolveInflight(destination: string, audience: string): Promise<number> {
    return resolveInflight(this.db, destination, audience);
  }

  async diff(_runId: string, destination: string, audience: string, tpl: string): Promise<Partial<Record<SyncOperationKind, number>>> {
    const params = { audience, destination, tpl };
    const stateSql = (await tableExists(this.db, 'sync_state'))
      ? `select key, payload_hash, identifiers, payload from sync_state where destination = $destination and audience = $audience`
      : `select null::varchar as key, null::varchar as payload_hash, null::varchar as identifiers, null::varchar as payload where false`;
    const diffSql = `
    with members as (
      select customer_id as key, identifiers, payload, payload_hash || ':' || $tpl as hash, segment,
             cast(transitioned_on as varchar) as transitioned_on
      from audience_members
      where audience = $audience and is_eligible
    ),
    deduplicated as (
      -- audience_members has one row per key (a dbt test); should a source ever repeat one, send it once
      select key, arg_min(identifiers, hash) as identifiers, arg_min(payload, hash) as payload, min(hash) as hash,
             arg_min(segment, hash) as segment, arg_min(transitioned_on, hash) as transitioned_on
      from members group by key
    ),
    state as (${stateSql})
    select
      coalesce(members.key, state.key) as key,
      case when state.key is null then 'add' when members.key is null then 'remove' else 'update' end as kind,
      coalesce(members.identifiers, state.identifiers) as identifiers,
      coalesce(members.payload, state.payload) as payload,
      members.hash as hash,
      members.segment as segment,
      members.transitioned_on as transitioned_on
    from deduplicated as members
    full outer join state on members.key = state.key
    where state.key is null or members.key is null or members.hash <> state.payload_hash`;
    // numbered in send order (removes first, then adds, then updates; by key) so pages are ranges;
    // a temp table of this connection (a read-only dry run may create one too: it writes nothing)
    await this.db.run(
      `create or replace temp table sync_ops as
     select *, row_number() over (order by case kind when 'remove' then 0 when 'add' then 1 else 2 end, key) as seq
     from (${diffSql}) order by seq`,
      params,
    );
    const rows = await this.db.all<{ kind: SyncOperationKind; n: number }>('select kind, count(*)::integer as n from temp.sync_ops group by kind');
    return Object.fromEntries(rows.map((row) => [row.kind, row.n]));
  }

  async synced(destination: string, audience: string): Promise<number> {
    if (!(await tableExists(this.db, 'sync_state'))) return 0;
    const rows = await this.db.all<{ n: number }>('select count(*)::integer as n from sync_state where destination = $destination and audience = $audience', { destination, audience });
    return rows[0]?.n ?? 0;
  }

  async excluded(audience: string): Promise<Record<string, number>> {
    const rows = await this.db.all<{ reason: string; n: number }>(
      `select exclusion_reason as reason, count(*)::integer as n from audience_members where audience = $audience and not is_eligible group by 1 order by 1`,
      { audience },
    );
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  async startRun(runId: string, destination: string, audience: string, counts: { adds: number; updates: number; removes: number; excluded: number }): Promise<void> {
    await this.db.run(
      `insert into sync_runs values ($run, $destination, $audience, current_timestamp, null, 'running', false, $adds, $updates, $removes, null, null, null, $excluded, null)`,
      { run: runId, destination, audience, ...counts },
    );
  }

  async writeInflight(runId: string, destination: string, audience: string): Promise<void> {
    await this.db.run(`insert into sync_inflight select $destination, $audience, $run, key, kind, identifiers, payload from temp.sync_ops`, { destination, audience, run: runId });
  }

  kindRanges(): Promise<Array<{ kind: SyncOperationKind; first: number; last: number }>> {
    return this.db.all<{ kind: SyncOperationKind; first: number; last: number }>(
      'select kind, min(seq)::bigint as first, max(seq)::bigint as last from temp.sync_ops group by kind order by first',
    );
  }

  async readOps(_runId: string, from: number, to: number): Promise<OpRow[]> {
    // one JSON text per row: one value to convert per row instead of six (the conversion of
    // values into JavaScript, not the query, is what costs time here)
    const reader = await this.db.connection.runAndReadAll(
      `select '{"key":' || to_json(key) || ',"identifiers":' || coalesce(identifiers, 'null') || ',"payload":' || coalesce(payload, 'null')
              || ',"hash":' || coalesce(to_json(hash), 'null') || ',"segment":' || coalesce(to_json(segment), 'null')
              || ',"transitioned_on":' || coalesce(to_json(transitioned_on), 'null') || '}'
       from temp.sync_ops where seq >= $from and seq < $to order by seq`,
      { from, to },
    );
    return (reader.getColumnsJS()[0] ?? []).map((text) => JSON.parse(String(text)) as OpRow);
  }

  commitAcks(runId: string, destination: string, audience: string, acks: Parameters<typeof commitAcks>[4]): Promise<void> {
    return commitAcks(this.db, runId, destination, audience, acks);
  }

  async discard(): Promise<void> {
    // sync_ops is a temp table of this connection: it goes with it
  }

  async finishRun(runId: string, outcome: { status: string; acknowledged: number; rejected: number; pending: number; error: string | null }): Promise<void> {
    await this.db.run(
      `update sync_runs set finished_at = current_timestamp, status = $status, acknowledged = $ack, rejected = $rej, pending = $pen, error = $err where run_id = $run`,
      { status: outcome.status, ack: outcome.acknowledged, rej: outcome.rejected, pen: outcome.pending, err: outcome.error, run: runId },
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
