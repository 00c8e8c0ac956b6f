/**
 * File sources on a server target. Only DuckDB reads CSV and Parquet itself, so before dbt runs on
 * another warehouse each configured file glob is read by an in-memory DuckDB (every column as
 * text, exactly as the DuckDB target reads it) and written, page by page, to a table
 * `<schema>.retain_source_<name>` through the Warehouse interface. The table keeps each row's file
 * and 1-based line (_retain_source_file, _retain_source_row_number), so rejected_rows points at
 * the same file and line on every warehouse. dbt then reads the source as {table: ...}.
 *
 * Meant for small and medium files (tests, first steps); at scale, load with the warehouse's own
 * bulk loader (COPY, Snowpipe, BigQuery load jobs) and configure table sources.
 */
import type { ResolvedSource } from '../config/load.js';
import type { SourceName } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { openDuckDb, quoteLiteral } from './duckdb.js';
import type { ColumnSpec, Warehouse } from './index.js';

export const LOADED_SOURCE_PREFIX = 'retain_source_';

export interface LoadedSource {
  source: SourceName;
  table: string;
  rows: number;
  files: number;
}

function reader(source: ResolvedSource): string {
  const path = quoteLiteral(source.path!);
  return source.format === 'parquet'
    ? `read_parquet(${path}, union_by_name = true, filename = '_retain_source_file', file_row_number = true)`
    : `read_csv(${path}, all_varchar = true, header = true, union_by_name = true, filename = '_retain_source_file')`;
}

/**
 * Loads every file source into the warehouse and returns the sources as dbt should read them:
 * file sources replaced by {table: <schema>.retain_source_<name>}, table sources unchanged.
 */
export async function loadFileSources(
  sources: Partial<Record<SourceName, ResolvedSource>>,
  warehouse: Warehouse,
  schema: string,
  options: { pageSize?: number; onSource?: (loaded: LoadedSource) => void } = {},
): Promise<{ sources: Partial<Record<SourceName, ResolvedSource>>; loaded: LoadedSource[] }> {
  const out: Partial<Record<SourceName, ResolvedSource>> = {};
  const loaded: LoadedSource[] = [];
  const files = Object.entries(sources).filter(([, source]) => source?.path) as [SourceName, ResolvedSource][];
  const local = files.length > 0 ? await openDuckDb(':memory:') : undefined;
  try {
    for (const [name, source] of Object.entries(sources) as [SourceName, ResolvedSource][]) {
      if (!source.path) {
        out[name] = source;
        continue;
      }
      const table = LOADED_SOURCE_PREFIX + name;
      const described = await local!.all<{ column_name: string }>(`describe select * from ${reader(source)}`);
      const dataColumns = described.map((row) => row.column_name).filter((column) => column !== '_retain_source_file' && column !== 'file_row_number');
      const columns: ColumnSpec[] = [
        ...dataColumns.map((column) => ({ name: column, type: 'text' as const })),
        { name: '_retain_source_file', type: 'text' },
        { name: '_retain_source_row_number', type: 'bigint' },
      ];
      // the same numbering as duckdb__retain_file_source: 1-based data row within its file
      const rowNumber =
        source.format === 'parquet' ? 'file_row_number + 1' : 'ordinality - min(ordinality) over (partition by _retain_source_file) + 1';
      const from = source.format === 'parquet' ? reader(source) : `${reader(source)} with ordinality`;
      const odd = dataColumns.find((column) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(column));
      if (odd !== undefined) {
        throw new ConfigError(
          `sources.${name}: column ${JSON.stringify(odd)} of ${source.path} is not a plain name (letters, digits, _)`,
          'rename the column in the file header; a warehouse table needs plain column names',
        );
      }
      const select = `select ${dataColumns.map((column) => `cast("${column}" as varchar)`).join(', ')},
        _retain_source_file, cast(${rowNumber} as bigint) from ${from} order by ${dataColumns.length + 1}, ${dataColumns.length + 2}`;
      let rows = 0;
      let first = true;
      const seenFiles = new Set<string>();
      for await (const page of streamRows(local!, select, options.pageSize ?? 20_000)) {
        for (const row of page) seenFiles.add(String(row[dataColumns.length]));
        await warehouse.writeTable(table, columns, page, { mode: first ? 'replace' : 'append' });
        first = false;
        rows += page.length;
      }
      if (first) await warehouse.writeTable(table, columns, [], { mode: 'replace' });
      out[name] = { table: `${schema}.${table}` };
      const result = { source: name, table: `${schema}.${table}`, rows, files: seenFiles.size };
      loaded.push(result);
      options.onSource?.(result);
    }
  } finally {
    local?.close();
  }
  return { sources: out, loaded };
}

async function* streamRows(db: Awaited<ReturnType<typeof openDuckDb>>, sql: string, pageSize: number): AsyncIterable<unknown[][]> {
  const result = await db.connection.stream(sql);
  let page: unknown[][] = [];
  for await (const rows of result.yieldRowsJs()) {
    for (const row of rows) {
      page.push(row.map((value) => (typeof value === 'bigint' ? Number(value) : value)));
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
}
