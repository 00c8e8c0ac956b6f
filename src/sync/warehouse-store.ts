/**
 * The sync store of a server target (Postgres, Snowflake, BigQuery), over the `Warehouse`
 * interface. The same bookkeeping tables as on DuckDB (state.ts), created in the target schema
 * with each warehouse's types (writeTable maps them), plus two working tables:
 *   sync_ops   the operations of a run (the diff, numbered in send order), keyed by run_id: a
 *              connection pool or a BigQuery job has no temp table that lives for the whole run
 *   sync_acks  acknowledgements on their way into the bookkeeping, keyed by run_id and batch
 *
 * The SQL is the portable subset (row_number instead of arg_min/qualify, anti-joins as left
 * joins, explicit casts of every parameter: BigQuery binds them all as text), and every time
 * is Node's clock in UTC, passed as a parameter (a Snowflake session's current_timestamp is in
 * its own time zone). Where the warehouse has multi-statement transactions (Postgres, Snowflake)
 * a commit runs in one; on BigQuery the statements run one by one, in an order where a crash
 * between any two is safe: sync_state changes before the changelog records the outcome, so an
 * outcome without its changelog row is 'pending' on the next resolveInflight (resent), never a
 * state that runs ahead of what the destination confirmed.
 *
 * Exclusive use of a destination (claimDestination): the engine holds a lock file in the project's
 * state folder (one sync per destination per project folder on this machine); in the warehouse, a
 * sync refuses to start while sync_runs shows another sync of the destination as 'running' with
 * activity (its start or its latest changelog row) in the last hour. The check and the claim are
 * separate statements, so two machines that start the same destination within the same moment
 * can both pass; run one scheduler per destination.
 */
import { RetainError } from '../errors.js';
import { readLatestValidation, type StoredCheckRow } from '../validate/store.js';
import { openWarehouse, type ColumnSpec, type Row, type Warehouse } from '../warehouse/index.js';
import type { TargetConnection } from '../warehouse/target.js';
import { PENDING_HASH, type Ack } from './state.js';
import { parseJsonValue, type OpRow, type RunCounts, type RunOutcome, type SyncStore } from './store.js';
import type { SyncOperationKind } from './types.js';

/** A 'running' sync of the destination with activity within this window blocks a new one. */
export const RUNNING_STALE_MINUTES = 60;

const text = (name: string): ColumnSpec => ({ name, type: 'text' });
const bigint = (name: string): ColumnSpec => ({ name, type: 'bigint' });
const timestamp = (name: string): ColumnSpec => ({ name, type: 'timestamp' });

/** The bookkeeping tables (as state.ts's DDL) and the working tables, in writeTable's types. */
export const SYNC_TABLES: Record<string, ColumnSpec[]> = {
  sync_state: [text('destination'), text('audience'), text('key'), text('payload_hash'), text('identifiers'), text('payload'), timestamp('synced_at'), text('run_id')],
  sync_inflight: [text('destination'), text('audience'), text('run_id'), text('key'), text('operation'), text('identifiers'), text('payload')],
  sync_failed: [text('destination'), text('audience'), text('key'), text('operation'), text('error'), bigint('attempts'), timestamp('first_failed_at'), timestamp('last_failed_at'), text('run_id')],
  sync_runs: [
    text('run_id'),
    text('destination'),
    text('audience'),
    timestamp('started_at'),
    timestamp('finished_at'),
    text('status'),
    { name: 'dry_run', type: 'boolean' },
    bigint('adds'),
    bigint('updates'),
    bigint('removes'),
    bigint('acknowledged'),
    bigint('rejected'),
    bigint('pending'),
    bigint('excluded'),
    text('error'),
  ],
  sync_changelog: [text('run_id'), text('destination'), text('audience'), text('key'), text('operation'), text('status'), text('error'), bigint('attempt'), timestamp('recorded_at')],
  sync_ops: [text('run_id'), text('destination'), bigint('seq'), text('kind'), text('key'), text('identifiers'), text('payload'), text('member_hash'), text('segment'), text('transitioned_on')],
  sync_acks: [
    text('run_id'),
    text('destination'),
    bigint('batch'),
    bigint('ord'),
    text('key'),
    text('kind'),
    text('status'),
    text('error'),
    bigint('attempt'),
    text('payload_hash'),
    text('identifiers'),
    text('payload'),
  ],
};

/** A piece of SQL spliced in as is (a qualified table name), never a value. */
class Raw {
  constructor(readonly sql: string) {}
}

