/**
 * kill -9 of `retain sync` (the real CLI in a child process) at seeded moments — before the server
 * applies a request, after it applied it but before the answer, or at a random time — followed by
 * reruns: the list converges to exactly the eligible members, and the dead process's locks are taken
 * over. The engine records a 'pending' state row before every send, so nothing applied is forgotten.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { IterableServer } from './servers/iterable.js';
import { cliPath } from './support/cli.js';
import { API_KEY_ENV, eligibleEmails, makeCustomers, prng, writeMembers, writeSyncConfig } from './support/sync-fixture.js';
import { tempDir } from './support/tmp.js';

const env = { [API_KEY_ENV]: 'iterable-test-key-0123456789' };
let root: string;
let server: IterableServer;

beforeAll(() => {
  root = tempDir('retain-kill-');
});
afterAll(() => server?.close());

/** Runs `retain sync` and kills it with SIGKILL when `arm` says so; resolves with how it ended. */
function syncUntilKilled(dir: string, arm: (kill: () => void) => void): Promise<'killed' | number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, 'sync', '--json', '--force', '--config', join(dir, 'retain.yml')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killed = false;
    arm(() => {
      if (!killed && child.exitCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code) => resolve(killed ? 'killed' : (code ?? -1)));
  });
}

describe('kill -9 during retain sync', () => {
  it.each([1, 2, 3])('converges after kills at seeded moments (seed %i)', async (seed) => {
    await server?.close();
    server = new IterableServer();
    await server.start();
    const dir = join(root, `seed-${seed}`);
    mkdirSync(dir);
    const resolved = writeSyncConfig(dir, server.http.url, { holdoutPct: 10 });
    const random = prng(100 + seed);
    let customers = makeCustomers(2500, random);
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      await writeMembers(resolved, customers);
      const moment = random();
      const target = 1 + Math.floor(random() * 3);
      let seen = 0;
      const outcome = await syncUntilKilled(dir, (kill) => {
        server.http.beforeHandle = () => {
          seen += 1;
          if (moment < 0.4 && seen === target) kill();
        };
        server.http.afterHandle = () => {
          if (moment >= 0.4 && moment < 0.8 && seen === target) kill();
        };
        if (moment >= 0.8) setTimeout(kill, 300 + Math.floor(random() * 900));
      });
      server.http.beforeHandle = undefined;
      server.http.afterHandle = undefined;
      if (outcome === 'killed') kills += 1;
      // between runs: some revoke consent, some are erased, some are new
      customers = customers.map((c) => {
        const r = random();
        return r < 0.03 ? { ...c, consent: 'revoked' as const } : r < 0.04 ? { ...c, erased: true } : c;
      });
      customers.push(...makeCustomers(40, random, 20_000 + round * 100));
    }
    await writeMembers(resolved, customers);
    // the final clean run (spawned, not spawnSync: the loopback server lives in this process)
    const final = await syncUntilKilled(dir, () => undefined);
    expect(final).toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(server.members()).toEqual(eligibleEmails(resolved, customers));
    const db = await openDuckDb(resolved.warehousePath, { readOnly: true });
    try {
      const pending = await db.all(`select count(*)::integer as n from sync_state where payload_hash = 'pending'`);
      expect(pending[0]!.n).toBe(0);
      const statuses = await db.all<{ status: string }>(`select distinct status from sync_runs order by 1`);
      // a killed run is marked interrupted by the next one
      expect(statuses.map((s) => s.status)).toContain('succeeded');
      if (kills > 0) expect(statuses.map((s) => s.status)).toContain('interrupted');
    } finally {
      db.close();
    }
  });
});
