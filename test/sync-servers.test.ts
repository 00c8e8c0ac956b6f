/**
 * `retain sync` on server warehouses (issue 7): a generated shop with an audience is built by
 * `retain run` on a real PostgreSQL (scripts/ensure-postgres.mjs) and on Snowflake through fakesnow
 * (scripts/ensure-fakesnow.mjs), both on loopback, then synced to the file outbox destination.
 * Expectations come from queries of audience_members written here (the eligible rows, the
 * exclusions), never from the engine. On each warehouse: the members sent equal the eligible rows;
 * the bookkeeping (sync_state, sync_runs, sync_changelog, sync_failed) says what was acknowledged; a second sync
 * sends nothing; a change of eligibility made in the warehouse sends exactly its adds, updates and
 * removes; a rejected row stays in sync_failed and out of sync_state; a dry run writes nothing;
 * operations whose outcome is unknown are pending and resent; the server lock refuses a destination
 * that sync_runs shows as running.
 *
 * payload_hash may differ between warehouses (JSON text spacing): nothing here compares it across them.
 * When a server cannot be installed or started this suite fails with the reason (it never skips).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakesnow, type FakesnowServer } from '../scripts/ensure-fakesnow.mjs';
import { startPostgres, type PostgresServer } from '../scripts/ensure-postgres.mjs';
import { loadConfig } from '../src/config/load.js';
import { parseOutbox, replayOutbox, type OutboxRecord } from '../src/destinations/file/mapping.js';
import { syncAudiences } from '../src/sync/engine.js';
import { DestinationError, type Destination, type OperationResult, type SyncOperation } from '../src/sync/types.js';
import type { Warehouse } from '../src/warehouse/index.js';
import { repoRoot } from './support/cli.js';
import { retainAsync, withWarehouse, type CliRun } from './support/portability.js';
import { tempDir } from './support/tmp.js';

const AS_OF = '2026-06-30';
const root = tempDir('retain-sync-servers-');
const pgDir = join(root, 'pg');
const sfDir = join(root, 'sf');
let postgres: PostgresServer | undefined;
let snowflake: FakesnowServer | undefined;
const builds: Record<string, CliRun> = {};

/** The generated shop's config plus one audience on the file outbox, and the given target. */
function retainYml(generated: string, target: string[]): string {
  const activation = [
    'destinations:',
    '  outbox: { type: file, path: outbox, format: jsonl }',
    'audiences:',
    '  - name: win_back',
    '    destination: outbox',
    '    segments: [cant_lose_them, at_risk, hibernating]',
    '    fields: { offer: profile_incentive, channel: profile_channel, message: core_message }',
    '    templates: { subject: "{{message}}" }',
    '    holdout_pct: 10',
    'targets:',
    ...target.map((line) => `  ${line}`),
  ];
  return generated + activation.join('\n') + '\n';
}

beforeAll(async () => {
  [postgres, snowflake] = await Promise.all([startPostgres(), startFakesnow()]);
  // the target's password variable, as a user would export it (the CLI runs inherit it)
  process.env.FAKESNOW_PASSWORD = snowflake.password;
  mkdirSync(pgDir);
  const generated = await retainAsync(['generate', '--customers', '300', '--seed', '5', '--format', 'csv', '--as-of', AS_OF, '--out', pgDir, '--json'], repoRoot);
  if (generated.code !== 0) throw new Error(`retain generate failed:\n${generated.stderr}`);
  const config = readFileSync(join(pgDir, 'retain.yml'), 'utf8');
  cpSync(join(pgDir, 'data'), join(sfDir, 'data'), { recursive: true });
  const pg = ['pg:', '  type: postgres', `  host: ${postgres.host}`, `  port: ${postgres.port}`, `  user: ${postgres.user}`, `  database: ${postgres.database}`, '  schema: retain_sync', '  threads: 2'];
  const sfFields = [`account: ${snowflake.account}`, `user: ${snowflake.user}`, 'password_env: FAKESNOW_PASSWORD', 'database: retain_ci', 'schema: retain_sync', `host: ${snowflake.host}`, `port: ${snowflake.port}`, `protocol: ${snowflake.protocol}`, 'threads: 1'];
  writeFileSync(join(pgDir, 'retain.yml'), retainYml(config, pg));
  writeFileSync(join(sfDir, 'retain.yml'), retainYml(config, ['sf:', '  type: snowflake', ...sfFields.map((field) => `  ${field}`)]));
  // fakesnow starts empty: the database a Snowflake user would already have
  await withWarehouse(sfDir, 'sf', (warehouse) => warehouse.execute('create database if not exists retain_ci'));
  // dbt-snowflake comes from fakesnow's cached environment (requirements-snowflake.txt is not in .venv)
  [builds.pg, builds.sf] = await Promise.all([
    retainAsync(['run', '--target', 'pg', '--json'], pgDir),
    retainAsync(['run', '--target', 'sf', '--json'], sfDir, { RETAIN_DBT: snowflake.dbt }),
  ]);
}, 900_000); // two dbt builds side by side on a busy 2-core machine

