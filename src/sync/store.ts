/**
 * Where the sync engine keeps its work and its bookkeeping: a small interface over the warehouse
 * with two implementations. DuckDB (duckdb-store.ts) keeps the fast path of a single local file:
 * temp tables, the appender, one transaction per commit, file locks. Every other warehouse goes
 * through the generic `Warehouse` interface (warehouse-store.ts): the run's operations in a real
 * table keyed by run_id, portable SQL, and statements ordered so that a crash between any two of
 * them is safe where the warehouse has no multi-statement transaction (BigQuery).
 *
 * The safety properties are the engine's (engine.ts) and the same on both: operations are written
 * ahead to sync_inflight before anything is sent; sync_state advances only for acknowledged
 * operations; resolveInflight turns unknown outcomes into 'pending' state rows; a dry run writes
 * nothing.
 */
import type { ResolvedConfig } from '../config/load.js';
import type { StoredCheckRow } from '../validate/store.js';
import type { Ack } from './state.js';
import type { SyncOperationKind } from './types.js';

/** One operation of a run as read back from the warehouse (identifiers and payload parsed). */
export interface OpRow {
  key: string;
  identifiers: Record<string, string | null> | null;
  payload: Record<string, unknown> | null;
  hash: string | null;
  segment: string | null;
  transitioned_on: string | null;
}

export interface RunCounts {
  adds: number;
  updates: number;
  removes: number;
  excluded: number;
}

export interface RunOutcome {
  status: string;
  acknowledged: number;
  rejected: number;
  pending: number;
  error: string | null;
}

export interface SyncStore {
  /** Whether audience_members exists (retain run built the audiences). */
  hasAudienceMembers(): Promise<boolean>;
  /** Creates the bookkeeping tables when missing (not in a dry run). */
  ensureTables(): Promise<void>;
  /** audience -> definition_hash of the last build (audience_definitions), empty when missing. */
  definitionHashes(): Promise<Map<string, string>>;
  /** The latest validation run's rows ([] when there is none): the sync gate. */
  latestValidation(): Promise<StoredCheckRow[]>;
  /**
   * Marks the destination's earlier 'running' syncs as interrupted, once this process holds the
   * destination (see each implementation for what that guarantee is); may refuse.
   */
  claimDestination(destination: string, options: { takeOver?: boolean }): Promise<void>;
  /** Settles the write-ahead operations of earlier runs (state.ts, resolveInflight). */
  resolveInflight(destination: string, audience: string): Promise<number>;
  /**
   * Computes the diff between eligible audience_members and sync_state. Not in a dry run: the
   * operations are kept for the run (numbered in send order). Returns the counts by kind.
   */
  diff(runId: string, destination: string, audience: string, templateHash: string, dryRun: boolean): Promise<Partial<Record<SyncOperationKind, number>>>;
  /** Members in sync_state for the audience (0 when the table does not exist). */
  synced(destination: string, audience: string): Promise<number>;
  /** Members audience_members excludes, by reason. */
  excluded(audience: string): Promise<Record<string, number>>;
  /** Records the run as 'running' in sync_runs. */
  startRun(runId: string, destination: string, audience: string, counts: RunCounts): Promise<void>;
  /** Writes the run's operations to sync_inflight, in one atomic statement. */
  writeInflight(runId: string, destination: string, audience: string): Promise<void>;
  /** The run's operations by kind: the seq range of each, in send order. */
  kindRanges(runId: string): Promise<Array<{ kind: SyncOperationKind; first: number; last: number }>>;
  /** Operations with from <= seq < to, in seq order. */
  readOps(runId: string, from: number, to: number): Promise<OpRow[]>;
  /** Records one batch of outcomes (state.ts, commitAcks). */
  commitAcks(runId: string, destination: string, audience: string, acks: Ack[]): Promise<void>;
  /** Drops the working data of a run that stops before it starts (the mass-removal guard). */
  discard(runId: string): Promise<void>;
  /** Records the run's outcome in sync_runs and drops its working data. */
  finishRun(runId: string, outcome: RunOutcome): Promise<void>;
  close(): Promise<void>;
}

/** Opens the sync store of the resolved target: DuckDB's own, or the generic one over Warehouse. */
export async function openSyncStore(resolved: ResolvedConfig, options: { dryRun: boolean }): Promise<SyncStore> {
  if (resolved.connection.type === 'duckdb') {
    const { openDuckDbSyncStore } = await import('./duckdb-store.js');
    return openDuckDbSyncStore(resolved.warehousePath, options);
  }
  const { openWarehouseSyncStore } = await import('./warehouse-store.js');
  return openWarehouseSyncStore(resolved.connection);
}

/** Parses a JSON column value (text on every warehouse; an object if a driver already parsed it). */
export function parseJsonValue<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}
