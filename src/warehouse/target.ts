/**
 * A retain.yml target resolved into what both sides need: the connection for Node (src/warehouse)
 * and the dbt profile (src/dbt/runner.ts). Secrets are read from the environment into memory only:
 * the written profile names the variable (`{{ env_var('RETAIN_DBT_PASSWORD') }}`), and the runner
 * passes the value to the dbt process in that variable, so no secret is ever written to disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { BigQueryTargetConfig, DbtProfileRef, PostgresTargetConfig, SnowflakeTargetConfig, TargetConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';

/** The variable the runner sets for dbt with the target's password (never on disk). */
export const DBT_PASSWORD_ENV = 'RETAIN_DBT_PASSWORD';

/**
 * The token sent to a BigQuery emulator (api_endpoint without token_env): it checks no
 * credentials, and a fixed token keeps the Google clients from looking for real ones (application
 * default credentials would probe the cloud metadata server, an address outside this machine).
 */
export const BIGQUERY_EMULATOR_TOKEN = 'retain-emulator';

export interface DuckDbConnection {
  type: 'duckdb';
  path: string;
  threads?: number;
  memoryLimit?: string;
}

export interface PostgresConnection {
  type: 'postgres';
  host: string;
  port: number;
  user: string;
  /** in memory only; '' when none is set (trust or peer authentication) */
  password: string;
  /** where the password came from, for messages (never the value) */
  passwordSource: string;
  database: string;
  schema: string;
  sslmode?: PostgresTargetConfig['sslmode'];
  threads: number;
}

export interface SnowflakeConnection {
  type: 'snowflake';
  account: string;
  user: string;
  password: string;
  passwordSource: string;
  role?: string;
  warehouse?: string;
  database: string;
  schema: string;
  host?: string;
  port?: number;
  protocol?: 'https' | 'http';
  threads: number;
}

export interface BigQueryConnection {
  type: 'bigquery';
  project: string;
  dataset: string;
  location?: string;
  keyfile?: string;
  /** an OAuth access token from token_env, in memory only */
  token?: string;
  apiEndpoint?: string;
  threads: number;
}

export type TargetConnection = DuckDbConnection | PostgresConnection | SnowflakeConnection | BigQueryConnection;

/** A short description for messages: where results go, never a secret. */
export function describeTarget(connection: TargetConnection): string {
  switch (connection.type) {
    case 'duckdb':
      return connection.path;
    case 'postgres':
      return `postgres://${connection.user}@${connection.host}:${connection.port}/${connection.database} (schema ${connection.schema})`;
    case 'snowflake':
      return `snowflake ${connection.account}/${connection.database}.${connection.schema}`;
    case 'bigquery':
      return `bigquery ${connection.project}.${connection.dataset}`;
  }
}

/** Renders the only templating a profile may use here: {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }}. */
function renderProfileValue(value: unknown, where: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value !== 'string' || !value.includes('{{')) return value;
  const rendered = value.replace(/\{\{\s*env_var\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)\s*(?:\|\s*int\s*)?\}\}/g, (_, _q, name: string, _q2, fallback: string | undefined) => {
    const found = env[name] ?? fallback;
    if (found === undefined) throw new ConfigError(`${where}: environment variable ${name} is not set`, `export ${name}=... before running retain`);
    return found;
  });
  if (rendered.includes('{{') || rendered.includes('{%')) {
    throw new ConfigError(`${where}: only {{ env_var('NAME') }} templating is supported in a referenced dbt profile`, 'set the value in retain.yml instead');
  }
  return rendered;
}

