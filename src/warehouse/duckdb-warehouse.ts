/** The Warehouse interface over a DuckDB file (src/warehouse/duckdb.ts does the connecting). */
import type { DuckDBValue } from '@duckdb/node-api';
import { normalizeValue, openDuckDb, type DuckDb } from './duckdb.js';
import { checkIdentifier, quoteIdentifier, type ColumnSpec, type ColumnType, type Row, type StreamOptions, type Warehouse } from './index.js';
import type { DuckDbConnection } from './target.js';

const TYPES: Record<ColumnType, string> = { text: 'varchar', double: 'double', bigint: 'bigint', boolean: 'boolean', date: 'date', timestamp: 'timestamp' };

function toDuckDbValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export async function openDuckDbWarehouse(connection: DuckDbConnection, options: { readOnly?: boolean } = {}): Promise<Warehouse> {
  const db = await openDuckDb(connection.path, { readOnly: options.readOnly, threads: connection.threads, memoryLimit: connection.memoryLimit });
  // DuckDB 1.5.2 can lose rows when a dynamic join filter is pushed below a DISTINCT (duckdb/duckdb#21757)
  await db.run("SET disabled_optimizers = 'join_filter_pushdown'");
  return duckDbWarehouse(db, connection.path);
}

/** The Warehouse interface over a DuckDB connection that is already open; close() closes it. */
export function duckDbWarehouse(db: DuckDb, description: string): Warehouse {
  const params = (values?: unknown[]) => (values ? values.map(toDuckDbValue) : undefined);
  const warehouse: Warehouse = {
    type: 'duckdb',
    description,
    query: <T extends Row = Row>(sql: string, values?: unknown[]) => db.all<T>(sql, params(values)),
    execute: (sql, values) => db.run(sql, params(values)),
    async *stream<T extends Row = Row>(sql: string, streamOptions: StreamOptions = {}): AsyncIterable<T[]> {
      const pageSize = streamOptions.pageSize ?? 10_000;
      const result = await db.connection.stream(sql, params(streamOptions.params));
      let page: T[] = [];
      for await (const rows of result.yieldRowObjectJs()) {
        for (const row of rows) {
          const out: Row = {};
          for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
          page.push(out as T);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
      if (page.length > 0) yield page;
    },
    async writeTable(table: string, columns: ColumnSpec[], rows: unknown[][], writeOptions = {}) {
      const name = warehouse.qualify(table);
      const ddl = columns.map((column) => `${quoteIdentifier(checkIdentifier(column.name, 'column'))} ${TYPES[column.type]}`).join(', ');
      await db.run('begin transaction');
      try {
        if ((writeOptions.mode ?? 'replace') === 'replace') await db.run(`drop table if exists ${name}`);
        await db.run(`create table if not exists ${name} (${ddl})`);
        const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
        const prepared = await db.connection.prepare(`insert into ${name} values (${placeholders})`);
        for (const row of rows) {
          prepared.bind(row.map(toDuckDbValue));
          await prepared.run();
        }
        await db.run('commit');
      } catch (error) {
        await db.run('rollback');
        throw error;
      }
    },
    async tableExists(table) {
      const rows = await db.all<{ n: number }>('select count(*) as n from information_schema.tables where table_name = $1', [table]);
      return (rows[0]?.n ?? 0) > 0;
    },
    async columns(table) {
      const rows = await db.all<{ c: string }>('select lower(column_name) as c from information_schema.columns where table_name = $1 order by ordinal_position', [table]);
      return rows.map((row) => row.c);
    },
    qualify: (table) => quoteIdentifier(checkIdentifier(table)),
    async close() {
      db.close();
    },
  };
  return warehouse;
}
