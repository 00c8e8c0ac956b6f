/**
 * The Warehouse interface over BigQuery (`@google-cloud/bigquery`). Every query is a job in the
 * target's project with the target dataset as its default dataset, so unqualified table names in
 * the callers' SQL resolve there, as Postgres's search_path does. Results are read in pages of the
 * job's results (jobs.getQueryResults with maxResults and pageToken), one page at a time.
 *
 * The callers' SQL is the portable subset the other warehouses share; two spellings BigQuery does
 * not know are mapped outside string literals and quoted names: positional parameters `$1` become
 * named ones (`@p1`, bound as STRING and cast by the caller's SQL or compared as text), and the
 * type names `double precision` and `varchar` become `float64` and `string`.
 *
 * writeTable is one load job of newline-delimited JSON (WRITE_TRUNCATE or WRITE_APPEND): BigQuery
 * applies a load job whole or not at all, so a reader never sees half a write.
 *
 * Credentials: an OAuth access token (token_env), else a service-account key file (keyfile_env),
 * else application default credentials. With api_endpoint (an emulator on loopback) and no token,
 * a fixed placeholder token is sent.
 */
import { BigQuery, type Job, type Query, type TableField } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { RetainError } from '../errors.js';
import { checkIdentifier, type ColumnSpec, type ColumnType, type Row, type StreamOptions, type Warehouse } from './index.js';
import { BIGQUERY_EMULATOR_TOKEN, type BigQueryConnection } from './target.js';

const TYPES: Record<ColumnType, string> = { text: 'STRING', double: 'FLOAT64', bigint: 'INT64', boolean: 'BOOL', date: 'DATE', timestamp: 'TIMESTAMP' };

/** Backtick-quotes a BigQuery name (project, dataset or table). */
export function quoteBigQueryName(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/**
 * Rewrites the portable spellings BigQuery lacks (see the header), leaving string literals,
 * quoted names and comments alone. Returns the SQL and the number of the highest $n seen.
 */
export function toBigQuerySql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      // a literal or quoted name: copy up to its closing quote (backslash escapes as BigQuery reads them)
      let j = i + 1;
      while (j < sql.length && sql[j] !== ch) j += sql[j] === '\\' ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else {
      const match = /^(?:\$(\d+)|double\s+precision\b|varchar\b)/i.exec(sql.slice(i, i + 20));
      const boundary = i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]!);
      if (match && (match[1] !== undefined || boundary)) {
        out += match[1] !== undefined ? `@p${match[1]}` : /^double/i.test(match[0]) ? 'float64' : 'string';
        i += match[0].length;
      } else {
        out += ch;
        i += 1;
      }
    }
  }
  return out;
}

/** Positional values as named STRING parameters (p1, p2 ...); null stays a typed null. */
function parameters(values: unknown[] | undefined): Pick<Query, 'params' | 'types'> {
  if (!values?.length) return {};
  const params: Record<string, string | null> = {};
  const types: Record<string, string> = {};
  values.forEach((value, i) => {
    params[`p${i + 1}`] = parameterText(value);
    types[`p${i + 1}`] = 'STRING';
  });
  return { params, types };
}

function parameterText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

interface RawCell {
  v: unknown;
}

/** A REST value to the JSON-friendly form every Warehouse returns (see src/warehouse/index.ts). */
function convert(field: TableField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED') return (value as RawCell[]).map((cell) => convert({ ...field, mode: 'NULLABLE' }, cell.v));
  const text = String(value);
  switch (field.type) {
    case 'INTEGER':
    case 'INT64': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'FLOAT':
    case 'FLOAT64':
      return Number(text);
    case 'NUMERIC':
    case 'BIGNUMERIC': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'BOOLEAN':
    case 'BOOL':
      return text.toLowerCase() === 'true';
    case 'TIMESTAMP': {
      // microseconds since the epoch (formatOptions.useInt64Timestamp), or seconds as a float
      const ms = /^-?\d+$/.test(text) ? Number(BigInt(text) / 1000n) : Number(text) * 1000;
      return midnightAsDate(new Date(ms).toISOString());
    }
    case 'DATETIME':
      return midnightAsDate(new Date(text.replace(' ', 'T') + 'Z').toISOString());
    case 'RECORD':
    case 'STRUCT': {
      const cells = (value as { f: RawCell[] }).f;
      return Object.fromEntries((field.fields ?? []).map((inner, i) => [inner.name!, convert(inner, cells[i]?.v)]));
    }
    default:
      return text;
  }
}

/** Midnight timestamps read as dates, as the DuckDB and Postgres implementations give them. */
function midnightAsDate(iso: string): string {
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function toRows<T extends Row>(schema: TableField[], raw: Array<{ f: RawCell[] }>): T[] {
  return raw.map((row) => {
    const out: Row = {};
    schema.forEach((field, i) => (out[field.name!] = convert(field, row.f[i]?.v)));
    return out as T;
  });
}

function connectionError(connection: BigQueryConnection, error: unknown): RetainError {
  const text = error instanceof Error ? error.message : String(error);
  return new RetainError(
    'config',
    `cannot reach bigquery project ${connection.project}${connection.apiEndpoint ? ` at ${connection.apiEndpoint}` : ''}: ${text.split('\n')[0]}`,
    connection.keyfile ? 'check the key file named by keyfile_env and its roles (BigQuery Job User, Data Editor)' : 'check the credentials (keyfile_env, token_env, or application default credentials: gcloud auth application-default login)',
  );
}

/** A BigQuery client for a connection (exported for `retain doctor`). */
export function bigQueryClient(connection: BigQueryConnection): BigQuery {
  const token = connection.token ?? (connection.apiEndpoint ? BIGQUERY_EMULATOR_TOKEN : undefined);
  let authClient: OAuth2Client | undefined;
  if (token) {
    // a fixed access token (token_env): sent as it is, never refreshed
    authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: token });
  }
  return new BigQuery({
    projectId: connection.project,
    location: connection.location,
    keyFilename: token ? undefined : connection.keyfile,
    apiEndpoint: connection.apiEndpoint,
    authClient,
  });
}