/** A statement: text with values (parameters), nested statements and Raw names between. */
class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** The text with positional parameters: every value becomes its own $n, in order. */
  render(params: unknown[] = []): { text: string; params: unknown[] } {
    let text = this.strings[0]!;
    this.values.forEach((value, i) => {
      if (value instanceof Raw) text += value.sql;
      else if (value instanceof Sql) text += value.render(params).text;
      else {
        params.push(value);
        text += `$${params.length}`;
      }
      text += this.strings[i + 1]!;
    });
    return { text, params };
  }
}

function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** The time now, UTC, as a timestamp literal every warehouse casts the same way. */
function now(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export async function openWarehouseSyncStore(connection: TargetConnection): Promise<SyncStore> {
  const warehouse = await openWarehouse(connection);
  return new WarehouseSyncStore(warehouse);
}

export class WarehouseSyncStore implements SyncStore {
  private readonly t: Record<string, Raw>;
  private batches = 0;

  constructor(private readonly warehouse: Warehouse) {
    const names = [...Object.keys(SYNC_TABLES), 'audience_members', 'audience_definitions'];
    this.t = Object.fromEntries(names.map((name) => [name, new Raw(warehouse.qualify(name))]));
  }

  private async run(statement: Sql): Promise<void> {
    const { text, params } = statement.render();
    await this.warehouse.execute(text, params);
  }

  private all<T extends Row>(statement: Sql): Promise<T[]> {
    const { text, params } = statement.render();
    return this.warehouse.query<T>(text, params);
  }

  /** Runs the statements in one transaction where the warehouse has them (not BigQuery: see the header). */
  private async atomically(work: () => Promise<void>): Promise<void> {
    if (this.warehouse.type === 'bigquery') return work();
    await this.warehouse.execute('begin');
    try {
      await work();
      await this.warehouse.execute('commit');
    } catch (error) {
      await this.warehouse.execute('rollback').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Postgres plans from table statistics, and the working tables change by tens of thousands of
   * rows between statements: with stale statistics (a fresh table counts as one row) it picks
   * nested loops, and a 20,000-member sync spent 30 s in one anti-join. ANALYZE samples at most
   * 30,000 rows, so it costs milliseconds. The other warehouses keep their statistics themselves.
   */
  private async analyze(...tables: string[]): Promise<void> {
    if (this.warehouse.type !== 'postgres') return;
    for (const table of tables) await this.warehouse.execute(`analyze ${this.warehouse.qualify(table)}`);
  }

  hasAudienceMembers(): Promise<boolean> {
    return this.warehouse.tableExists('audience_members');
  }

  async ensureTables(): Promise<void> {
    for (const [table, columns] of Object.entries(SYNC_TABLES)) {
      if (!(await this.warehouse.tableExists(table))) await this.warehouse.writeTable(table, columns, [], { mode: 'append' });
    }
  }

  async definitionHashes(): Promise<Map<string, string>> {
    if (!(await this.warehouse.tableExists('audience_definitions'))) return new Map();
    const rows = await this.all<{ audience: string; definition_hash: string }>(sql`select audience, definition_hash from ${this.t.audience_definitions}`);
    return new Map(rows.map((r) => [String(r.audience), String(r.definition_hash)]));
  }

  latestValidation(): Promise<StoredCheckRow[]> {
    return readLatestValidation(this.warehouse);
  }

  async claimDestination(destination: string, options: { takeOver?: boolean }): Promise<void> {
    const { sync_runs: runs, sync_changelog: changelog } = this.t;
    const running = await this.all<{ run_id: string; started_at: string; last_recorded: string | null }>(
      sql`select r.run_id, r.started_at, max(c.recorded_at) as last_recorded
          from ${runs} as r left join ${changelog} as c on c.run_id = r.run_id
          where r.destination = ${destination} and r.status = 'running'
          group by r.run_id, r.started_at`,
    );
    const cutoff = Date.now() - RUNNING_STALE_MINUTES * 60_000;
    const lastActivity = (row: (typeof running)[number]) => Math.max(Date.parse(String(row.started_at)), row.last_recorded ? Date.parse(String(row.last_recorded)) : 0);
    const live = running.filter((row) => lastActivity(row) >= cutoff);
    if (live.length > 0 && !options.takeOver) {
      const latest = new Date(Math.max(...live.map(lastActivity))).toISOString();
      throw new RetainError(
        'usage',
        `another sync of destination ${destination} is running (run ${live[0]!.run_id}, last activity ${latest} in ${this.warehouse.qualify('sync_runs')})`,
        `wait for it to finish; if it died, rerun after ${RUNNING_STALE_MINUTES} minutes without activity, or now with --take-over`,
      );
    }
    if (running.length > 0) {
      await this.run(sql`update ${runs} set status = 'interrupted', finished_at = cast(${now()} as timestamp)
                         where destination = ${destination} and status = 'running'`);
    }
    // working rows of this destination's earlier runs (died, or stopped by the removal guard)
    await this.run(sql`delete from ${this.t.sync_ops} where destination = ${destination}`);
    await this.run(sql`delete from ${this.t.sync_acks} where destination = ${destination}`);
  }

  /** The write-ahead operations of the audience without a known outcome in the changelog. */
  private unknownOps(destination: string, audience: string): Sql {
    return sql`select i.key, i.identifiers, i.payload, i.run_id
      from ${this.t.sync_inflight} as i
      left join (
          select distinct run_id, key from ${this.t.sync_changelog}
          where destination = ${destination} and audience = ${audience} and status in ('ok', 'skipped', 'rejected')
      ) as known on known.run_id = i.run_id and known.key = i.key
      where i.destination = ${destination} and i.audience = ${audience} and known.key is null`;
  }

  async resolveInflight(destination: string, audience: string): Promise<number> {
    await this.analyze('sync_inflight', 'sync_changelog', 'sync_state');
    const unknown = this.unknownOps(destination, audience);
    const [{ n } = { n: 0 }] = await this.all<{ n: number }>(sql`select count(*) as n from (${unknown}) as u`);
    // in this order, each statement safe to repeat: a crash part-way leaves sync_inflight in place
    // and the next resolveInflight does the same again
    await this.atomically(async () => {
      if (Number(n) > 0) {
        await this.run(
          sql`delete from ${this.t.sync_state} where destination = ${destination} and audience = ${audience}
              and key in (select key from (${unknown}) as u)`,
        );
        await this.run(
          sql`insert into ${this.t.sync_state} (destination, audience, key, payload_hash, identifiers, payload, synced_at, run_id)
              select cast(${destination} as varchar), cast(${audience} as varchar), key, cast(${PENDING_HASH} as varchar), identifiers, payload,
                     cast(${now()} as timestamp), run_id
              from (select u.*, row_number() over (partition by u.key order by u.run_id desc) as rn from (${unknown}) as u) as latest
              where rn = 1`,
        );
      }
      await this.run(sql`delete from ${this.t.sync_inflight} where destination = ${destination} and audience = ${audience}`);
    });
    return Number(n);
  }

  /** The diff between eligible members and sync_state (the columns of sync_ops but seq). */
  private async diffSql(destination: string, audience: string, tpl: string): Promise<Sql> {
    const hasState = await this.warehouse.tableExists('sync_state');
    const state = hasState
      ? sql`select key, payload_hash, identifiers, payload from ${this.t.sync_state} where destination = ${destination} and audience = ${audience}`
      : sql`select cast(null as varchar) as key, cast(null as varchar) as payload_hash, cast(null as varchar) as identifiers,
               cast(null as varchar) as payload from (select 1 as one) as empty_set where 1 = 0`;
    return sql`select
          coalesce(members.key, state.key) as key,
          case when state.key is null then 'add' when members.key is null then 'remove' else 'update' end as kind,
          coalesce(members.identifiers, state.identifiers) as identifiers,
          coalesce(members.payload, state.payload) as payload,
          members.member_hash as member_hash,
          members.segment as segment,
          members.transitioned_on as transitioned_on
        from (
            -- audience_members has one row per key (a dbt test); should a source repeat one, send it once
            select key, identifiers, payload, member_hash, segment, transitioned_on
            from (
                select customer_id as key, identifiers, payload, payload_hash || ':' || cast(${tpl} as varchar) as member_hash,
                       segment, cast(transitioned_on as varchar) as transitioned_on,
                       row_number() over (partition by customer_id order by payload_hash, identifiers, payload) as rn
                from ${this.t.audience_members}
                where audience = ${audience} and is_eligible
            ) as ranked
            where rn = 1
        ) as members
        full outer join (${state}) as state on members.key = state.key
        where state.key is null or members.key is null or members.member_hash <> state.payload_hash`;
  }

  async diff(runId: string, destination: string, audience: string, tpl: string, dryRun: boolean): Promise<Partial<Record<SyncOperationKind, number>>> {
    const diff = await this.diffSql(destination, audience, tpl);
    if (dryRun) {
      const rows = await this.all<{ kind: SyncOperationKind; n: number }>(sql`select kind, count(*) as n from (${diff}) as d group by kind`);
      return Object.fromEntries(rows.map((row) => [row.kind, Number(row.n)]));
    }
    // numbered in send order (removes first, then adds, then updates; by key) so pages are ranges
    await this.run(
      sql`insert into ${this.t.sync_ops} (run_id, destination, seq, kind, key, identifiers, payload, member_hash, segment, transitioned_on)
          select cast(${runId} as varchar), cast(${destination} as varchar),
                 row_number() over (order by case d.kind when 'remove' then 0 when 'add' then 1 else 2 end, d.key),
                 d.kind, d.key, d.identifiers, d.payload, d.member_hash, d.segment, d.transitioned_on
          from (${diff}) as d`,
    );
    const rows = await this.all<{ kind: SyncOperationKind; n: number }>(sql`select kind, count(*) as n from ${this.t.sync_ops} where run_id = ${runId} group by kind`);
    return Object.fromEntries(rows.map((row) => [row.kind, Number(row.n)]));
  }

  async synced(destination: string, audience: string): Promise<number> {
    if (!(await this.warehouse.tableExists('sync_state'))) return 0;
    const rows = await this.all<{ n: number }>(sql`select count(*) as n from ${this.t.sync_state} where destination = ${destination} and audience = ${audience}`);
    return Number(rows[0]?.n ?? 0);
  }

  async excluded(audience: string): Promise<Record<string, number>> {
    const rows = await this.all<{ reason: string; n: number }>(
      sql`select exclusion_reason as reason, count(*) as n from ${this.t.audience_members}
          where audience = ${audience} and not is_eligible group by exclusion_reason order by exclusion_reason`,
    );
    return Object.fromEntries(rows.map((r) => [String(r.reason), Number(r.n)]));
  }

  async startRun(runId: string, destination: string, audience: string, counts: RunCounts): Promise<void> {
    await this.run(
      sql`insert into ${this.t.sync_runs} (run_id, destination, audience, started_at, status, dry_run, adds, updates, removes, excluded)
          values (cast(${runId} as varchar), cast(${destination} as varchar), cast(${audience} as varchar), cast(${now()} as timestamp), 'running', false,
                  cast(${counts.adds} as bigint), cast(${counts.updates} as bigint), cast(${counts.removes} as bigint), cast(${counts.excluded} as bigint))`,
    );
  }

  async writeInflight(runId: string, destination: string, audience: string): Promise<void> {
    await this.run(
      sql`insert into ${this.t.sync_inflight} (destination, audience, run_id, key, operation, identifiers, payload)
          select cast(${destination} as varchar), cast(${audience} as varchar), run_id, key, kind, identifiers, payload
          from ${this.t.sync_ops} where run_id = ${runId}`,
    );
  }

  async kindRanges(runId: string): Promise<Array<{ kind: SyncOperationKind; first: number; last: number }>> {
    const rows = await this.all<{ kind: SyncOperationKind; first_seq: number; last_seq: number }>(
      sql`select kind, min(seq) as first_seq, max(seq) as last_seq from ${this.t.sync_ops} where run_id = ${runId} group by kind order by first_seq`,
    );
    return rows.map((row) => ({ kind: row.kind, first: Number(row.first_seq), last: Number(row.last_seq) }));
  }

  async readOps(runId: string, from: number, to: number): Promise<OpRow[]> {
    const statement = sql`select key, identifiers, payload, member_hash, segment, transitioned_on from ${this.t.sync_ops}
        where run_id = ${runId} and seq >= cast(${from} as bigint) and seq < cast(${to} as bigint) order by seq`.render();
    // one page (at most the engine's page size) read with the warehouse's paged reader
    const rows: OpRow[] = [];
    for await (const page of this.warehouse.stream(statement.text, { params: statement.params, pageSize: Math.max(1, to - from) })) {
      for (const row of page) {
        rows.push({
          key: String(row.key),
          identifiers: parseJsonValue(row.identifiers),
          payload: parseJsonValue(row.payload),
          hash: row.member_hash === null || row.member_hash === undefined ? null : String(row.member_hash),
          segment: row.segment === null || row.segment === undefined ? null : String(row.segment),
          transitioned_on: row.transitioned_on === null || row.transitioned_on === undefined ? null : String(row.transitioned_on),
        });
      }
    }
    return rows;
  }

  async commitAcks(runId: string, destination: string, audience: string, acks: Ack[]): Promise<void> {
    if (acks.length === 0) return;
    const batch = ++this.batches;
    // the batch lands whole or not at all (writeTable is one transaction / one load job)
    await this.warehouse.writeTable(
      'sync_acks',
      SYNC_TABLES.sync_acks!,
      acks.map((ack, ord) => [runId, destination, batch, ord, ack.key, ack.kind, ack.status, ack.error === undefined ? null : ack.error.slice(0, 2000), ack.attempt, ack.payloadHash, ack.identifiers, ack.payload]),
      { mode: 'append' },
    );
    await this.analyze('sync_acks', 'sync_state', 'sync_failed');
    const { sync_acks: acksTable, sync_state: state, sync_failed: failed } = this.t;
    const at = now();
    const mine = (status: string) => sql`select key from ${acksTable} where run_id = ${runId} and batch = cast(${batch} as bigint) and status in (${status}, 'skipped')`;
    await this.atomically(async () => {
      // 1. state: acknowledged operations only (a crash after this and before 4 leaves outcomes
      //    without a changelog row: resolveInflight then makes them 'pending', resent next run)
      await this.run(sql`delete from ${state} where destination = ${destination} and audience = ${audience} and key in (${mine('ok')})`);
      await this.run(
        sql`insert into ${state} (destination, audience, key, payload_hash, identifiers, payload, synced_at, run_id)
            select cast(${destination} as varchar), cast(${audience} as varchar), key, payload_hash, identifiers, payload,
                   cast(${at} as timestamp), cast(${runId} as varchar)
            from (
                select key, payload_hash, identifiers, payload, row_number() over (partition by key order by ord desc) as rn
                from ${acksTable}
                where run_id = ${runId} and batch = cast(${batch} as bigint) and status = 'ok' and kind <> 'remove'
            ) as latest
            where rn = 1`,
      );
      // 2. the failed index: acknowledged keys leave it, rejected ones (re)enter it with one more attempt
      await this.run(sql`delete from ${failed} where destination = ${destination} and audience = ${audience} and key in (${mine('ok')})`);
      await this.run(
        sql`insert into ${failed} (destination, audience, key, operation, error, attempts, first_failed_at, last_failed_at, run_id)
            select cast(${destination} as varchar), cast(${audience} as varchar), a.key, a.kind, a.error,
                   coalesce(f.attempts, 0) + 1, coalesce(f.first_failed_at, cast(${at} as timestamp)), cast(${at} as timestamp),
                   cast(${runId} as varchar)
            from ${acksTable} as a
            left join (
                select key, max(attempts) as attempts, min(first_failed_at) as first_failed_at from ${failed}
                where destination = ${destination} and audience = ${audience} and run_id <> ${runId}
                group by key
            ) as f on f.key = a.key
            where a.run_id = ${runId} and a.batch = cast(${batch} as bigint) and a.status = 'rejected'`,
      );
      await this.run(
        sql`delete from ${failed} where destination = ${destination} and audience = ${audience} and run_id <> ${runId}
            and key in (select key from ${acksTable} where run_id = ${runId} and batch = cast(${batch} as bigint) and status = 'rejected')`,
      );
      // 3. the changelog: the outcomes are known from here on
      await this.run(
        sql`insert into ${this.t.sync_changelog} (run_id, destination, audience, key, operation, status, error, attempt, recorded_at)
            select cast(${runId} as varchar), cast(${destination} as varchar), cast(${audience} as varchar), key, kind, status, error, attempt,
                   cast(${at} as timestamp)
            from ${acksTable} where run_id = ${runId} and batch = cast(${batch} as bigint)`,
      );
    });
    await this.run(sql`delete from ${acksTable} where run_id = ${runId} and batch = cast(${batch} as bigint)`);
  }

  async discard(runId: string): Promise<void> {
    await this.run(sql`delete from ${this.t.sync_ops} where run_id = ${runId}`);
  }

  async finishRun(runId: string, outcome: RunOutcome): Promise<void> {
    await this.run(
      sql`update ${this.t.sync_runs}
          set finished_at = cast(${now()} as timestamp), status = cast(${outcome.status} as varchar),
              acknowledged = cast(${outcome.acknowledged} as bigint), rejected = cast(${outcome.rejected} as bigint),
              pending = cast(${outcome.pending} as bigint), error = cast(${outcome.error} as varchar)
          where run_id = ${runId}`,
    );
    await this.discard(runId);
    await this.run(sql`delete from ${this.t.sync_acks} where run_id = ${runId}`);
  }

  async close(): Promise<void> {
    await this.warehouse.close();
  }
}
