/**
 * The one small interface the TypeScript side uses to talk to any warehouse (issue 7): run a
 * query, stream a large result in pages (audiences are never loaded whole), and write a small
 * table (bookkeeping such as validation_results or sync_state). One implementation per warehouse:
 * DuckDB (src/warehouse/duckdb-warehouse.ts), Postgres (src/warehouse/postgres.ts), Snowflake
 * (src/warehouse/snowflake.ts) and BigQuery (src/warehouse/bigquery.ts).
 *
 * SQL passed in is the caller's; parameters are positional ($1, $2 ...), which every
 * implementation binds natively. Table names given to the helpers are plain identifiers, resolved
 * in the target's schema (`qualify`). Values come back JSON-friendly and alike on every warehouse:
 * numbers as numbers (BIGINT/NUMERIC outside the safe range as strings), dates as YYYY-MM-DD,
 * timestamps as ISO strings in UTC.
 */
import type { TargetConnection } from './target.js';

export type Row = Record<string, unknown>;

/** The column types writeTable understands; each warehouse spells them its own way. */
export type ColumnType = 'text' | 'double' | 'bigint' | 'boolean' | 'date' | 'timestamp';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface StreamOptions {
  /** rows per page (default 10,000) */
  pageSize?: number;
  params?: unknown[];
}

export interface Warehouse {
  readonly type: TargetConnection['type'];
  /** where results live, for messages (never a secret) */
  readonly description: string;
  /** Runs a query and returns every row: for small results only. */
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a statement, discarding any result. */
  execute(sql: string, params?: unknown[]): Promise<void>;
  /** Runs a query and yields its rows in pages of at most pageSize, holding one page at a time. */
  stream<T extends Row = Row>(sql: string, options?: StreamOptions): AsyncIterable<T[]>;
  /**
   * Writes rows to a table in the target schema: `replace` drops and recreates it, `append`
   * creates it when missing. All rows are written in one transaction.
   */
  writeTable(table: string, columns: ColumnSpec[], rows: unknown[][], options?: { mode?: 'replace' | 'append' }): Promise<void>;
  /** Whether a table or view exists in the target schema. */
  tableExists(table: string): Promise<boolean>;
  /** Column names of a table or view in the target schema (lowercase), empty when it does not exist. */
  columns(table: string): Promise<string[]>;
  /** A table name in the target schema, quoted for this warehouse's SQL. */
  qualify(table: string): string;
  close(): Promise<void>;
}

/** Quotes an identifier with double quotes (DuckDB, Postgres, Snowflake). */
export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Table and column names handed to the helpers: plain identifiers only. */
export function checkIdentifier(name: string, what = 'table'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain ${what} name: ${JSON.stringify(name)}`);
  return name;
}

/** Opens the warehouse of a resolved target. DuckDB: `readOnly` opens the file without a write lock. */
export async function openWarehouse(connection: TargetConnection, options: { readOnly?: boolean } = {}): Promise<Warehouse> {
  switch (connection.type) {
    case 'duckdb': {
      const { openDuckDbWarehouse } = await import('./duckdb-warehouse.js');
      return openDuckDbWarehouse(connection, options);
    }
    case 'postgres': {
      const { openPostgresWarehouse } = await import('./postgres.js');
      return openPostgresWarehouse(connection);
    }
    case 'snowflake': {
      const { openSnowflakeWarehouse } = await import('./snowflake.js');
      return openSnowflakeWarehouse(connection);
    }
    case 'bigquery': {
      const { openBigQueryWarehouse } = await import('./bigquery.js');
      return openBigQueryWarehouse(connection);
    }
  }
}