export async function openBigQueryWarehouse(connection: BigQueryConnection): Promise<Warehouse> {
  const client = bigQueryClient(connection);
  const dataset = client.dataset(connection.dataset, { location: connection.location });
  const datasetName = `${quoteBigQueryName(connection.project)}.${quoteBigQueryName(connection.dataset)}`;

  const startJob = async (sql: string, values?: unknown[]): Promise<Job> => {
    const [job] = await client.createQueryJob({
      query: toBigQuerySql(sql),
      ...parameters(values),
      useLegacySql: false,
      location: connection.location,
      defaultDataset: { projectId: connection.project, datasetId: connection.dataset },
    });
    return job;
  };

  async function* pages<T extends Row>(sql: string, values: unknown[] | undefined, pageSize: number): AsyncIterable<T[]> {
    const job = await startJob(sql, values);
    let pageToken: string | undefined;
    for (;;) {
      const [raw, , response] = await job.getQueryResults({ maxResults: pageSize, pageToken, autoPaginate: false, skipParsing: true, timeoutMs: 60_000 });
      const schema = response?.schema?.fields ?? [];
      const rows = toRows<T>(schema, (raw ?? []) as unknown as Array<{ f: RawCell[] }>);
      if (rows.length > 0) yield rows;
      pageToken = response?.pageToken ?? undefined;
      if (!pageToken) break;
    }
  }

  const ensureDataset = async () => {
    const [exists] = await dataset.exists();
    if (!exists) await dataset.create({ location: connection.location });
  };

  const warehouse: Warehouse = {
    type: 'bigquery',
    description: `bigquery ${connection.project}.${connection.dataset}${connection.apiEndpoint ? ` at ${connection.apiEndpoint}` : ''}`,
    async query<T extends Row = Row>(sql: string, params?: unknown[]) {
      const out: T[] = [];
      for await (const page of pages<T>(sql, params, 50_000)) out.push(...page);
      return out;
    },
    async execute(sql, params) {
      const job = await startJob(sql, params);
      await job.getQueryResults({ maxResults: 0, autoPaginate: false, skipParsing: true, timeoutMs: 60_000 });
    },
    stream<T extends Row = Row>(sql: string, options: StreamOptions = {}) {
      return pages<T>(sql, options.params, Math.max(1, Math.floor(options.pageSize ?? 10_000)));
    },
    async writeTable(table: string, columns: ColumnSpec[], rows: unknown[][], options = {}) {
      const fields = columns.map((column) => ({ name: checkIdentifier(column.name, 'column'), type: TYPES[column.type], mode: 'NULLABLE' }));
      await ensureDataset();
      // one load job of newline-delimited JSON: all rows or none, and no query to parse
      const body = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column, i) => [column.name, loadValue(row[i], column.type)])))).join('\n');
      const disposition = (options.mode ?? 'replace') === 'replace' ? 'WRITE_TRUNCATE' : 'WRITE_APPEND';
      const target = dataset.table(checkIdentifier(table));
      const job = await new Promise<Job>((resolveJob, reject) => {
        const upload = target.createWriteStream({ sourceFormat: 'NEWLINE_DELIMITED_JSON', schema: { fields }, writeDisposition: disposition, createDisposition: 'CREATE_IF_NEEDED' });
        upload.on('error', reject);
        upload.on('job', (started: Job) => resolveJob(started));
        upload.end(body);
      });
      const [metadata] = await job.promise().then(() => job.getMetadata());
      const failure = (metadata as { status?: { errorResult?: { message?: string } } }).status?.errorResult;
      if (failure) throw new Error(`loading ${table} into ${connection.dataset} failed: ${failure.message ?? 'unknown error'}`);
    },
    async tableExists(table) {
      const [exists] = await dataset.table(checkIdentifier(table)).exists();
      return exists;
    },
    async columns(table) {
      const found = dataset.table(checkIdentifier(table));
      const [exists] = await found.exists();
      if (!exists) return [];
      const [metadata] = await found.getMetadata();
      return ((metadata as { schema?: { fields?: TableField[] } }).schema?.fields ?? []).map((field) => field.name!.toLowerCase());
    },
    qualify: (table) => `${datasetName}.${quoteBigQueryName(checkIdentifier(table))}`,
    async close() {
      // the client holds no connection of its own
    },
  };
  try {
    await client.getDatasets({ maxResults: 1 });
  } catch (error) {
    throw connectionError(connection, error);
  }
  return warehouse;
}

/** A value as a load job reads it from JSON (timestamps as ISO text, large integers as text). */
function loadValue(value: unknown, type: ColumnType): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (type === 'text' && typeof value !== 'string') return typeof value === 'object' ? JSON.stringify(value) : String(value);
  return value;
}
