#!/usr/bin/env node
// Not a test. The sync engine on Postgres (npm run build first): a throwaway server on loopback
// (scripts/ensure-postgres.mjs), an N-member audience_members generated in it, then
//   1. the first sync to the file outbox (every member an add), end to end;
//   2. after 1% of payloads changed and 1% left: the diff (a dry run) and the incremental sync.
// Usage: node bench/sync-postgres.mjs [members=100000]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/src/config/load.js';
import { syncAudiences } from '../dist/src/sync/engine.js';
import { openWarehouse } from '../dist/src/warehouse/index.js';
import { startPostgres } from '../scripts/ensure-postgres.mjs';

const members = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'retain-bench-sync-pg-'));
const server = await startPostgres();
try {
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
targets:
  pg: { type: postgres, host: ${server.host}, port: ${server.port}, user: ${server.user}, database: ${server.database}, schema: bench_sync }
`,
  );
  const resolved = loadConfig({ config: join(dir, 'retain.yml'), target: 'pg' });
  const warehouse = await openWarehouse(resolved.connection);
  const text = (name) => ({ name, type: 'text' });
  await warehouse.writeTable('audience_definitions', [text('audience'), text('destination'), text('definition_hash')], [['vip', 'outbox', resolved.audiences[0].definition_hash]]);
  await warehouse.execute(`create table bench_sync.audience_members as
    select 'vip'::text as audience, 'C' || lpad(i::text, 9, '0') as customer_id, 'champions'::text as segment, null::date as transitioned_on,
           '{"email":"c' || i || '@example.com","phone":null,"external_id":"C' || i || '"}' as identifiers,
           '{"segment":"champions","tier":"gold"}' as payload, md5(i::text) as payload_hash, null::text as exclusion_reason, true as is_eligible
    from generate_series(1, ${members}) as i`);

  let started = Date.now();
  const [first] = await syncAudiences(resolved, {});
  const seconds = (Date.now() - started) / 1000;
  console.log(`bench/sync-postgres: ${members.toLocaleString('en-US')} members, PostgreSQL on loopback, node ${process.version}`);
  console.log(`first sync to the file outbox: ${first.acknowledged.toLocaleString('en-US')} adds in ${seconds.toFixed(2)} s = ${Math.round(members / seconds).toLocaleString('en-US')} members/s end to end`);

  await warehouse.execute(`update bench_sync.audience_members set payload_hash = 'x' || payload_hash where right(customer_id, 2) = '07'`);
  await warehouse.execute(`update bench_sync.audience_members set is_eligible = false, exclusion_reason = 'suppressed' where right(customer_id, 2) = '13'`);
  await warehouse.close();
  started = Date.now();
  const [dry] = await syncAudiences(resolved, { dryRun: true });
  console.log(`diff (dry run): ${dry.updates} updates, ${dry.removes} removes in ${((Date.now() - started) / 1000).toFixed(2)} s`);
  started = Date.now();
  await syncAudiences(resolved, {});
  console.log(`incremental sync of those changes: ${((Date.now() - started) / 1000).toFixed(2)} s`);
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
