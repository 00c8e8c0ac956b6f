import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbtVars, loadConfig } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();
writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,ordered_at,revenue\n');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(path: string): ConfigError {
  try {
    loadConfig({ config: path });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('resolves paths against the config folder and infers formats', () => {
    const path = write('ok.yml', 'warehouse: {type: duckdb, path: out/w.duckdb}\nsources:\n  orders: {path: orders.csv}\n  customers: {table: raw.customers}\n');
    const resolved = loadConfig({ config: path });
    expect(resolved.warehousePath).toBe(join(dir, 'out/w.duckdb'));
    expect(resolved.sources.orders).toEqual({ path: join(dir, 'orders.csv'), format: 'csv' });
    expect(resolved.sources.customers).toEqual({ table: 'raw.customers' });
    expect(resolved.segments.map((s) => s.name)).toContain('cant_lose_them');
    expect(resolved.segments.find((s) => s.name === 'cant_lose_them')?.is_priority).toBe(true);
    const vars = dbtVars(resolved, '2026-01-31');
    expect(vars.retain_as_of).toBe('2026-01-31');
    expect((vars.retain_rfm as { bins: number }).bins).toBe(5);
    expect((vars.retain_strategies as unknown[]).length).toBe(resolved.segments.length);
  });

  it('names the line, the path, the bad value and a hint', () => {
    const path = write('bad.yml', 'warehouse: {type: duckdb}\nsources:\n  orders: {path: orders.csv}\nrfm:\n  bins: 1\n  method: deciles\n');
    const error = configError(path);
    expect(error.message).toContain('line 5, rfm.bins: Too small');
    expect(error.message).toContain('(got 1)');
    expect(error.message).toMatch(/line 6, rfm\.method: .*\(got "deciles"\) — allowed: "quantile", "thresholds"/);
    expect(error.exitCode).toBe(3);
  });

  it('rejects unknown keys, a missing orders source and table names that could inject SQL', () => {
    const unknown = configError(write('unknown.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nsegmnets: []\n'));
    expect(unknown.message).toContain('remove or rename: segmnets');
    const noOrders = configError(write('noorders.yml', 'warehouse: {type: duckdb}\nsources: {customers: {table: raw.c}}\n'));
    expect(noOrders.message).toContain('sources.orders: the orders source is required');
    const injection = configError(write('inject.yml', 'warehouse: {type: duckdb}\nsources: {orders: {table: "raw.orders; drop table x"}}\n'));
    expect(injection.message).toContain('sources.orders');
  });

  it('keeps the name no_profiling for the built-in segment, and lets audiences select it', () => {
    const taken = configError(
      write('noprof.yml', "warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nsegments:\n  - {name: no_profiling, when: 'r_score >= 1'}\n"),
    );
    expect(taken.message).toContain('segments[0].name: no_profiling is the built-in segment');
    const resolved = loadConfig({
      config: write(
        'service.yml',
        'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\ndestinations: {outbox: {type: file, path: out}}\n' +
          'audiences:\n  - {name: service, destination: outbox, segments: [no_profiling]}\n',
      ),
    });
    expect(resolved.audiences.map((a) => a.segments)).toEqual([['no_profiling']]);
  });

  it('checks threshold lists against the number of bins', () => {
    const error = configError(
      write('thr.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nrfm:\n  bins: 3\n  method: thresholds\n  thresholds: {recency_days: [30, 90], frequency: [2, 2], monetary: [10, 20, 30]}\n'),
    );
    expect(error.message).toContain('rfm.thresholds.frequency: boundaries must be strictly ascending');
    expect(error.message).toContain('rfm.thresholds.monetary: expected 2 boundaries for 3 bins, got 3');
  });

  it('reports a bad segment rule with its segment, line and position', () => {
    const error = configError(
      write('rule.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nsegments:\n  - name: best\n    when: "r_score >= 4 and m_scor > 3"\n  - name: rest\n    when: "true"\n'),
    );
    expect(error.message).toContain('line 5, segments[0].when (best): unknown column "m_scor" at position 18');
    expect(error.hint).toContain('did you mean "m_score"');
  });

  it('requires a full strategy for a new segment and merges over defaults for known ones', () => {
    const missing = configError(
      write('strat.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nsegments:\n  - {name: vip, when: "m_score = 5"}\n  - {name: lost, when: "true"}\n'),
    );
    expect(missing.message).toContain('strategies.vip: missing objective');
    const merged = loadConfig({
      config: write('strat2.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: orders.csv}}\nstrategies:\n  lost: {primary_channel: sms}\n'),
    });
    const lost = merged.strategies.find((s) => s.segment === 'lost');
    expect(lost?.primary_channel).toBe('sms');
    expect(lost?.objective).toBe('Cheap last attempt, then stop spending');
  });

  it('reads ${VAR} from the environment and fails clearly when it is unset', () => {
    const path = write('env.yml', 'warehouse: {type: duckdb, path: "${RETAIN_TEST_DIR}/w.duckdb"}\nsources: {orders: {path: orders.csv}}\n');
    expect(loadConfig({ config: path, env: { RETAIN_TEST_DIR: '/data' } }).warehousePath).toBe('/data/w.duckdb');
    expect(() => loadConfig({ config: path, env: {} })).toThrow(/environment variable RETAIN_TEST_DIR is not set/);
  });

  it('refuses a file that does not exist', () => {
    expect(() => loadConfig({ config: write('missing-src.yml', 'warehouse: {type: duckdb}\nsources: {orders: {path: nope.csv}}\n') })).toThrow(
      /sources\.orders\.path: file not found/,
    );
  });
});

describe('retain init template', () => {
  it('loads as a valid config whose readable rules parse back to the default segment trees', async () => {
    const { configTemplate } = await import('../src/init/template.js');
    const { dbtProjectVars } = await import('../src/project.js');
    const path = write('init.yml', configTemplate({ orders: 'orders.csv' }));
    const resolved = loadConfig({ config: path });
    const defaults = dbtProjectVars().retain_segments;
    expect(resolved.segments.map((s) => [s.name, s.is_priority, s.when])).toEqual(defaults.map((s) => [s.name, s.is_priority ?? false, s.when]));
    expect(resolved.warehousePath).toBe(join(dir, 'retain.duckdb'));
  });
});

describe('incremental settings', () => {
  it('pass the lookback and the warehouse hints to dbt, with the dbt project defaults otherwise', () => {
    const base = 'warehouse: {type: duckdb}\nsources:\n  orders: {path: orders.csv}\n';
    const defaults = dbtVars(loadConfig({ config: write('inc-default.yml', base) }), '2026-01-31');
    expect(defaults).toMatchObject({ retain_incremental_lookback_days: 3, retain_warehouse_hints: true });
    const set = dbtVars(loadConfig({ config: write('inc-set.yml', base + 'incremental: {lookback_days: 10, warehouse_hints: false}\n') }), '2026-01-31');
    expect(set).toMatchObject({ retain_incremental_lookback_days: 10, retain_warehouse_hints: false });
  });

  it('rejects a lookback that is not a whole number of days', () => {
    const error = configError(write('inc-bad.yml', 'warehouse: {type: duckdb}\nsources:\n  orders: {path: orders.csv}\nincremental: {lookback_days: 1.5}\n'));
    expect(error.message).toContain('incremental.lookback_days');
  });
});
