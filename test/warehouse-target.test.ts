/**
 * Targets beyond DuckDB (issue 7): retain.yml's postgres, snowflake and bigquery targets resolve to
 * a connection (fields, the environment, or an existing dbt profile), and the dbt profile retain
 * writes names the password's variable but never holds the password.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';
import { dbtProfileFor, DBT_PASSWORD_ENV, resolveConnection } from '../src/warehouse/target.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-targets-');

function config(name: string, targets: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'orders.csv'), 'order_id,customer_id,ordered_at,revenue\n');
  writeFileSync(join(folder, 'retain.yml'), `version: 1\nwarehouse: { type: duckdb, path: retain.duckdb }\nsources:\n  orders: { path: orders.csv }\ntargets:\n${targets}`);
  return join(folder, 'retain.yml');
}

describe('postgres target', () => {
  const path = config('pg', '  pg: { type: postgres, host: db.internal, port: 6543, user: retain_app, database: shop, schema: retention, password_env: SHOP_PG_PASSWORD, threads: 4 }\n');

  it('resolves fields and takes the password from the named variable, in memory only', () => {
    const resolved = loadConfig({ config: path, target: 'pg', env: { SHOP_PG_PASSWORD: 's3cret-value' } });
    expect(resolved.connection).toEqual({
      type: 'postgres',
      host: 'db.internal',
      port: 6543,
      user: 'retain_app',
      password: 's3cret-value',
      passwordSource: '$SHOP_PG_PASSWORD',
      database: 'shop',
      schema: 'retention',
      sslmode: undefined,
      threads: 4,
    });
    const profile = dbtProfileFor(resolved.connection);
    expect(profile.yaml).not.toContain('s3cret-value');
    expect(profile.yaml).toContain(`password: "{{ env_var('${DBT_PASSWORD_ENV}') }}"`);
    expect(profile.yaml).toContain('type: "postgres"');
    expect(profile.yaml).toContain('dbname: "shop"');
    expect(profile.yaml).toContain('schema: "retention"');
    expect(profile.env).toEqual({ [DBT_PASSWORD_ENV]: 's3cret-value' });
    // a server target has no file: the run lock sits in the state folder
    expect(resolved.warehousePath).toBe(join(dir, 'pg', '.retain', 'pg.postgres'));
  });

  it('names the missing password variable', () => {
    expect(() => loadConfig({ config: path, target: 'pg', env: {} })).toThrow(/password_env: environment variable SHOP_PG_PASSWORD is not set/);
  });

  it('rejects an unknown target type with the allowed ones', () => {
    const bad = config('bad', '  x: { type: oracle }\n');
    expect(() => loadConfig({ config: bad, target: 'x' })).toThrow(ConfigError);
  });
});

describe('an existing dbt profile', () => {
  const profiles = join(dir, 'dbt-home');
  mkdirSync(profiles, { recursive: true });
  writeFileSync(
    join(profiles, 'profiles.yml'),
    [
      'shop:',
      '  target: prod',
      '  outputs:',
      '    prod:',
      '      type: postgres',
      '      host: warehouse.example',
      "      port: \"{{ env_var('SHOP_PORT', '5433') | int }}\"",
      '      user: analyst',
      "      password: \"{{ env_var('SHOP_PASSWORD') }}\"",
      '      dbname: analytics',
      '      schema: dbt_analyst',
      '      threads: 8',
      '',
    ].join('\n'),
  );
  const path = config('profile', `  pg: { type: postgres, schema: retain_from_profile, dbt_profile: { name: shop, profiles_dir: ${JSON.stringify(profiles)} } }\n`);

  it('takes the connection from the profile, env_var rendered, retain.yml fields winning', () => {
    const resolved = loadConfig({ config: path, target: 'pg', env: { SHOP_PASSWORD: 'from-profile-env' } });
    expect(resolved.connection).toMatchObject({
      type: 'postgres',
      host: 'warehouse.example',
      port: 5433,
      user: 'analyst',
      password: 'from-profile-env',
      passwordSource: 'the dbt profile',
      database: 'analytics',
      schema: 'retain_from_profile',
      threads: 8,
    });
    expect(dbtProfileFor(resolved.connection).yaml).not.toContain('from-profile-env');
  });

  it('says which variable the profile needs', () => {
    expect(() => loadConfig({ config: path, target: 'pg', env: {} })).toThrow(/environment variable SHOP_PASSWORD is not set/);
  });
});

describe('snowflake and bigquery targets', () => {
  it('write their dbt profiles without secrets', () => {
    const snowflake = resolveConnection({ type: 'snowflake', account: 'xy12345', user: 'retain', database: 'SHOP', warehouse: 'XS_WH', password_env: 'SF_PW' }, dir, '', { SF_PW: 'sf-password-1' });
    expect(snowflake).toMatchObject({ type: 'snowflake', account: 'xy12345', schema: 'retain', password: 'sf-password-1' });
    expect(dbtProfileFor(snowflake).yaml).not.toContain('sf-password-1');
    const bigquery = resolveConnection({ type: 'bigquery', project: 'shop-analytics', location: 'EU' }, dir, '', {});
    expect(bigquery).toEqual({ type: 'bigquery', project: 'shop-analytics', dataset: 'retain', location: 'EU', keyfile: undefined, apiEndpoint: undefined, threads: 2 });
    expect(dbtProfileFor(bigquery).yaml).toContain('method: "oauth"');
  });
});
