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
 * Writes go to a scratch table first and reach the target in one statement (`create or replace
 * table ... as select`, or `insert ... select`), so a reader never sees half a write: BigQuery has
 * no multi-statement transaction outside scripts and sessions.
 *
 * Credentials: an OAuth access token (token_env), else a service-account key file (keyfile_env),
 * else application default credentials. With api_endpoint (an emulator on loopback) and no token,
 * a fixed placeholder token is sent.
 */
import { BigQuery, type Job, type Query, type TableField } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { RetainError } from '../errors.js';
import { checkIdentifier, type ColumnSpec, type ColumnType, type Row, type StreamOptions, type Warehouse } from './index.js';
import type { BigQueryConnection } from './target.js';

const TYPES: Record<ColumnType, string> = { text: 'STRING', double: 'FLOAT64', bigint: 'INT64', boolean: 'BOOL', date: 'DATE', timestamp: 'TIMESTAMP' };

/** BigQuery's limit is 10,000 parameters per query; stay well below it. */
const MAX_PARAMETERS = 8_000;

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

/**
 * The token sent to an emulator (api_endpoint): it checks no credentials, and a fixed token keeps
 * the client library from looking for real ones (application default credentials would probe the
 * cloud metadata server, an address outside this machine).
 */
const EMULATOR_TOKEN = 'retain-emulator';

/** A BigQuery client for a connection (exported for `retain doctor`). */
export function bigQueryClient(connection: BigQueryConnection): BigQuery {
  const token = connection.token ?? (connection.apiEndpoint ? EMULATOR_TOKEN : undefined);
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
  let scratch = 0;

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
      const target = warehouse.qualify(table);
      const names = columns.map((column) => quoteBigQueryName(checkIdentifier(column.name, 'column')));
      const ddl = columns.map((column, i) => `${names[i]} ${TYPES[column.type]}`).join(', ');
      await ensureDataset();
      // rows go to a scratch table, then reach the target in one statement
      const staging = warehouse.qualify(`_retain_write_${process.pid}_${++scratch}_${checkIdentifier(table)}`.slice(0, 1000));
      await warehouse.execute(`create or replace table ${staging} (${ddl})`);
      try {
        const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length)));
        for (let start = 0; start < rows.length; start += perStatement) {
          const batch = rows.slice(start, start + perStatement);
          const values: unknown[] = [];
          const tuples = batch.map((row) => {
            const slots = columns.map((column, i) => {
              values.push(row[i] === undefined ? null : row[i]);
              return castParameter(values.length, column.type);
            });
            return `(${slots.join(', ')})`;
          });
          await warehouse.execute(`insert into ${staging} (${names.join(', ')}) values ${tuples.join(', ')}`, values);
        }
        if ((options.mode ?? 'replace') === 'replace' || !(await warehouse.tableExists(table))) {
          await warehouse.execute(`create or replace table ${target} as select * from ${staging}`);
        } else {
          await warehouse.execute(`insert into ${target} (${names.join(', ')}) select ${names.join(', ')} from ${staging}`);
        }
      } finally {
        await warehouse.execute(`drop table if exists ${staging}`).catch(() => {});
      }
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

/** A STRING parameter cast to its column's type (timestamps given as ISO text with a Z). */
function castParameter(index: number, type: ColumnType): string {
  if (type === 'text') return `@p${index}`;
  if (type === 'timestamp') return `timestamp(replace(@p${index}, 'Z', ''), 'UTC')`;
  return `cast(@p${index} as ${TYPES[type]})`;
}