/** The output of an existing dbt profile, with env_var templates rendered (values stay in memory). */
export function readDbtProfileOutput(ref: DbtProfileRef, configDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const dir = ref.profiles_dir ? (isAbsolute(ref.profiles_dir) ? ref.profiles_dir : resolve(configDir, ref.profiles_dir)) : (env.DBT_PROFILES_DIR ?? join(homedir(), '.dbt'));
  const file = join(dir, 'profiles.yml');
  if (!existsSync(file)) throw new ConfigError(`dbt_profile: ${file} does not exist`, 'set dbt_profile.profiles_dir to the folder holding profiles.yml');
  const profiles = parseYaml(readFileSync(file, 'utf8')) as Record<string, { target?: string; outputs?: Record<string, Record<string, unknown>> }> | null;
  const profile = profiles?.[ref.name];
  if (!profile?.outputs) throw new ConfigError(`dbt_profile: no profile "${ref.name}" with outputs in ${file}`, `profiles there: ${Object.keys(profiles ?? {}).join(', ') || 'none'}`);
  const outputName = ref.target ?? (renderProfileValue(profile.target, `${file}: ${ref.name}.target`, env) as string | undefined);
  const output = outputName ? profile.outputs[outputName] : undefined;
  if (!output) throw new ConfigError(`dbt_profile: profile "${ref.name}" has no output "${outputName ?? '(no target)'}" in ${file}`, `outputs: ${Object.keys(profile.outputs).join(', ')}`);
  return Object.fromEntries(Object.entries(output).map(([key, value]) => [key, renderProfileValue(value, `${file}: ${ref.name}.outputs.${outputName}.${key}`, env)]));
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function num(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${where}: expected a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

function secretFrom(varName: string | undefined, fallbackVar: string, profileValue: unknown, env: NodeJS.ProcessEnv): { value: string; source: string } {
  if (varName) {
    const value = env[varName];
    if (value === undefined) throw new ConfigError(`password_env: environment variable ${varName} is not set`, `export ${varName}=... before running retain`);
    return { value, source: `$${varName}` };
  }
  if (str(profileValue) !== undefined) return { value: String(profileValue), source: 'the dbt profile' };
  if (env[fallbackVar] !== undefined) return { value: env[fallbackVar]!, source: `$${fallbackVar}` };
  return { value: '', source: 'none' };
}

function postgresConnection(target: PostgresTargetConfig, configDir: string, env: NodeJS.ProcessEnv): PostgresConnection {
  const profile = target.dbt_profile ? readDbtProfileOutput(target.dbt_profile, configDir, env) : {};
  if (target.dbt_profile && profile.type !== undefined && profile.type !== 'postgres') {
    throw new ConfigError(`dbt_profile: the output is of type ${String(profile.type)}, the target is postgres`, 'point dbt_profile at a postgres output');
  }
  const user = target.user ?? str(profile.user) ?? env.PGUSER;
  if (!user) throw new ConfigError('the postgres target has no user', 'set user: in retain.yml, PGUSER, or dbt_profile');
  const password = secretFrom(target.password_env, 'PGPASSWORD', profile.password ?? profile.pass, env);
  return {
    type: 'postgres',
    host: target.host ?? str(profile.host) ?? env.PGHOST ?? 'localhost',
    port: target.port ?? num(profile.port, 'dbt_profile port') ?? num(env.PGPORT, 'PGPORT') ?? 5432,
    user,
    password: password.value,
    passwordSource: password.source,
    database: target.database ?? str(profile.dbname ?? profile.database) ?? env.PGDATABASE ?? 'postgres',
    schema: target.schema ?? str(profile.schema) ?? 'retain',
    sslmode: target.sslmode ?? (str(profile.sslmode) as PostgresTargetConfig['sslmode']),
    threads: target.threads ?? num(profile.threads, 'dbt_profile threads') ?? 2,
  };
}

function snowflakeConnection(target: SnowflakeTargetConfig, configDir: string, env: NodeJS.ProcessEnv): SnowflakeConnection {
  const profile = target.dbt_profile ? readDbtProfileOutput(target.dbt_profile, configDir, env) : {};
  const account = target.account ?? str(profile.account) ?? env.SNOWFLAKE_ACCOUNT;
  const user = target.user ?? str(profile.user) ?? env.SNOWFLAKE_USER;
  const database = target.database ?? str(profile.database) ?? env.SNOWFLAKE_DATABASE;
  if (!account || !user || !database) {
    const missing = [!account && 'account', !user && 'user', !database && 'database'].filter(Boolean).join(', ');
    throw new ConfigError(`the snowflake target has no ${missing}`, 'set them in retain.yml, in SNOWFLAKE_ACCOUNT/SNOWFLAKE_USER/SNOWFLAKE_DATABASE, or through dbt_profile');
  }
  const password = secretFrom(target.password_env, 'SNOWFLAKE_PASSWORD', profile.password, env);
  return {
    type: 'snowflake',
    account,
    user,
    password: password.value,
    passwordSource: password.source,
    role: target.role ?? str(profile.role),
    warehouse: target.warehouse ?? str(profile.warehouse),
    database,
    schema: target.schema ?? str(profile.schema) ?? 'retain',
    host: target.host ?? str(profile.host),
    port: target.port ?? num(profile.port, 'dbt_profile port'),
    protocol: target.protocol ?? (str(profile.protocol) as 'https' | 'http' | undefined),
    threads: target.threads ?? num(profile.threads, 'dbt_profile threads') ?? 2,
  };
}

function bigqueryConnection(target: BigQueryTargetConfig, configDir: string, env: NodeJS.ProcessEnv): BigQueryConnection {
  const profile = target.dbt_profile ? readDbtProfileOutput(target.dbt_profile, configDir, env) : {};
  const project = target.project ?? str(profile.project) ?? env.GOOGLE_CLOUD_PROJECT;
  if (!project) throw new ConfigError('the bigquery target has no project', 'set project: in retain.yml, GOOGLE_CLOUD_PROJECT, or dbt_profile');
  let keyfile = str(profile.keyfile);
  if (target.keyfile_env) {
    keyfile = env[target.keyfile_env];
    if (!keyfile) throw new ConfigError(`keyfile_env: environment variable ${target.keyfile_env} is not set`, `export ${target.keyfile_env}=/path/to/key.json`);
  }
  let token: string | undefined;
  if (target.token_env) {
    token = env[target.token_env];
    if (!token) throw new ConfigError(`token_env: environment variable ${target.token_env} is not set`, `export ${target.token_env}=$(gcloud auth print-access-token)`);
  }
  return {
    type: 'bigquery',
    project,
    dataset: target.dataset ?? str(profile.dataset ?? profile.schema) ?? 'retain',
    location: target.location ?? str(profile.location),
    keyfile,
    token,
    apiEndpoint: target.api_endpoint ?? str(profile.api_endpoint),
    threads: target.threads ?? num(profile.threads, 'dbt_profile threads') ?? 2,
  };
}

/** Resolves a target into a connection (reads the environment and any referenced dbt profile). */
export function resolveConnection(target: TargetConfig, configDir: string, warehousePath: string, env: NodeJS.ProcessEnv = process.env): TargetConnection {
  switch (target.type) {
    case 'duckdb':
      return { type: 'duckdb', path: warehousePath, threads: target.threads, memoryLimit: target.memory_limit };
    case 'postgres':
      return postgresConnection(target, configDir, env);
    case 'snowflake':
      return snowflakeConnection(target, configDir, env);
    case 'bigquery':
      return bigqueryConnection(target, configDir, env);
  }
}

const q = (value: string | number) => JSON.stringify(value);

/**
 * The profiles.yml body for a connection (profile `retain`, output `retain`), and the environment
 * the dbt process needs for it. DuckDB's path may be overridden (the build copy of a run).
 */
export function dbtProfileFor(connection: TargetConnection, options: { duckdbPath?: string } = {}): { yaml: string; env: Record<string, string> } {
  const head = '# written by retain for each run; edit retain.yml instead\nretain:\n  target: retain\n  outputs:\n    retain:\n';
  const lines = (fields: Record<string, string | number | undefined>) =>
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `      ${key}: ${typeof value === 'number' ? value : value!.startsWith('{{') ? `"${value}"` : q(value!)}`)
      .join('\n') + '\n';
  const passwordRef = `{{ env_var('${DBT_PASSWORD_ENV}') }}`;
  switch (connection.type) {
    case 'duckdb': {
      const settings = connection.memoryLimit ? `      settings:\n        memory_limit: ${q(connection.memoryLimit)}\n` : '';
      return { yaml: head + lines({ type: 'duckdb', path: options.duckdbPath ?? connection.path, threads: connection.threads ?? 2 }) + settings, env: {} };
    }
    case 'postgres':
      return {
        yaml:
          head +
          lines({ type: 'postgres', host: connection.host, port: connection.port, user: connection.user, password: passwordRef, dbname: connection.database, schema: connection.schema, sslmode: connection.sslmode, threads: connection.threads }),
        env: { [DBT_PASSWORD_ENV]: connection.password },
      };
    case 'snowflake':
      return {
        yaml:
          head +
          lines({
            type: 'snowflake',
            account: connection.account,
            user: connection.user,
            password: passwordRef,
            role: connection.role,
            warehouse: connection.warehouse,
            database: connection.database,
            schema: connection.schema,
            host: connection.host,
            port: connection.port,
            protocol: connection.protocol,
            threads: connection.threads,
          }),
        env: { [DBT_PASSWORD_ENV]: connection.password },
      };
    case 'bigquery': {
      const token = connection.token ?? (connection.apiEndpoint ? BIGQUERY_EMULATOR_TOKEN : undefined);
      return {
        yaml:
          head +
          lines({
            type: 'bigquery',
            // oauth-secrets with only a token: dbt sends it as it is (it cannot refresh it)
            method: token ? 'oauth-secrets' : connection.keyfile ? 'service-account' : 'oauth',
            token: token ? passwordRef : undefined,
            keyfile: token ? undefined : connection.keyfile,
            project: connection.project,
            dataset: connection.dataset,
            location: connection.location,
            api_endpoint: connection.apiEndpoint,
            threads: connection.threads,
          }),
        env: token ? { [DBT_PASSWORD_ENV]: token } : {},
      };
    }
  }
}
