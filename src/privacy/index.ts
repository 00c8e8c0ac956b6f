/**
 * Erasure and export of one customer (issue 3, consent and privacy).
 *
 * Erasure stores only a tombstone per erased customer id in the warehouse table privacy_erasures:
 * sha256(salt || 'customer_id:' || id), computed by DuckDB's sha256 exactly as dbt's
 * retain_tombstone macro computes it in staging (macros/privacy/retain_erasure.sql), so a later
 * load of the same id is rejected as 'erased'. The salt is generated once per warehouse and kept
 * in privacy_salt (RETAIN_TOMBSTONE_SALT, when set the first time, is used instead of a random one,
 * so several warehouses can share tombstones). It lives beside the tombstones because every run
 * needs it in SQL: passing it to dbt from the environment would write it into compiled SQL and logs.
 * A tombstone therefore does not hide an id from someone who can read the warehouse and guesses it;
 * it keeps the warehouse from holding erased ids in the clear.
 *
 * Both privacy tables are ordinary warehouse tables that dbt never builds, so they survive every
 * run (the run copies the whole file) and --full-refresh.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ConfigError, RetainError } from '../errors.js';
import { acquireLock } from '../pipeline/lock.js';
import { openDuckDb, quoteIdent, type DuckDb, type Row } from '../warehouse/duckdb.js';

/** Tables whose rows are kept when a customer is erased, and why. */
export const KEPT_ON_ERASURE: Record<string, string> = {
  // the erasure requests source lists the ids to erase: it is the request itself
  base_retain__erasure_requests: 'the erasure requests themselves',
  // the sync engine removes the member from each destination on the next sync (audience_members no
  // longer holds them) and needs this row to know what to remove
  sync_state: 'what each destination holds, needed to remove the member there on the next sync',
};

const TOMBSTONE_SQL = (column: string) =>
  `sha256((select salt from main.privacy_salt) || 'customer_id:' || ${column})`;

export async function ensurePrivacyTables(db: DuckDb): Promise<void> {
  await db.run(`create table if not exists main.privacy_salt (salt varchar);
    create table if not exists main.privacy_erasures (tombstone varchar, erased_at timestamp, reason varchar)`);
}

/** The warehouse's salt, created on first use (from RETAIN_TOMBSTONE_SALT when set, else random). Never printed. */
export async function ensureSalt(db: DuckDb, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const fromEnv = env.RETAIN_TOMBSTONE_SALT;
  if (fromEnv !== undefined && fromEnv.length < 16) {
    throw new ConfigError('RETAIN_TOMBSTONE_SALT is shorter than 16 characters', 'use a long random value, e.g. 32 random bytes as hex, or unset it to have one generated');
  }
  const rows = await db.all<{ salt: string }>('select salt from main.privacy_salt');
  if (rows.length > 1) throw new RetainError('internal', 'privacy_salt holds more than one salt', 'keep the one the tombstones were made with');
  if (rows.length === 1) {
    if (fromEnv !== undefined && fromEnv !== rows[0]!.salt) {
      throw new ConfigError('RETAIN_TOMBSTONE_SALT differs from the salt this warehouse already uses', 'tombstones made with the stored salt would no longer match: unset RETAIN_TOMBSTONE_SALT or set it to the stored one');
    }
    return;
  }
  await db.run('insert into main.privacy_salt values ($salt)', { salt: fromEnv ?? randomBytes(32).toString('hex') });
}

async function tableExists(db: DuckDb, name: string): Promise<boolean> {
  const rows = await db.all<{ n: number }>("select count(*) as n from information_schema.tables where table_schema = 'main' and table_name = $name", { name });
  return (rows[0]?.n ?? 0) > 0;
}

/** Every customer id resolved to the same customer as `id` (identity resolution), `id` included. */
async function resolvedCustomerIds(db: DuckDb, id: string): Promise<{ resolved: string; ids: string[] }> {
  if (!(await tableExists(db, 'int_customers_resolved'))) return { resolved: id, ids: [id] };
  const rows = await db.all<{ customer_id: string; resolved_customer_id: string }>(
    `select customer_id, resolved_customer_id from main.int_customers_resolved
     where resolved_customer_id = (select resolved_customer_id from main.int_customers_resolved where customer_id = $id)
     order by customer_id`,
    { id },
  );
  if (rows.length === 0) return { resolved: id, ids: [id] };
  const ids = rows.map((row) => row.customer_id);
  return { resolved: rows[0]!.resolved_customer_id, ids: ids.includes(id) ? ids : [id, ...ids] };
}

