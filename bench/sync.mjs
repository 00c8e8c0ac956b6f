#!/usr/bin/env node
// Not a test. The sync engine at scale, on a real DuckDB file (npm run build first):
//   1. first sync of an N-member audience to the file outbox (every member an add): members per second,
//      end to end (warehouse diff, pages, rendering, the outbox's fsync'd appends, per-batch commits),
//      and the outbox destination alone on the same operations;
//   2. the diff of the N-member audience against its synced state after 1% of payloads changed, 1% left
//      and 1% joined (a dry run: the diff in the warehouse and its counts, nothing sent).
// Usage: node bench/sync.mjs [members=1000000]
/* global AbortController */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/src/config/load.js';
import { FileDestination } from '../dist/src/destinations/file/index.js';
import { syncAudiences } from '../dist/src/sync/engine.js';
import { openDuckDb } from '../dist/src/warehouse/duckdb.js';

const members = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'retain-bench-sync-'));
writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,order_date,revenue\n');
writeFileSync(
  join(dir, 'retain.yml'),
  `version: 1
warehouse: { type: duckdb, path: retain.duckdb }
sources: { orders: { path: orders.csv } }
destinations: { outbox: { type: file, path: outbox, format: jsonl } }
audiences:
  - { name: vip, destination: outbox, segments: [champions], holdout_pct: 0 }
sync: { require_validation: false, max_removal_share: 1 }
`,
);
const resolved = loadConfig({ config: join(dir, 'retain.yml') });
const hash = resolved.audiences[0].definition_hash;

async function writeMembers(offset, changedEvery) {
  const db = await openDuckDb(resolved.warehousePath);
  await db.run(`create or replace table audience_definitions as select 'vip' as audience, 'outbox' as destination, '${hash}' as definition_hash`);
  await db.run(`create or replace table audience_members as
    select 'vip' as audience, 'C' || lpad(cast(i as varchar), 9, '0') as customer_id, 'champions' as segment, null::date as transitioned_on,
           '{"email":"c' || i || '@example.com","phone":null,"external_id":"C' || i || '"}' as identifiers,
           '{"segment":"champions","tier":"' || case when ${changedEvery} > 0 and i % ${changedEvery} = 0 then 'changed' else 'gold' end || '"}' as payload,
           null::varchar as payload_hash, false as is_holdout, null::varchar as exclusion_reason, true as is_eligible
    from range(${offset}, ${offset + members}) t(i)`);
  await db.run(`update audience_members set payload_hash = md5(identifiers || '|' || payload)`);
  db.close();
}

const time = async (fn) => {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
};

console.log(`bench/sync: ${members.toLocaleString('en-US')} members, ${cpus().length} cores, node ${process.version}`);
await writeMembers(0, 0);
const first = await time(() => syncAudiences(resolved, {}));
const r = first.value[0];
console.log(`first sync to the file outbox: ${r.acknowledged.toLocaleString('en-US')} adds in ${first.seconds.toFixed(2)} s = ${Math.round(r.acknowledged / first.seconds).toLocaleString('en-US')} members/s end to end`);

// the outbox destination alone on the same operations, batch by batch
const destination = new FileDestination({ path: join(dir, 'outbox-alone'), format: 'jsonl' });
const ops = Array.from({ length: members }, (_, i) => ({
  kind: 'add',
  member: { key: `C${i}`, identifiers: { email: `c${i}@example.com`, phone: null, external_id: `C${i}` }, payload: { segment: 'champions', tier: 'gold' } },
  idempotencyKey: `k${i}`,
}));
const ctx = { audience: 'vip', runId: 'bench', signal: new AbortController().signal, timeoutMs: 30_000 };
const alone = await time(async () => {
  for (let i = 0; i < ops.length; i += destination.limits.maxBatchSize) await destination.send(ops.slice(i, i + destination.limits.maxBatchSize), ctx);
});
console.log(`file outbox alone: ${Math.round(members / alone.seconds).toLocaleString('en-US')} members/s (${alone.seconds.toFixed(2)} s)`);

// 1% left (the first 1%), 1% joined (past the end), 1% of payloads changed
await writeMembers(Math.floor(members / 100), 100);
const diff = await time(() => syncAudiences(resolved, { dryRun: true }));
const d = diff.value[0];
console.log(
  `diff of ${members.toLocaleString('en-US')} members against ${r.synced.toLocaleString('en-US')} synced (dry run): ${d.adds.toLocaleString('en-US')} adds, ${d.updates.toLocaleString('en-US')} updates, ${d.removes.toLocaleString('en-US')} removes in ${diff.seconds.toFixed(2)} s`,
);
const second = await time(() => syncAudiences(resolved, {}));
console.log(`incremental sync of those changes: ${second.seconds.toFixed(2)} s`);
rmSync(dir, { recursive: true, force: true });
