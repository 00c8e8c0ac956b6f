/**
 * The sync engine against a real DuckDB file and the loopback Iterable API: diffs, idempotent reruns,
 * the failed index, the mass-removal guard, locks, dry runs, and seeded fault runs (429 storms with
 * and without Retry-After, 5xx bursts, timeouts after the server applied the write, a bad row,
 * consent revoked and erasures between runs, duplicate keys). The invariant after a final clean run:
 * the list holds exactly the eligible members, and no holdout member ever reached the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetainError } from '../src/errors.js';
import { isHeldOut } from '../src/sync/holdout.js';
import { syncAudiences } from '../src/sync/engine.js';
import { DestinationError, type Destination, type OperationResult, type SyncOperation } from '../src/sync/types.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { IterableServer } from './servers/iterable.js';
import { API_KEY_ENV, eligibleEmails, makeCustomers, prng, writeMembers, writeSyncConfig, type FixtureCustomer } from './support/sync-fixture.js';
import { tempDir } from './support/tmp.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = { ...process.env, [API_KEY_ENV]: 'iterable-test-key-0123456789' };
const noSleep = async () => undefined;

let server: IterableServer;
let root: string;
let counter = 0;

beforeAll(() => {
  root = tempDir('retain-sync-');
});
afterAll(() => server?.close());

/** A new folder and a new server per case, so no late request of one case can reach the next. */
async function freshDir(): Promise<string> {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  await server?.close();
  server = new IterableServer();
  await server.start();
  return dir;
}

function sentEmails(fromRequest = 0): string[] {
  return server.http.requests.slice(fromRequest).flatMap((r) => ((r.body as { subscribers?: Array<{ email?: string }> })?.subscribers ?? []).map((s) => String(s.email).toLowerCase()));
}

async function stateOf(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await openDuckDb(path, { readOnly: true });
  try {
    return await db.all(sql);
  } finally {
    db.close();
  }
}

