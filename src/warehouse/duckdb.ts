import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

/** A plain JSON-friendly row: numbers stay numbers where they fit, BIGINTs become numbers, dates ISO strings. */
export type Row = Record<string, unknown>;

export interface DuckDb {
  /** Runs a statement (or several separated by `;`), discarding results. */
  run(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<void>;
  /** Runs a query and returns all rows as JSON-friendly objects. */
  all<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<T[]>;
  close(): void;
  readonly connection: DuckDBConnection;
}

export interface OpenOptions {
  readOnly?: boolean;
  threads?: number;
  memoryLimit?: string;
}

/** Opens a DuckDB file (or `:memory:`). DuckDB allows one writing process per file: open read-only to inspect. */
export async function openDuckDb(path: string, options: OpenOptions = {}): Promise<DuckDb> {
  const config: Record<string, string> = {};
  if (options.readOnly) config.access_mode = 'READ_ONLY';
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(path, config);
  const connection = await instance.connect();
  return {
    connection,
    async run(sql, params) {
      const started = trace ? Date.now() : 0;
      await connection.run(sql, usedParams(sql, params));
      if (trace) process.stderr.write(`[sql ${Date.now() - started} ms] ${sql.replace(/\s+/g, ' ').slice(0, 120)}\n`);
    },
    async all<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]) {
      const started = trace ? Date.now() : 0;
      const reader = await connection.runAndReadAll(sql, usedParams(sql, params));
      const rows = reader.getRowObjectsJS().map((row) => normalizeRow(row)) as T[];
      if (trace) process.stderr.write(`[sql ${Date.now() - started} ms, ${rows.length} rows] ${sql.replace(/\s+/g, ' ').slice(0, 120)}\n`);
      return rows;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** RETAIN_SQL_TRACE=1 prints every statement's time on stderr (never its parameters). */
const trace = process.env.RETAIN_SQL_TRACE === '1';

/** Named parameters the statement uses (DuckDB refuses unused ones), so callers can pass one set to many statements. */
function usedParams(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Record<string, DuckDBValue> | DuckDBValue[] | undefined {
  if (!params || Array.isArray(params)) return params;
  return Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
}

/** Plain JS values: safe BIGINTs become numbers, dates and timestamps ISO strings (dates as YYYY-MM-DD). */
function normalizeRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(normalizeValue);
  return value;
}

/** Quotes an identifier for DuckDB SQL. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes a string literal for DuckDB SQL. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
