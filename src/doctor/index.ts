/**
 * `retain doctor`: can this target run Retain? Each step is tried for real, in order, and says
 * precisely what is missing: the dbt adapter, the connection (and where its password comes from,
 * never the value), creating the schema and a table in it, and reading every source. Steps after
 * a failed connection are skipped. Collecting is separate from printing (cli/doctor.ts).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { dbtExecutable } from '../dbt/runner.js';
import { packageRoot } from '../project.js';
import { redactSecrets } from '../redact.js';
import { openDuckDb, quoteLiteral } from '../warehouse/duckdb.js';
import { openWarehouse, type Warehouse } from '../warehouse/index.js';
import { snowflakeIdentifier } from '../warehouse/snowflake.js';
import { describeTarget, type BigQueryConnection, type TargetConnection } from '../warehouse/target.js';

export type DoctorStatus = 'ok' | 'fail' | 'skip';

export interface DoctorCheck {
  check: string;
  status: DoctorStatus;
  detail: string;
  /** what to do about a failure */
  hint?: string;
}

export interface DoctorReport {
  target: string;
  type: TargetConnection['type'];
  where: string;
  ok: boolean;
  checks: DoctorCheck[];
}

const ADAPTER_MODULE: Record<TargetConnection['type'], string> = {
  duckdb: 'dbt.adapters.duckdb',
  postgres: 'dbt.adapters.postgres',
  snowflake: 'dbt.adapters.snowflake',
  bigquery: 'dbt.adapters.bigquery',
};

function message(error: unknown, secrets: Record<string, string> = {}): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactSecrets(text.split('\n')[0]!, { ...process.env, ...secrets });
}

function adapterCheck(type: TargetConnection['type']): DoctorCheck {
  let dbt: string;
  try {
    dbt = dbtExecutable();
  } catch (error) {
    return { check: 'dbt adapter', status: 'fail', detail: message(error), hint: 'run `npm install` (it installs dbt and the adapters of requirements.txt)' };
  }
  const python = join(dirname(dbt), process.platform === 'win32' ? 'python.exe' : 'python');
  const module = ADAPTER_MODULE[type];
  if (!existsSync(python)) return { check: 'dbt adapter', status: 'skip', detail: `dbt is ${dbt} (not in a virtual environment; the adapter was not checked)` };
  const probe = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.status === 0) return { check: 'dbt adapter', status: 'ok', detail: `dbt-${type} is installed (${module})` };
  const extra = join(packageRoot(), `requirements-${type}.txt`);
  const install = existsSync(extra)
    ? `install it with \`${join(dirname(dbt), 'pip')} install -r ${extra}\` (it is not part of npm install)`
    : `add dbt-${type} to requirements.txt and run \`npm install\`, or install it into that environment`;
  return { check: 'dbt adapter', status: 'fail', detail: `dbt-${type} is not installed next to ${dbt}`, hint: install };
}