describe('retain sync engine', () => {
  it('sends the diff once: adds, then nothing on a rerun, then updates and removes', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url);
    const random = prng(7);
    const customers = makeCustomers(1500, random);
    await writeMembers(resolved, customers);
    const expected = eligibleEmails(resolved, customers);
    const before = server.http.requests.length;
    const [first] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect(first!.adds).toBe(expected.length);
    expect(first!.acknowledged).toBe(expected.length);
    expect(server.members()).toEqual(expected);
    // 1,500 rows at most 1,000 per request: two subscribe requests
    expect(server.http.requests.length - before).toBe(Math.ceil(expected.length / 1000));
    const excluded = first!.excluded;
    const holdouts = customers.filter((c) => c.consent === 'granted' && c.email && isHeldOut('vip-2026', c.id, 10)).length;
    expect(excluded.holdout).toBe(holdouts);
    expect(excluded.no_consent).toBe(customers.filter((c) => c.consent !== 'granted').length);

    const afterFirst = server.http.requests.length;
    const [again] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect(again!.adds + again!.updates + again!.removes).toBe(0);
    expect(server.http.requests.length).toBe(afterFirst);

    // one member revokes consent, one changes tier, one is erased
    const eligible = customers.filter((c) => expected.includes(c.email ?? ''));
    eligible[0]!.consent = 'revoked';
    eligible[1]!.tier = 'platinum';
    eligible[2]!.erased = true;
    await writeMembers(resolved, customers);
    const [third] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect([third!.adds, third!.updates, third!.removes]).toEqual([0, 1, 2]);
    expect(server.members()).toEqual(eligibleEmails(resolved, customers));
    expect(server.users.get(eligible[1]!.email!)!.dataFields.tier).toBe('platinum');

    const runs = await stateOf(resolved.warehousePath, `select status, adds, updates, removes, acknowledged from sync_runs order by started_at`);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const log = await stateOf(resolved.warehousePath, `select operation, status, count(*)::integer as n from sync_changelog group by all order by all`);
    expect(log).toEqual([
      { operation: 'add', status: 'ok', n: expected.length },
      { operation: 'remove', status: 'ok', n: 2 },
      { operation: 'update', status: 'ok', n: 1 },
    ]);
  });

  it('keeps a rejected row in the failed index and retries it with its current values on every later run', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url);
    const customers = makeCustomers(300, prng(3)).map((c) => ({ ...c, consent: 'granted' as const, email: `${c.id.toLowerCase()}@example.com` }));
    const bad = customers.find((c) => !isHeldOut('vip-2026', c.id, 10))!;
    server.rejectIds.add(bad.email!);
    await writeMembers(resolved, customers);
    const [first] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect(first!.rejected).toBe(1);
    expect(first!.status).toBe('partial');
    expect(first!.rejections[0]!.key).toBe(bad.id);
    let failed = await stateOf(resolved.warehousePath, `select key, attempts from sync_failed`);
    expect(failed).toEqual([{ key: bad.id, attempts: 1 }]);

    // still refused: attempts count up
    await syncAudiences(resolved, { env, sleep: noSleep });
    failed = await stateOf(resolved.warehousePath, `select key, attempts from sync_failed`);
    expect(failed).toEqual([{ key: bad.id, attempts: 2 }]);

    // the row's current values are sent: the tier changed meanwhile
    bad.tier = 'fixed';
    server.rejectIds.clear();
    await writeMembers(resolved, customers);
    const mark = server.http.requests.length;
    const [third] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect(third!.acknowledged).toBe(1);
    expect(sentEmails(mark)).toEqual([bad.email]);
    expect(server.users.get(bad.email!)!.dataFields.tier).toBe('fixed');
    expect(await stateOf(resolved.warehousePath, `select * from sync_failed`)).toEqual([]);
    expect(server.members()).toEqual(eligibleEmails(resolved, customers));
  });

  it('aborts a mass removal unless forced, and a dry run sends and writes nothing', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url);
    const customers = makeCustomers(200, prng(11));
    await writeMembers(resolved, customers);
    await syncAudiences(resolved, { env, sleep: noSleep });
    const held = server.members();
    expect(held.length).toBeGreaterThan(100);

    // the audience is suddenly empty
    await writeMembers(resolved, []);
    const mark = server.http.requests.length;
    const dry = await syncAudiences(resolved, { env, dryRun: true, force: true });
    expect(dry[0]!.removes).toBe(held.length);
    expect(dry[0]!.synced).toBe(0);
    await expect(syncAudiences(resolved, { env, sleep: noSleep })).rejects.toThrow(/would remove \d+ of \d+ synced members \(100\.0%, limit 50%\)/);
    await expect(syncAudiences(resolved, { env, dryRun: true })).rejects.toThrow(RetainError);
    expect(server.http.requests.length).toBe(mark);
    const runs = await stateOf(resolved.warehousePath, `select count(*)::integer as n from sync_runs`);
    expect(runs[0]!.n).toBe(1);
    expect(server.members()).toEqual(held);

    const [forced] = await syncAudiences(resolved, { env, force: true, sleep: noSleep });
    expect(forced!.removes).toBe(held.length);
    expect(server.members()).toEqual([]);
  });

  it('lets only one sync of a destination run at a time', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url, { timeoutMs: 5000 });
    await writeMembers(resolved, makeCustomers(50, prng(5)));
    server.http.inject({ type: 'delay_after_apply', ms: 400 });
    const first = syncAudiences(resolved, { env, sleep: noSleep });
    await new Promise((r) => setTimeout(r, 150));
    await expect(syncAudiences(resolved, { env, sleep: noSleep })).rejects.toThrow(/a sync of destination crm is already running/);
    await first;
    expect(server.members()).toEqual(eligibleEmails(resolved, makeCustomers(50, prng(5))));
  });

  it('sends one operation per key when audience_members holds a key twice', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url, { holdoutPct: 0 });
    const customers = makeCustomers(20, prng(9)).map((c) => ({ ...c, consent: 'granted' as const, email: `${c.id.toLowerCase()}@example.com` }));
    await writeMembers(resolved, customers, { duplicate: [customers[0]!.id, customers[1]!.id] });
    const mark = server.http.requests.length;
    const [result] = await syncAudiences(resolved, { env, sleep: noSleep });
    expect(result!.adds).toBe(20);
    expect(sentEmails(mark).length).toBe(20);
  });

  it('splits a batch rejected as a whole until the bad row is isolated', async () => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url, { holdoutPct: 0 });
    const customers = makeCustomers(64, prng(13)).map((c) => ({ ...c, consent: 'granted' as const, email: `${c.id.toLowerCase()}@example.com` }));
    await writeMembers(resolved, customers);
    const bad = customers[37]!.id;
    const batches: number[] = [];
    const accepted = new Set<string>();
    // a destination whose API refuses a whole request with one bad row (as a 400 would)
    const strict: Destination = {
      type: 'strict',
      limits: { maxBatchSize: 64, requestsPerSecond: 1000, burst: 1000 },
      async send(batch: SyncOperation[]): Promise<OperationResult[]> {
        batches.push(batch.length);
        if (batch.some((op) => op.member.key === bad)) throw new DestinationError('400 Bad Request', { status: 400, retryable: false, body: `invalid member ${bad}` });
        batch.forEach((op) => accepted.add(op.member.key));
        return batch.map((op) => ({ key: op.member.key, kind: op.kind, status: 'ok' }));
      },
    };
    const [result] = await syncAudiences(resolved, { env, sleep: noSleep, destinations: { crm: strict } });
    expect(result!.acknowledged).toBe(63);
    expect(result!.rejected).toBe(1);
    expect(result!.rejections[0]).toEqual({ key: bad, operation: 'add', error: `400 Bad Request: invalid member ${bad}` });
    expect(accepted.size).toBe(63);
    // 64 -> 32+32 -> (16+16) -> (8+8) -> (4+4) -> (2+2) -> (1+1): one failing request per level, 7 levels
    expect(batches.filter((n, i) => i === 0 || n < 64).length).toBe(batches.length);
    expect(batches[0]).toBe(64);
    expect(batches).toContain(1);
    expect(batches.length).toBe(1 + 2 * 6);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('converges under seeded faults (seed %i): exactly the eligible members, never a holdout', async (seed) => {
    const dir = await freshDir();
    const resolved = writeSyncConfig(dir, server.http.url, { timeoutMs: 150, maxAttempts: 3, holdoutPct: 15 });
    const random = prng(seed);
    let customers: FixtureCustomer[] = makeCustomers(2600, random);
    const holdoutEmails = new Set<string>();
    const noteHoldouts = () =>
      customers.filter((c) => c.email && isHeldOut('vip-2026', c.id, 15)).forEach((c) => holdoutEmails.add(c.email!.toLowerCase()));
    const mark = server.http.requests.length;
    for (let round = 0; round < 4; round++) {
      noteHoldouts();
      await writeMembers(resolved, customers, { duplicate: random() < 0.5 ? [customers[0]!.id] : [] });
      // a storm of faults: 429 with and without Retry-After, 5xx, and timeouts after the write applied
      const faults = Math.floor(random() * 6);
      for (let i = 0; i < faults; i++) {
        const r = random();
        server.http.inject(
          r < 0.3 ? { type: 'rate_limit', retryAfterSeconds: 1 } : r < 0.5 ? { type: 'rate_limit' } : r < 0.8 ? { type: 'server_error', status: r < 0.65 ? 500 : 503 } : { type: 'delay_after_apply', ms: 400 },
        );
      }
      if (random() < 0.5) server.rejectIds.add(customers[Math.floor(random() * customers.length)]!.email ?? 'none');
      try {
        await syncAudiences(resolved, { env, sleep: noSleep, random, force: true });
      } catch (error) {
        expect(error).toBeInstanceOf(RetainError);
      }
      // between runs: consent revoked, erasures, new customers, payload changes
      customers = customers.map((c) => {
        const r = random();
        if (r < 0.02) return { ...c, consent: 'revoked' };
        if (r < 0.03) return { ...c, erased: true };
        if (r < 0.06) return { ...c, tier: 'bronze' };
        if (r < 0.08 && c.consent !== 'granted') return { ...c, consent: 'granted' };
        return c;
      });
      customers.push(...makeCustomers(50, random, 10_000 + round * 100));
    }
    // the final clean run
    server.http.faults.length = 0;
    server.rejectIds.clear();
    noteHoldouts();
    await writeMembers(resolved, customers);
    const [final] = await syncAudiences(resolved, { env, sleep: noSleep, force: true });
    expect(final!.rejected + final!.pending).toBe(0);
    expect(server.members()).toEqual(eligibleEmails(resolved, customers));
    const leaked = sentEmails(mark).filter((email) => holdoutEmails.has(email));
    expect(leaked).toEqual([]);
    const state = await stateOf(resolved.warehousePath, `select count(*)::integer as n from sync_state`);
    expect(state[0]!.n).toBe(eligibleEmails(resolved, customers).length);
  });
});