afterAll(() => {
  postgres?.stop();
  snowflake?.stop();
});

interface SyncJson {
  ok: boolean;
  audiences: Array<{ runId: string; status: string; adds: number; updates: number; removes: number; acknowledged: number; rejected: number; pending: number; synced: number; excluded: Record<string, number> }>;
}

async function sync(dir: string, target: string, extra: string[] = []): Promise<{ run: CliRun; result: SyncJson['audiences'][number] }> {
  const run = await retainAsync(['sync', '--target', target, '--json', ...extra], dir);
  if (run.code !== 0) throw new Error(`retain sync exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
  const parsed = JSON.parse(run.stdout) as SyncJson;
  expect(parsed.audiences).toHaveLength(1);
  return { run, result: parsed.audiences[0]! };
}

function outboxText(dir: string): string {
  return readFileSync(join(dir, 'outbox', 'win_back.jsonl'), 'utf8');
}

function outboxRecords(dir: string): OutboxRecord[] {
  return parseOutbox(outboxText(dir), 'jsonl');
}

/** The eligible members of win_back, by key, with their identifiers (an independent query). */
async function eligible(warehouse: Warehouse): Promise<Map<string, Record<string, unknown>>> {
  const rows = await warehouse.query<{ customer_id: string; identifiers: string }>(
    `select customer_id, identifiers from ${warehouse.qualify('audience_members')} where audience = 'win_back' and is_eligible`,
  );
  return new Map(rows.map((row) => [row.customer_id, JSON.parse(row.identifiers) as Record<string, unknown>]));
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

async function stateKeys(warehouse: Warehouse): Promise<Array<{ key: string; payload_hash: string }>> {
  const rows = await warehouse.query<{ key: string; payload_hash: string }>(
    `select key, payload_hash from ${warehouse.qualify('sync_state')} where destination = 'outbox' and audience = 'win_back' order by key`,
  );
  return rows.map((row) => ({ key: row.key, payload_hash: row.payload_hash }));
}

/** Row counts of the bookkeeping tables: what a dry run must leave alone. */
async function bookkeeping(warehouse: Warehouse): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['sync_state', 'sync_runs', 'sync_changelog', 'sync_inflight', 'sync_failed', 'sync_ops', 'sync_acks']) {
    const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${warehouse.qualify(table)}`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

/** The first sync: exactly the eligible members, and the bookkeeping that says so. */
async function checkFirstSync(dir: string, target: string): Promise<void> {
  expect(builds[target]?.code, builds[target]?.stderr).toBe(0);
  const { expected, exclusions } = await withWarehouse(dir, target, async (warehouse) => ({
    expected: await eligible(warehouse),
    exclusions: await warehouse.query<{ reason: string; n: number }>(
      `select exclusion_reason as reason, count(*) as n from ${warehouse.qualify('audience_members')} where audience = 'win_back' and not is_eligible group by exclusion_reason`,
    ),
  }));
  expect(expected.size).toBeGreaterThan(20);
  const { result } = await sync(dir, target);
  expect(result.status).toBe('succeeded');
  expect([result.adds, result.updates, result.removes, result.acknowledged, result.rejected, result.pending]).toEqual([expected.size, 0, 0, expected.size, 0, 0]);
  expect(result.excluded).toEqual(Object.fromEntries(exclusions.map((row) => [row.reason, Number(row.n)])));
  expect(Object.keys(result.excluded)).toContain('holdout');

  // the outbox holds the eligible members, each once, with the identifiers audience_members has
  const records = outboxRecords(dir);
  expect(records.map((r) => r.operation)).toEqual(records.map(() => 'add'));
  expect(sorted(records.map((r) => r.key))).toEqual(sorted(expected.keys()));
  for (const record of records) expect(record.identifiers).toEqual(expected.get(record.key));

  await withWarehouse(dir, target, async (warehouse) => {
    const state = await stateKeys(warehouse);
    expect(state.map((row) => row.key)).toEqual(sorted(expected.keys()));
    expect(state.filter((row) => row.payload_hash === 'pending')).toEqual([]);
    const runs = await warehouse.query(`select run_id, status, adds, acknowledged, rejected, pending, finished_at from ${warehouse.qualify('sync_runs')}`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ run_id: result.runId, status: 'succeeded', adds: expected.size, acknowledged: expected.size, rejected: 0, pending: 0 });
    expect(runs[0]!.finished_at).not.toBeNull();
    const changelog = await warehouse.query<{ operation: string; status: string; run_id: string; n: number }>(
      `select operation, status, run_id, count(*) as n from ${warehouse.qualify('sync_changelog')} group by operation, status, run_id`,
    );
    expect(changelog.map((row) => ({ ...row, n: Number(row.n) }))).toEqual([{ operation: 'add', status: 'ok', run_id: result.runId, n: expected.size }]);
    const counts = await bookkeeping(warehouse);
    // the write-ahead rows are settled and the run's working rows gone
    expect([counts.sync_inflight, counts.sync_ops, counts.sync_acks, counts.sync_failed]).toEqual([0, 0, 0, 0]);
  });
}

async function checkSecondSyncSendsNothing(dir: string, target: string): Promise<void> {
  const before = outboxText(dir);
  const synced = before.trim().split('\n').length;
  const { result } = await sync(dir, target);
  expect([result.adds, result.updates, result.removes, result.acknowledged, result.synced]).toEqual([0, 0, 0, 0, synced]);
  expect(outboxText(dir)).toBe(before);
  const runs = await withWarehouse(dir, target, (warehouse) => warehouse.query<{ status: string }>(`select status from ${warehouse.qualify('sync_runs')} order by started_at`));
  expect(runs.map((row) => row.status)).toEqual(['succeeded', 'succeeded']);
}

const TARGETS = [
  { label: 'Postgres', dir: pgDir, target: 'pg' },
  { label: 'Snowflake (fakesnow)', dir: sfDir, target: 'sf' },
];

describe.each(TARGETS)('retain sync on $label', ({ dir, target }) => {
  // keys whose eligibility the tests change in the warehouse, chosen from audience_members
  let removed: string[] = [];
  let added: string[] = [];
  let updated = '';

  it('first sync: sends exactly the eligible members and records them in sync_state, sync_runs and sync_changelog', async () => {
    await checkFirstSync(dir, target);
  });

  it('a second sync sends nothing', async () => {
    await checkSecondSyncSendsNothing(dir, target);
  });

  it('a dry run after a change of eligibility reports the diff and writes nothing', async () => {
    await withWarehouse(dir, target, async (warehouse) => {
      const members = warehouse.qualify('audience_members');
      const keys = sorted((await eligible(warehouse)).keys());
      removed = keys.slice(0, 3);
      updated = keys[3]!;
      const holdouts = await warehouse.query<{ customer_id: string }>(`select customer_id from ${members} where audience = 'win_back' and exclusion_reason = 'holdout' order by customer_id`);
      added = holdouts.slice(0, 2).map((row) => row.customer_id);
      expect(added).toHaveLength(2);
      await warehouse.execute(`update ${members} set is_eligible = false, exclusion_reason = 'suppressed' where audience = 'win_back' and customer_id in ($1, $2, $3)`, removed);
      await warehouse.execute(`update ${members} set is_eligible = true, exclusion_reason = null where audience = 'win_back' and customer_id in ($1, $2)`, added);
      await warehouse.execute(`update ${members} set payload_hash = 'changed' where audience = 'win_back' and customer_id = $1`, [updated]);
    });
    const before = await withWarehouse(dir, target, bookkeeping);
    const outbox = outboxText(dir);
    const synced = outbox.trim().split('\n').length;
    const { result } = await sync(dir, target, ['--dry-run']);
    expect([result.adds, result.updates, result.removes, result.synced]).toEqual([2, 1, 3, synced + 2 - 3]);
    expect(await withWarehouse(dir, target, bookkeeping)).toEqual(before);
    expect(outboxText(dir)).toBe(outbox);
  });

  it('the next sync sends exactly those adds, updates and removes', async () => {
    const linesBefore = outboxRecords(dir).length;
    const { result } = await sync(dir, target);
    expect([result.adds, result.updates, result.removes, result.acknowledged, result.rejected]).toEqual([2, 1, 3, 6, 0]);
    const sent = outboxRecords(dir).slice(linesBefore);
    // removes first, then adds, then updates, each by key
    expect(sent.map((r) => [r.operation, r.key])).toEqual([...removed.map((key) => ['remove', key]), ...sorted(added).map((key) => ['add', key]), ['update', updated]]);
    const expected = await withWarehouse(dir, target, eligible);
    expect(sorted(replayOutbox(outboxRecords(dir)).keys())).toEqual(sorted(expected.keys()));
    await withWarehouse(dir, target, async (warehouse) => {
      const state = await stateKeys(warehouse);
      expect(state.map((row) => row.key)).toEqual(sorted(expected.keys()));
      // the diff hash is audience_members.payload_hash and the templates' hash
      expect(state.find((row) => row.key === updated)?.payload_hash).toMatch(/^changed:[0-9a-f]{12}$/);
      const changelog = await warehouse.query<{ operation: string; key: string }>(
        `select operation, key from ${warehouse.qualify('sync_changelog')} where run_id = $1 and status = 'ok' order by key`,
        [result.runId],
      );
      expect(changelog.map((row) => [row.operation, row.key])).toEqual(
        sorted([...removed, ...added, updated]).map((key) => [removed.includes(key) ? 'remove' : added.includes(key) ? 'add' : 'update', key]),
      );
    });
  });

  it('a row the destination rejects stays in sync_failed and out of sync_state, and is retried next time', async () => {
    // two more holdout members become eligible; the destination refuses the first of them
    const [bad, good] = await withWarehouse(dir, target, async (warehouse) => {
      const members = warehouse.qualify('audience_members');
      const rows = await warehouse.query<{ customer_id: string }>(`select customer_id from ${members} where audience = 'win_back' and exclusion_reason = 'holdout' order by customer_id`);
      const keys = rows.slice(0, 2).map((row) => row.customer_id);
      await warehouse.execute(`update ${members} set is_eligible = true, exclusion_reason = null where audience = 'win_back' and customer_id in ($1, $2)`, keys);
      return keys as [string, string];
    });
    const sent: string[] = [];
    const refusing: Destination = {
      type: 'file',
      limits: { maxBatchSize: 100, requestsPerSecond: 1000, burst: 1000 },
      async send(batch: SyncOperation[]): Promise<OperationResult[]> {
        sent.push(...batch.map((op) => op.member.key));
        return batch.map((op) => (op.member.key === bad ? { key: op.member.key, kind: op.kind, status: 'rejected', error: 'invalid email' } : { key: op.member.key, kind: op.kind, status: 'ok' }));
      },
    };
    const resolved = loadConfig({ config: join(dir, 'retain.yml'), target });
    const failedRows = (warehouse: Warehouse) =>
      warehouse.query<{ key: string; operation: string; error: string; attempts: number; first_failed_at: string }>(
        `select key, operation, error, attempts, first_failed_at from ${warehouse.qualify('sync_failed')} where destination = 'outbox' and audience = 'win_back'`,
      );

    const [first] = await syncAudiences(resolved, { destinations: { outbox: refusing } });
    expect(sorted(sent)).toEqual(sorted([bad, good]));
    expect([first!.status, first!.adds, first!.acknowledged, first!.rejected]).toEqual(['partial', 2, 1, 1]);
    const afterFirst = await withWarehouse(dir, target, async (warehouse) => ({ failed: await failedRows(warehouse), state: (await stateKeys(warehouse)).map((row) => row.key) }));
    expect(afterFirst.failed).toMatchObject([{ key: bad, operation: 'add', error: 'invalid email', attempts: 1 }]);
    expect(afterFirst.state).toContain(good);
    expect(afterFirst.state).not.toContain(bad);

    // the next sync sends only the rejected row again: one more attempt, the first failure kept
    sent.length = 0;
    const [second] = await syncAudiences(resolved, { destinations: { outbox: refusing } });
    expect(sent).toEqual([bad]);
    expect([second!.adds, second!.rejected]).toEqual([1, 1]);
    const failed = await withWarehouse(dir, target, failedRows);
    expect(failed).toMatchObject([{ key: bad, attempts: 2, first_failed_at: afterFirst.failed[0]!.first_failed_at }]);

    // accepted at last: out of sync_failed, into sync_state and the outbox
    const { result } = await sync(dir, target);
    expect([result.adds, result.acknowledged]).toEqual([1, 1]);
    await withWarehouse(dir, target, async (warehouse) => {
      expect(await failedRows(warehouse)).toEqual([]);
      expect((await stateKeys(warehouse)).map((row) => row.key)).toContain(bad);
    });
    expect(replayOutbox(outboxRecords(dir)).has(bad)).toBe(true);
  });

  it('an operation without a known outcome (retries used up, or a run that died after writing ahead) is pending, then resent', async () => {
    const resolved = loadConfig({ config: join(dir, 'retain.yml'), target });
    const [joining, synced] = await withWarehouse(dir, target, async (warehouse) => {
      const members = warehouse.qualify('audience_members');
      const [row] = await warehouse.query<{ customer_id: string }>(`select min(customer_id) as customer_id from ${members} where audience = 'win_back' and exclusion_reason = 'holdout'`);
      await warehouse.execute(`update ${members} set is_eligible = true, exclusion_reason = null where audience = 'win_back' and customer_id = $1`, [row!.customer_id]);
      // a member already synced, written ahead by a run that died before any outcome was recorded
      const [state] = await warehouse.query<{ key: string; identifiers: string; payload: string }>(
        `select key, identifiers, payload from ${warehouse.qualify('sync_state')} where audience = 'win_back' order by key limit 1`,
      );
      await warehouse.execute(
        `insert into ${warehouse.qualify('sync_inflight')} (destination, audience, run_id, key, operation, identifiers, payload) values ('outbox', 'win_back', 'died_after_write_ahead', $1, 'update', $2, $3)`,
        [state!.key, state!.identifiers, state!.payload],
      );
      return [row!.customer_id, state!.key];
    });
    const down: Destination = {
      type: 'file',
      limits: { maxBatchSize: 100, requestsPerSecond: 1000, burst: 1000 },
      async send(): Promise<OperationResult[]> {
        throw new DestinationError('503 Service Unavailable', { status: 503, retryable: true });
      },
    };
    const [result] = await syncAudiences(resolved, { destinations: { outbox: down }, sleep: async () => undefined });
    // the dead run's operation was settled first (pending: resent as an update), then both failed again
    expect([result!.status, result!.adds, result!.updates, result!.pending, result!.acknowledged]).toEqual(['partial', 1, 1, 2, 0]);
    await withWarehouse(dir, target, async (warehouse) => {
      const state = await stateKeys(warehouse);
      expect(state.filter((row) => row.payload_hash === 'pending').map((row) => row.key)).toEqual(sorted([joining, synced]));
      const [inflight] = await warehouse.query<{ n: number }>(`select count(*) as n from ${warehouse.qualify('sync_inflight')}`);
      expect(Number(inflight!.n)).toBe(0);
    });

    const linesBefore = outboxRecords(dir).length;
    const { result: resent } = await sync(dir, target);
    expect([resent.adds, resent.updates, resent.acknowledged]).toEqual([0, 2, 2]);
    expect(outboxRecords(dir).slice(linesBefore).map((r) => [r.operation, r.key])).toEqual(sorted([joining, synced]).map((key) => ['update', key]));
    await withWarehouse(dir, target, async (warehouse) => expect((await stateKeys(warehouse)).filter((row) => row.payload_hash === 'pending')).toEqual([]));
  });

  it('refuses a destination that sync_runs shows running with recent activity; --take-over and staleness end the claim', async () => {
    const insertRunning = (runId: string, startedAt: string) =>
      withWarehouse(dir, target, (warehouse) =>
        warehouse.execute(
          `insert into ${warehouse.qualify('sync_runs')} (run_id, destination, audience, started_at, status, dry_run) values ($1, 'outbox', 'win_back', cast($2 as timestamp), 'running', false)`,
          [runId, startedAt],
        ),
      );
    const statusOf = (runId: string) =>
      withWarehouse(dir, target, async (warehouse) => (await warehouse.query<{ status: string }>(`select status from ${warehouse.qualify('sync_runs')} where run_id = $1`, [runId]))[0]?.status);
    const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

    await insertRunning('other_machine_live', utc(Date.now() - 5 * 60_000));
    const refused = await retainAsync(['sync', '--target', target], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('another sync of destination outbox is running (run other_machine_live');
    expect(await statusOf('other_machine_live')).toBe('running');

    const { result } = await sync(dir, target, ['--take-over']);
    expect(result.status).toBe('succeeded');
    expect(await statusOf('other_machine_live')).toBe('interrupted');

    // no activity for more than an hour: a dead run, taken over without being asked
    await insertRunning('other_machine_dead', utc(Date.now() - 2 * 3600_000));
    await sync(dir, target);
    expect(await statusOf('other_machine_dead')).toBe('interrupted');
  });
});