/** Base tables of the main schema with a customer_id column (besides the privacy tables). */
async function customerTables(db: DuckDb): Promise<string[]> {
  const rows = await db.all<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'main' and t.table_type = 'BASE TABLE' and lower(c.column_name) = 'customer_id'
       and c.table_name not like 'privacy\\_%' escape '\\'
     order by c.table_name`,
  );
  return rows.map((row) => row.table_name);
}

export interface ErasureResult {
  customer_id: string;
  resolved_customer_id: string;
  customer_ids: number;
  new_tombstones: number;
  rows_deleted: Record<string, number>;
}

/**
 * Records the erasure of a customer and every customer id resolved to them, and deletes their rows
 * from the warehouse's tables now (the next run rebuilds everything without them). Takes the run lock.
 */
export async function eraseCustomer(warehousePath: string, id: string, reason: string | null, env: NodeJS.ProcessEnv = process.env): Promise<ErasureResult> {
  const customerId = id.trim();
  if (!customerId) throw new RetainError('usage', '--customer is empty', 'give the customer id to erase');
  const release = acquireLock(warehousePath + '.lock', `a retain run or erasure on ${warehousePath}`);
  try {
    const db = await openDuckDb(warehousePath);
    try {
      await ensurePrivacyTables(db);
      await ensureSalt(db, env);
      const { resolved, ids } = await resolvedCustomerIds(db, customerId);
      const before = await db.all<{ n: number }>('select count(*) as n from main.privacy_erasures');
      await db.run('create temp table erase_ids (customer_id varchar)');
      for (const value of ids) await db.run('insert into erase_ids values ($value)', { value });
      await db.run(
        `insert into main.privacy_erasures
         select distinct ${TOMBSTONE_SQL('customer_id')}, current_timestamp, $reason from erase_ids
         where ${TOMBSTONE_SQL('customer_id')} not in (select tombstone from main.privacy_erasures)`,
        { reason },
      );
      const after = await db.all<{ n: number }>('select count(*) as n from main.privacy_erasures');
      const rowsDeleted = await sweepErased(db);
      return { customer_id: customerId, resolved_customer_id: resolved, customer_ids: ids.length, new_tombstones: after[0]!.n - before[0]!.n, rows_deleted: rowsDeleted };
    } finally {
      db.close();
    }
  } finally {
    release();
  }
}

/**
 * Deletes every row about an erased customer (a tombstone, or the erasure_requests source) from
 * every table with a customer_id column, and every staging row rejected as 'erased' (it still
 * holds the typed values), except KEPT_ON_ERASURE. Runs on the build copy at the end of each run
 * and right after an erasure. Returns rows deleted per table.
 */
export async function sweepErased(db: DuckDb): Promise<Record<string, number>> {
  if (!(await tableExists(db, 'privacy_erasures')) || !(await tableExists(db, 'privacy_salt'))) return {};
  const requests = (await tableExists(db, 'base_retain__erasure_requests'))
    ? ' or customer_id in (select customer_id from main.base_retain__erasure_requests where rejection_reason is null)'
    : '';
  const tombstones = await db.all<{ n: number }>('select count(*) as n from main.privacy_erasures');
  if (tombstones[0]!.n === 0 && !requests) return {};
  const deleted: Record<string, number> = {};
  const erased = `(customer_id is not null and (${TOMBSTONE_SQL('customer_id')} in (select tombstone from main.privacy_erasures)${requests}))`;
  for (const table of await customerTables(db)) {
    if (table in KEPT_ON_ERASURE) continue;
    const columns = await db.all<{ column_name: string }>("select column_name from information_schema.columns where table_schema = 'main' and table_name = $table", { table });
    const hasReason = columns.some((column) => column.column_name === 'rejection_reason');
    const rows = await db.all<{ n: number }>(`delete from main.${quoteIdent(table)} where ${erased}${hasReason ? " or rejection_reason = 'erased'" : ''} returning 1 as n`);
    if (rows.length) deleted[table] = rows.length;
  }
  // staging rows rejected as erased in tables without a customer_id column (identity links)
  for (const table of ['base_retain__identity_links']) {
    if (!(await tableExists(db, table))) continue;
    const rows = await db.all(`delete from main.${quoteIdent(table)} where rejection_reason = 'erased' returning 1 as n`);
    if (rows.length) deleted[table] = rows.length;
  }
  return deleted;
}

export interface CustomerExport {
  customer_id: string;
  resolved_customer_id: string;
  customer_ids: string[];
  is_erased: boolean;
  identifiers: Row[];
  tables: Record<string, Row[]>;
  tables_checked: string[];
}

/** Everything the warehouse's tables hold about a customer, across every identifier resolved to them. Read-only. */
export async function exportCustomer(warehousePath: string, id: string): Promise<CustomerExport> {
  const customerId = id.trim();
  if (!customerId) throw new RetainError('usage', '--customer is empty', 'give the customer id to export');
  if (!existsSync(warehousePath)) throw new RetainError('usage', `no results yet: ${warehousePath} does not exist`, 'run `retain run` first');
  const db = await openDuckDb(warehousePath, { readOnly: true });
  try {
    const { resolved, ids } = await resolvedCustomerIds(db, customerId);
    let isErased = false;
    if ((await tableExists(db, 'privacy_erasures')) && (await tableExists(db, 'privacy_salt'))) {
      const rows = await db.all<{ n: number }>(`select count(*) as n from main.privacy_erasures where tombstone = ${TOMBSTONE_SQL('$id')}`, { id: customerId });
      isErased = rows[0]!.n > 0;
    }
    const identifiers = (await tableExists(db, 'int_identifiers_resolved'))
      ? await db.all(
          `select identifier_type, identifier_value, first_seen_at, is_collision from main.int_identifiers_resolved
           where component_id in (select component_id from main.int_identifiers_resolved
                                  where identifier_type = 'customer_id' and identifier_value = $resolved)
           order by identifier_type, identifier_value`,
          { resolved },
        )
      : [];
    const tablesChecked = await customerTables(db);
    const tables: Record<string, Row[]> = {};
    const list = ids.map((_, i) => `$id${i}`).join(', ');
    const params = Object.fromEntries(ids.map((value, i) => [`id${i}`, value]));
    for (const table of tablesChecked) {
      const rows = await db.all(`select * from main.${quoteIdent(table)} where customer_id in (${list})`, params);
      if (rows.length) tables[table] = rows;
    }
    return { customer_id: customerId, resolved_customer_id: resolved, customer_ids: ids, is_erased: isErased, identifiers, tables, tables_checked: tablesChecked };
  } finally {
    db.close();
  }
}