async function serverChecks(resolved: ResolvedConfig, connection: Exclude<TargetConnection, { type: 'duckdb' }>, checks: DoctorCheck[]): Promise<void> {
  const secrets: Record<string, string> = 'password' in connection ? { RETAIN_TARGET_PASSWORD: connection.password } : {};
  if ('passwordSource' in connection) {
    checks.push({ check: 'credentials', status: 'ok', detail: connection.passwordSource === 'none' ? 'no password set (trust, peer or certificate authentication)' : `password from ${connection.passwordSource}` });
  }
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse(connection);
  } catch (error) {
    const hint = error instanceof Error && 'hint' in error ? String((error as { hint?: string }).hint ?? '') : '';
    checks.push({ check: 'connect', status: 'fail', detail: message(error, secrets), hint: hint || undefined });
    for (const check of ['create schema', 'create table', 'sources']) checks.push({ check, status: 'skip', detail: 'needs a connection' });
    return;
  }
  try {
    const snowflake = connection.type === 'snowflake' ? connection : undefined;
    const bigquery = connection.type === 'bigquery' ? connection : undefined;
    // BigQuery has no version(): the connection was proved by listing datasets (openWarehouse)
    const versionSql = snowflake ? "select 'Snowflake ' || current_version() as v" : bigquery ? "select 'BigQuery' as v" : 'select version() as v';
    const [version] = await warehouse.query<{ v: string }>(versionSql).catch(() => [{ v: 'unknown version' }]);
    checks.push({ check: 'connect', status: 'ok', detail: `${describeTarget(connection)}: ${String(version?.v ?? '').split(' on ')[0]}` });
    const schema = bigquery ? bigquery.dataset : (connection as Exclude<typeof connection, { type: 'bigquery' }>).schema;
    const user = 'user' in connection ? connection.user : 'the service account';
    const quotedSchema = '"' + schema.replace(/"/g, '""') + '"';
    // Snowflake: names in the database's information schema, upper case as unquoted names are stored;
    // privileges are granted to roles. BigQuery: a dataset, through the API; roles are IAM roles.
    const grantee = snowflake ? `role ${snowflake.role ?? '<your role>'}` : user;
    const database = snowflake ? snowflakeIdentifier(snowflake.database) : '';
    const schemaStep: { exists: () => Promise<boolean>; create: () => Promise<void> } = bigquery
      ? bigQueryDatasetStep(bigquery)
      : snowflake
        ? sqlSchemaStep(warehouse, `select count(*) as n from ${database}.information_schema.schemata where schema_name = $1`, snowflakeIdentifier(schema).slice(1, -1).replace(/""/g, '"'), `create schema ${database}.${snowflakeIdentifier(schema)}`)
        : sqlSchemaStep(warehouse, 'select count(*) as n from pg_namespace where nspname = $1', schema, `create schema ${quotedSchema}`);
    const noun = bigquery ? 'dataset' : 'schema';
    let schemaOk = false;
    try {
      if (await schemaStep.exists()) {
        checks.push({ check: 'create schema', status: 'ok', detail: `${noun} ${schema} exists` });
      } else {
        await schemaStep.create();
        checks.push({ check: 'create schema', status: 'ok', detail: `${noun} ${schema} was created` });
      }
      schemaOk = true;
    } catch (error) {
      checks.push({
        check: 'create schema',
        status: 'fail',
        detail: `cannot create ${noun} ${schema}: ${message(error, secrets)}`,
        hint: bigquery
          ? `create the dataset (bq mk --location ${bigquery.location ?? 'US'} ${bigquery.project}:${schema}), or grant roles/bigquery.user on project ${bigquery.project} to ${grantee} (bigquery.datasets.create)`
          : snowflake
            ? `grant create schema on database ${snowflake.database} to ${grantee}`
            : `as an owner: create schema ${schema} authorization ${user}; or grant create on database ${'database' in connection ? connection.database : '<database>'} to ${user}`,
      });
    }
    if (schemaOk) {
      const probe = `retain_doctor_probe_${process.pid}`;
      try {
        await warehouse.writeTable(probe, [{ name: 'checked_at', type: 'timestamp' }], [[new Date().toISOString()]]);
        const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${warehouse.qualify(probe)}`);
        await warehouse.execute(`drop table ${warehouse.qualify(probe)}`);
        checks.push({ check: 'create table', status: row?.n === 1 ? 'ok' : 'fail', detail: `created, wrote, read and dropped ${schema}.${probe}` });
      } catch (error) {
        checks.push({
          check: 'create table',
          status: 'fail',
          detail: `cannot create a table in ${schema}: ${message(error, secrets)}`,
          hint: bigquery
            ? `grant roles/bigquery.dataEditor on dataset ${bigquery.project}.${schema} and roles/bigquery.jobUser on project ${bigquery.project} to ${grantee}`
            : snowflake ? `grant usage, create table on schema ${snowflake.database}.${schema} to ${grantee}` : `grant usage, create on schema ${schema} to ${user}`,
        });
      }
    } else {
      checks.push({ check: 'create table', status: 'skip', detail: `needs the ${noun} ${schema}` });
    }
    for (const [name, source] of Object.entries(resolved.sources)) {
      if (!source) continue;
      if (source.path) {
        checks.push(await fileSourceCheck(name, source.path, source.format ?? 'csv', `loaded into ${schema}.retain_source_${name} by retain run`));
        continue;
      }
      const table = source.table!;
      try {
        const quote = snowflake ? snowflakeIdentifier : bigquery ? (await import('../warehouse/bigquery.js')).quoteBigQueryName : (part: string) => '"' + part.replace(/"/g, '""') + '"';
        // a name of one or two parts is in the target's database (BigQuery: project) as dbt reads it
        await warehouse.query(`select * from ${table.split('.').map(quote).join('.')} where 1 = 0`);
        checks.push({ check: `source ${name}`, status: 'ok', detail: `table ${table} is readable` });
      } catch (error) {
        checks.push({
          check: `source ${name}`,
          status: 'fail',
          detail: `cannot read table ${table}: ${message(error, secrets)}`,
          hint: bigquery
            ? `check the name (sources.${name}.table) and grant roles/bigquery.dataViewer on its dataset to ${grantee}`
            : `check the name (sources.${name}.table) and grant select on ${table} (and usage on its ${snowflake ? 'database and ' : ''}schema) to ${grantee}`,
        });
      }
    }
  } finally {
    await warehouse.close();
  }
}

/** Whether a schema exists (a count query on its name) and how to create it, in SQL. */
function sqlSchemaStep(warehouse: Warehouse, existsSql: string, name: string, createSql: string) {
  return {
    // create schema if not exists needs the database's CREATE privilege even when the schema exists
    exists: async () => ((await warehouse.query<{ n: number }>(existsSql, [name]))[0]?.n ?? 0) > 0,
    create: () => warehouse.execute(createSql),
  };
}

/** A BigQuery dataset through the API (datasets.get, datasets.insert in the target's location). */
function bigQueryDatasetStep(connection: BigQueryConnection) {
  // one client, loaded only for a BigQuery target (the client library takes a while to import)
  const dataset = import('../warehouse/bigquery.js').then(({ bigQueryClient }) => bigQueryClient(connection).dataset(connection.dataset, { location: connection.location }));
  return {
    exists: async () => (await (await dataset).exists())[0],
    create: async () => {
      await (await dataset).create({ location: connection.location });
    },
  };
}

async function fileSourceCheck(name: string, path: string, format: string, note: string): Promise<DoctorCheck> {
  const db = await openDuckDb(':memory:');
  try {
    const reader = format === 'parquet' ? `read_parquet(${quoteLiteral(path)}, union_by_name = true)` : `read_csv(${quoteLiteral(path)}, all_varchar = true, header = true, union_by_name = true)`;
    const columns = await db.all(`describe select * from ${reader}`);
    return { check: `source ${name}`, status: 'ok', detail: `${path}: ${columns.length} columns readable; ${note}` };
  } catch (error) {
    return { check: `source ${name}`, status: 'fail', detail: `cannot read ${path}: ${message(error)}`, hint: `check sources.${name}.path (relative to retain.yml) and the file's format` };
  } finally {
    db.close();
  }
}

async function duckdbChecks(resolved: ResolvedConfig, checks: DoctorCheck[]): Promise<void> {
  const folder = dirname(resolved.warehousePath);
  try {
    accessSync(existsSync(folder) ? folder : dirname(folder), constants.W_OK);
    checks.push({ check: 'create table', status: 'ok', detail: `${folder} is writable (the DuckDB file is built beside it and swapped in)` });
  } catch (error) {
    checks.push({ check: 'create table', status: 'fail', detail: `${folder} is not writable: ${message(error)}`, hint: 'choose another warehouse.path or fix the folder permissions' });
  }
  if (existsSync(resolved.warehousePath)) {
    try {
      const db = await openDuckDb(resolved.warehousePath, { readOnly: true });
      db.close();
      checks.push({ check: 'connect', status: 'ok', detail: `${resolved.warehousePath} opens` });
    } catch (error) {
      checks.push({ check: 'connect', status: 'fail', detail: `${resolved.warehousePath} does not open: ${message(error)}`, hint: 'another process may hold it for writing (a retain run or dbt), or it is not a DuckDB file' });
    }
  } else {
    checks.push({ check: 'connect', status: 'ok', detail: `${resolved.warehousePath} does not exist yet; retain run creates it` });
  }
  for (const [name, source] of Object.entries(resolved.sources)) {
    if (!source) continue;
    if (source.path) checks.push(await fileSourceCheck(name, source.path, source.format ?? 'csv', 'read by DuckDB'));
    else checks.push({ check: `source ${name}`, status: 'skip', detail: `table ${source.table} is checked by dbt when it runs` });
  }
}

export async function runDoctor(resolved: ResolvedConfig): Promise<DoctorReport> {
  const connection = resolved.connection;
  const checks: DoctorCheck[] = [adapterCheck(connection.type)];
  if (connection.type === 'duckdb') await duckdbChecks(resolved, checks);
  else await serverChecks(resolved, connection, checks);
  return { target: resolved.targetName, type: connection.type, where: describeTarget(connection), ok: checks.every((check) => check.status !== 'fail'), checks };
}
