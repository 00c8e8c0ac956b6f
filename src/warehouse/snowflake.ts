/**
 * The Warehouse interface over Snowflake (the Node `snowflake-sdk`). One session per Warehouse.
 *
 * Names: dbt-snowflake creates schemas, tables and columns unquoted, which Snowflake stores in
 * upper case; `qualify` therefore names `"DATABASE"."SCHEMA"."TABLE"` in upper case (plain names
 * only), and result column names come back lower-cased, as the callers' SQL spells them on every
 * warehouse. Parameters: the callers' `$1, $2` become the driver's `?` binds (a repeated `$n` is
 * bound again), outside string literals, quoted names and comments.
 * Times: the driver reads TIMESTAMP_NTZ as UTC wall time and LTZ/TZ as instants, so no session
 * time zone is needed for the interface's UTC ISO strings.
 * Streaming reads the result with the driver's row stream, which downloads Snowflake's result
 * chunks as it goes, so one page at a time is held.
 */
import { createRequire } from 'node:module';
import type { Bind, Binds, Column, Connection, RowStatement } from 'snowflake-sdk';
import { RetainError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { checkIdentifier, type ColumnSpec, type ColumnType, type Row, type StreamOptions, type Warehouse } from './index.js';
import type { SnowflakeConnection } from './target.js';

const TYPES: Record<ColumnType, string> = {
  text: 'varchar',
  double: 'double',
  bigint: 'number(38, 0)',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp_ntz',
};

/** Rows per insert statement (Snowflake takes at most 16,384 rows in one VALUES list). */
const INSERT_ROWS = 1_000;

type SnowflakeSdk = typeof import('snowflake-sdk');
let sdk: SnowflakeSdk | undefined;

/** The driver, loaded on first use (it is large, and only Snowflake targets need it). */
function snowflakeSdk(): SnowflakeSdk {
  if (!sdk) {
    // the driver bundles the AWS SDK (for stage file transfers, which retain does not use), whose
    // notice about its future Node versions would otherwise print on every run
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // the package is CommonJS; require keeps its namespace object whole
    sdk = createRequire(import.meta.url)('snowflake-sdk') as SnowflakeSdk;
    // its own log goes to a file in the working folder by default; errors reach us as exceptions
    sdk.configure({ logLevel: 'OFF', additionalLogToConsole: false });
  }
  return sdk;
}

/** An identifier as Snowflake resolves an unquoted one: plain names upper-cased, then quoted. */
export function snowflakeIdentifier(name: string): string {
  const resolved = /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
  return '"' + resolved.replace(/"/g, '""') + '"';
}

/**
 * Rewrites `$1, $2 ...` placeholders into `?` with the values in the order they appear (Snowflake's
 * positional `?`), leaving string literals, quoted identifiers and comments alone.
 */
export function toSnowflakeBinds(sql: string, params: unknown[] = []): { sqlText: string; binds: Bind[] } {
  const binds: Bind[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    const skip = c === "'" ? /^'(?:[^'\\]|\\.|'')*'/.exec(rest) : c === '"' ? /^"(?:[^"]|"")*"/.exec(rest) : rest.startsWith('--') ? /^--[^\n]*/.exec(rest) : rest.startsWith('/*') ? /^\/\*[\s\S]*?\*\//.exec(rest) : null;
    if (skip) {
      out += skip[0];
      i += skip[0].length;
      continue;
    }
    const placeholder = c === '$' ? /^\$(\d+)/.exec(rest) : null;
    if (placeholder) {
      const index = Number(placeholder[1]) - 1;
      if (index < 0 || index >= params.length) throw new Error(`placeholder ${placeholder[0]} has no parameter (${params.length} given)`);
      binds.push(toBind(params[index]));
      out += '?';
      i += placeholder[0].length;
      continue;
    }
    out += c;
    i += 1;
  }
  return { sqlText: out, binds };
}

function toBind(value: unknown): Bind {
  if (value === undefined || value === null) return null as unknown as Bind;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Numbers come as text (fetchAsString) so integers beyond 2^53 stay exact, as strings. */
function toNumber(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) ? n : text;
}

/** A driver value in the interface's JSON-friendly form (the same as DuckDB and Postgres give). */
function normalize(value: unknown, column: Column | undefined): unknown {
  if (value === null || value === undefined) return null;
  const type = column?.getType();
  if (type === 'number' || type === 'real' || type === 'fixed') return typeof value === 'string' ? toNumber(value) : value;
  if (value instanceof Date) {
    if (type === 'date') return value.toISOString().slice(0, 10);
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') && type === 'timestamp_ntz' ? iso.slice(0, 10) : iso;
  }
  return value;
}

function rowMapper(columns: Column[] | undefined): (row: Row) => Row {
  const byName = new Map((columns ?? []).map((column) => [column.getName(), column]));
  return (row) => {
    const out: Row = {};
    for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = normalize(value, byName.get(key));
    return out;
  };
}

function connectionError(connection: SnowflakeConnection, error: unknown): RetainError {
  const message = redactSecrets(error instanceof Error ? error.message : String(error), { ...process.env, RETAIN_TARGET_PASSWORD: connection.password });
  return new RetainError(
    'config',
    `cannot connect to snowflake account ${connection.account} as ${connection.user} (database ${connection.database}): ${message}`,
    `check account, user, role, warehouse and database in retain.yml; the password comes from ${connection.passwordSource === 'none' ? 'nowhere (set password_env or SNOWFLAKE_PASSWORD)' : connection.passwordSource}`,
  );
}

/** A connected driver session for a target (exported for `retain doctor`). */
export async function connectSnowflake(connection: SnowflakeConnection): Promise<Connection> {
  const driver = snowflakeSdk();
  const session = driver.createConnection({
    account: connection.account,
    username: connection.user,
    password: connection.password,
    role: connection.role,
    warehouse: connection.warehouse,
    database: connection.database,
    // unqualified names in the callers' SQL resolve in the target schema (it may not exist yet)
    schema: connection.schema,
    // an explicit host (a private link, an emulator) overrides the account's own address
    accessUrl: connection.host ? `${connection.protocol ?? 'https'}://${connection.host}${connection.port ? `:${connection.port}` : ''}` : undefined,
    application: 'retain',
    // with fetchAsString the driver spells a null as the text 'NULL' unless told otherwise
    representNullAsStringNull: false,
    timeout: 60_000,
  });
  try {
    await new Promise<void>((resolve, reject) => session.connect((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    throw connectionError(connection, error);
  }
  return session;
}

function execute(session: Connection, sql: string, params: unknown[] | undefined, streamResult = false): Promise<{ statement: RowStatement; rows: Row[] }> {
  const { sqlText, binds } = toSnowflakeBinds(sql, params);
  return new Promise((resolve, reject) => {
    session.execute({
      sqlText,
      binds: binds.length > 0 ? (binds as Binds) : undefined,
      streamResult,
      fetchAsString: ['Number', 'JSON'],
      complete: (error, statement, rows) => (error ? reject(new Error(`${error.message}\n  in: ${sqlText.slice(0, 300)}`)) : resolve({ statement, rows: (rows ?? []) as Row[] })),
    });
  });
}

export async function openSnowflakeWarehouse(connection: SnowflakeConnection): Promise<Warehouse> {
  const session = await connectSnowflake(connection);
  const database = snowflakeIdentifier(connection.database);
  const schema = `${database}.${snowflakeIdentifier(connection.schema)}`;
  const plainUpper = (name: string) => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toUpperCase() : name);
  const run = async (sql: string, params?: unknown[]) => {
    const { statement, rows } = await execute(session, sql, params);
    const map = rowMapper(statement.getColumns());
    return rows.map(map);
  };
  const warehouse: Warehouse = {
    type: 'snowflake',
    description: `snowflake ${connection.account}/${connection.database}.${connection.schema}`,
    query: <T extends Row = Row>(sql: string, params?: unknown[]) => run(sql, params) as Promise<T[]>,
    async execute(sql, params) {
      await run(sql, params);
    },
    async *stream<T extends Row = Row>(sql: string, options: StreamOptions = {}): AsyncIterable<T[]> {
      const pageSize = Math.max(1, Math.floor(options.pageSize ?? 10_000));
      const { statement } = await execute(session, sql, options.params, true);
      const map = rowMapper(statement.getColumns());
      let page: T[] = [];
      for await (const row of statement.streamRows()) {
        page.push(map(row as Row) as T);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async writeTable(table: string, columns: ColumnSpec[], rows: unknown[][], options = {}) {
      const name = warehouse.qualify(table);
      const ddl = columns.map((column) => `${snowflakeIdentifier(checkIdentifier(column.name, 'column'))} ${TYPES[column.type]}`).join(', ');
      await run(`create schema if not exists ${schema}`);
      // DDL commits on Snowflake, so the table is (re)created first and the rows go in one transaction
      if ((options.mode ?? 'replace') === 'replace') await run(`create or replace table ${name} (${ddl})`);
      else await run(`create table if not exists ${name} (${ddl})`);
      if (rows.length === 0) return;
      await run('begin');
      try {
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        for (let start = 0; start < rows.length; start += INSERT_ROWS) {
          const batch = rows.slice(start, start + INSERT_ROWS);
          const binds = batch.flatMap((row) => columns.map((_, i) => toBind(row[i])));
          await new Promise<void>((resolve, reject) =>
            session.execute({
              sqlText: `insert into ${name} values ${batch.map(() => tuple).join(', ')}`,
              binds: binds as Binds,
              complete: (error) => (error ? reject(error) : resolve()),
            }),
          );
        }
        await run('commit');
      } catch (error) {
        await run('rollback').catch(() => {});
        throw error;
      }
    },
    async tableExists(table) {
      // Snowflake lists views in information_schema.tables too; fakesnow only in .views, so both
      const [where, params] = ['where table_schema = $1 and table_name = $2', [plainUpper(connection.schema), plainUpper(table)]] as const;
      const rows = await run(
        `select (select count(*) from ${database}.information_schema.tables ${where}) + (select count(*) from ${database}.information_schema.views ${where}) as n`,
        [...params],
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
    async columns(table) {
      const rows = await run(
        `select lower(column_name) as c from ${database}.information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
        [plainUpper(connection.schema), plainUpper(table)],
      );
      return rows.map((row) => String(row.c));
    },
    qualify: (table) => `${schema}.${snowflakeIdentifier(checkIdentifier(table))}`,
    async close() {
      await new Promise<void>((resolve) => session.destroy(() => resolve()));
    },
  };
  return warehouse;
}
