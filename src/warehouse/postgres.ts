/**
 * The Warehouse interface over Postgres (the `pg` client). One connection per Warehouse; the
 * search_path is the target schema, so unqualified names in the callers' SQL resolve there.
 * Streaming uses a server-side cursor (DECLARE ... CURSOR / FETCH n) inside a read-only
 * transaction, so one page at a time crosses the network.
 */
import pg from 'pg';
import { RetainError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { checkIdentifier, quoteIdentifier, type ColumnSpec, type ColumnType, type Row, type StreamOptions, type Warehouse } from './index.js';
import type { PostgresConnection } from './target.js';

const TYPES: Record<ColumnType, string> = {
  text: 'text',
  double: 'double precision',
  bigint: 'bigint',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 };

/** Type parsers that give the same JSON-friendly values as the DuckDB implementation. */
function typeParsers(): pg.CustomTypesConfig {
  const toNumber = (text: string) => {
    const n = Number(text);
    return Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) ? n : text;
  };
  const timestamp = (text: string) => {
    // 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC (the warehouse's convention): to ISO, milliseconds like DuckDB's
    const iso = new Date(text.replace(' ', 'T') + 'Z').toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  };
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === OID.int8 || oid === OID.numeric) return toNumber;
      if (oid === OID.date) return (text: string) => text;
      if (oid === OID.timestamp) return timestamp;
      if (oid === OID.timestamptz) return (text: string) => new Date(text).toISOString();
      return pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

function connectionError(connection: PostgresConnection, error: unknown): RetainError {
  const message = redactSecrets(error instanceof Error ? error.message : String(error), { ...process.env, RETAIN_TARGET_PASSWORD: connection.password });
  return new RetainError(
    'config',
    `cannot connect to postgres at ${connection.host}:${connection.port} as ${connection.user} (database ${connection.database}): ${message}`,
    `check host, port, user and database in retain.yml; the password comes from ${connection.passwordSource === 'none' ? 'nowhere (set password_env or PGPASSWORD)' : connection.passwordSource}`,
  );
}

/** A pg client for a connection, connected (exported for `retain doctor`). */
export async function connectPostgres(connection: PostgresConnection): Promise<pg.Client> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    database: connection.database,
    ssl: connection.sslmode && connection.sslmode !== 'disable' && connection.sslmode !== 'prefer' ? { rejectUnauthorized: connection.sslmode === 'verify-full' || connection.sslmode === 'verify-ca' } : undefined,
    types: typeParsers(),
    connectionTimeoutMillis: 15_000,
    application_name: 'retain',
  });
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(connection, error);
  }
  return client;
}

export async function openPostgresWarehouse(connection: PostgresConnection): Promise<Warehouse> {
  const client = await connectPostgres(connection);
  const schema = quoteIdentifier(connection.schema);
  // the schema may not exist yet (before the first run); search_path then simply finds nothing there
  await client.query(`set search_path to ${schema}, public`);
  await client.query("set time zone 'UTC'");
  let cursors = 0;
  const warehouse: Warehouse = {
    type: 'postgres',
    description: `postgres://${connection.user}@${connection.host}:${connection.port}/${connection.database} (schema ${connection.schema})`,
    async query<T extends Row = Row>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params);
      return result.rows as T[];
    },
    async execute(sql, params) {
      await client.query(sql, params);
    },
    async *stream<T extends Row = Row>(sql: string, options: StreamOptions = {}): AsyncIterable<T[]> {
      const pageSize = Math.max(1, Math.floor(options.pageSize ?? 10_000));
      const cursor = `retain_cursor_${++cursors}`;
      await client.query('begin read only');
      try {
        await client.query(`declare ${cursor} no scroll cursor for ${sql}`, options.params);
        for (;;) {
          const page = await client.query(`fetch ${pageSize} from ${cursor}`);
          if (page.rows.length > 0) yield page.rows as T[];
          if (page.rows.length < pageSize) break;
        }
        await client.query(`close ${cursor}`);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        // a consumer that stops early (break) lands here without commit: end the transaction
        await client.query('rollback').catch(() => {});
      }
    },
    async writeTable(table: string, columns: ColumnSpec[], rows: unknown[][], options = {}) {
      const name = warehouse.qualify(table);
      const ddl = columns.map((column) => `${quoteIdentifier(checkIdentifier(column.name, 'column'))} ${TYPES[column.type]}`).join(', ');
      await client.query('begin');
      try {
        // create schema if not exists needs the database's CREATE privilege even when the schema exists
        const exists = await client.query('select 1 from pg_namespace where nspname = $1', [connection.schema]);
        if (exists.rowCount === 0) await client.query(`create schema ${schema}`);
        if ((options.mode ?? 'replace') === 'replace') await client.query(`drop table if exists ${name}`);
        await client.query(`create table if not exists ${name} (${ddl})`);
        // multi-row inserts, at most ~30,000 parameters each (the protocol allows 65,535)
        const perStatement = Math.max(1, Math.floor(30_000 / Math.max(1, columns.length)));
        for (let start = 0; start < rows.length; start += perStatement) {
          const batch = rows.slice(start, start + perStatement);
          const values: unknown[] = [];
          const tuples = batch.map((row) => {
            const slots = columns.map((column, i) => {
              const value = row[i];
              values.push(value === undefined ? null : value);
              return `cast($${values.length} as ${TYPES[column.type]})`;
            });
            return `(${slots.join(', ')})`;
          });
          await client.query(`insert into ${name} values ${tuples.join(', ')}`, values);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      }
    },
    async tableExists(table) {
      const result = await client.query('select count(*) as n from information_schema.tables where table_schema = $1 and table_name = $2', [connection.schema, table]);
      return Number(result.rows[0]?.n ?? 0) > 0;
    },
    async columns(table) {
      const result = await client.query(
        'select lower(column_name) as c from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
        [connection.schema, table],
      );
      return result.rows.map((row: { c: string }) => row.c);
    },
    qualify: (table) => `${schema}.${quoteIdentifier(checkIdentifier(table))}`,
    async close() {
      await client.end();
    },
  };
  return warehouse;
}
