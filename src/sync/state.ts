/**
 * Activation bookkeeping in the warehouse, as the leading reverse-ETL tools keep it:
 *   sync_state      what each destination holds, per audience and key, as acknowledged by it
 *   sync_failed     the failed index: rows the destination rejected, retried on every later run
 *   sync_runs       one row per audience per sync
 *   sync_changelog  one row per operation attempt outcome (key, operation, status, error, attempt, run)
 * sync_state only ever changes inside the transaction that records an acknowledgement, so a crash at
 * any moment leaves it describing operations the destination confirmed; anything else is resent.
 * These are the DuckDB statements (duckdb-store.ts); warehouse-store.ts does the same on server
 * targets, with a statement order that is safe without transactions on BigQuery.
 */
import type { DuckDb } from '../warehouse/duckdb.js';

/** sync_state's payload_hash of an operation sent without a known outcome: never equal to a real hash. */
export const PENDING_HASH = 'pending';

export const SYNC_TABLES_DDL = `
create table if not exists sync_state (
  destination varchar not null,
  audience varchar not null,
  key varchar not null,
  payload_hash varchar not null,
  identifiers varchar,
  payload varchar,
  synced_at timestamp not null,
  run_id varchar not null
);
create table if not exists sync_inflight (
  destination varchar not null,
  audience varchar not null,
  run_id varchar not null,
  key varchar not null,
  operation varchar not null,
  identifiers varchar,
  payload varchar
);
create table if not exists sync_failed (
  destination varchar not null,
  audience varchar not null,
  key varchar not null,
  operation varchar not null,
  error varchar,
  attempts integer not null,
  first_failed_at timestamp not null,
  last_failed_at timestamp not null,
  run_id varchar not null,
  primary key (destination, audience, key)
);
create table if not exists sync_runs (
  run_id varchar not null,
  destination varchar not null,
  audience varchar not null,
  started_at timestamp not null,
  finished_at timestamp,
  status varchar not null,
  dry_run boolean not null,
  adds integer,
  updates integer,
  removes integer,
  acknowledged integer,
  rejected integer,
  pending integer,
  excluded integer,
  error varchar
);
create table if not exists sync_changelog (
  run_id varchar not null,
  destination varchar not null,
  audience varchar not null,
  key varchar not null,
  operation varchar not null,
  status varchar not null,
  error varchar,
  attempt integer not null,
  recorded_at timestamp not null
);
`;

export async function ensureSyncTables(db: DuckDb): Promise<void> {
  await db.run(SYNC_TABLES_DDL);
}

/**
 * Settles the operations a run wrote ahead in sync_inflight: those without a known outcome (no ok,
 * skipped or rejected in the changelog of their run: retries used up, or the process died) become
 * 'pending' rows of sync_state, keeping the identifiers needed to remove them. Called at the end of
 * every sync and before the next one, in one transaction.
 */
export async function resolveInflight(db: DuckDb, destination: string, audience: string): Promise<number> {
  const params = { destination, audience };
  const unknown = `select i.key, i.identifiers, i.payload, i.run_id from sync_inflight i
    where i.destination = $destination and i.audience = $audience
      and not exists (select 1 from sync_changelog c where c.run_id = i.run_id and c.destination = i.destination
                      and c.audience = i.audience and c.key = i.key and c.status in ('ok', 'skipped', 'rejected'))`;
  await db.run('begin transaction');
  try {
    await db.run(`create or replace temp table sync_unknown as ${unknown}`, params);
    const rows = await db.all<{ n: number }>('select count(*)::integer as n from temp.sync_unknown');
    await db.run(
      `delete from sync_state where destination = $destination and audience = $audience and key in (select key from temp.sync_unknown)`,
      params,
    );
    await db.run(
      `insert into sync_state select $destination, $audience, key, $pending, identifiers, payload, current_timestamp, run_id from temp.sync_unknown`,
      { ...params, pending: PENDING_HASH },
    );
    await db.run(`delete from sync_inflight where destination = $destination and audience = $audience`, params);
    await db.run('commit');
    return rows[0]?.n ?? 0;
  } catch (error) {
    await db.run('rollback').catch(() => undefined);
    throw error;
  }
}

export interface Ack {
  key: string;
  kind: 'add' | 'update' | 'remove';
  /** ok: acknowledged; rejected: refused by the destination; pending: outcome unknown or retries used up. */
  status: 'ok' | 'rejected' | 'pending' | 'skipped';
  error?: string;
  attempt: number;
  payloadHash: string | null;
  identifiers: string | null;
  payload: string | null;
}

/**
 * Records one batch of outcomes atomically: state advances for acknowledged operations only, the
 * failed index and the changelog are written in the same transaction.
 */
export async function commitAcks(db: DuckDb, runId: string, destination: string, audience: string, acks: Ack[]): Promise<void> {
  if (acks.length === 0) return;
  await db.run('create temp table if not exists sync_acks (key varchar, kind varchar, status varchar, error varchar, attempt integer, payload_hash varchar, identifiers varchar, payload varchar)');
  await db.run('delete from temp.sync_acks');
  const appender = await db.connection.createAppender('sync_acks', 'main', 'temp');
  for (const ack of acks) {
    appender.appendVarchar(ack.key);
    appender.appendVarchar(ack.kind);
    appender.appendVarchar(ack.status);
    if (ack.error === undefined) appender.appendNull();
    else appender.appendVarchar(ack.error.slice(0, 2000));
    appender.appendInteger(ack.attempt);
    for (const value of [ack.payloadHash, ack.identifiers, ack.payload]) {
      if (value === null) appender.appendNull();
      else appender.appendVarchar(value);
    }
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  const params = { run: runId, destination, audience };
  await db.run('begin transaction');
  try {
    await db.run(
      `delete from sync_state where destination = $destination and audience = $audience
         and key in (select key from temp.sync_acks where status in ('ok', 'skipped'))`,
      params,
    );
    await db.run(
      `insert into sync_state
       select $destination, $audience, key, payload_hash, identifiers, payload, current_timestamp, $run
       from temp.sync_acks where status = 'ok' and kind <> 'remove'
       qualify row_number() over (partition by key order by rowid desc) = 1`,
      params,
    );
    await db.run(
      `delete from sync_failed where destination = $destination and audience = $audience
         and key in (select key from temp.sync_acks where status in ('ok', 'skipped'))`,
      params,
    );
    await db.run(
      `insert or replace into sync_failed
       select $destination, $audience, a.key, a.kind, a.error, coalesce(f.attempts, 0) + 1,
              coalesce(f.first_failed_at, current_timestamp), current_timestamp, $run
       from temp.sync_acks a
       left join sync_failed f on f.destination = $destination and f.audience = $audience and f.key = a.key
       where a.status = 'rejected'`,
      params,
    );
    await db.run(
      `insert into sync_changelog
       select $run, $destination, $audience, key, kind, status, error, attempt, current_timestamp
       from temp.sync_acks`,
      params,
    );
    await db.run('commit');
  } catch (error) {
    await db.run('rollback').catch(() => undefined);
    throw error;
  }
}
