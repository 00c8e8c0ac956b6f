#!/usr/bin/env node
// Identity resolution benchmark (part of `npm run bench`, not a test): writes an identity graph of
// 5,000,000 links (default) as Parquet and times `retain run --select +identity_resolution_summary
// +identity_collisions` on it: staging of the links, the identifier nodes, the edges, label
// propagation until nothing changes, resolution and the summary.
//
//   npm run build && node bench/identity.mjs [--links 5000000] [--keep]
//
// The graph, per customer i of links/5 customers (five links each):
//   customer_id c{i} - email e{i}, c{i} - anonymous_id a{i}, a{i} - anonymous_id b{i}, b{i} - device_id d{i}
//   and a fifth link that is, in this order of precedence:
//     i < 50,000         d{i} - a{i+1}: one giant component, a path of 150,000 links (the hard case
//                        for propagation: its diameter needs ~log2(150,000) passes with pointer jumping)
//     i % 1000 = 7       c{i} - email shared{i / 10000}: ten customers per shared email -> collisions
//     i % 20 = 0         d{i} - email e{i+1}: customer i+1 merges into customer i
//     otherwise          a{i} - anonymous_id x{i}: a second cookie
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../dist/src/config/load.js';
import { runPipeline } from '../dist/src/pipeline/run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const links = args.includes('--links') ? Number(args[args.indexOf('--links') + 1]) : 5_000_000;
const keep = args.includes('--keep');
const customers = Math.floor(links / 5);
const dir = join(root, 'bench', 'out', `identity-${links}`);

async function writeGraph() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const fifth = `case
      when i < 50000 then ['device_id', 'd' || i, 'anonymous_id', 'a' || (i + 1)]
      when i % 1000 = 7 then ['customer_id', 'c' || i, 'email', 'shared' || (i // 10000) || '@store.example']
      when i % 20 = 0 then ['device_id', 'd' || i, 'email', 'e' || (i + 1) || '@example.com']
      else ['anonymous_id', 'a' || i, 'anonymous_id', 'x' || i]
    end`;
  const started = process.hrtime.bigint();
  await connection.run(`copy (
    with customers as (select range as i from range(${customers})),
    link_rows as (
      select i, unnest([
        ['customer_id', 'c' || i, 'email', 'e' || i || '@example.com'],
        ['customer_id', 'c' || i, 'anonymous_id', 'a' || i],
        ['anonymous_id', 'a' || i, 'anonymous_id', 'b' || i],
        ['anonymous_id', 'b' || i, 'device_id', 'd' || i],
        ${fifth}
      ]) as link
      from customers
    )
    select link[1] as id_type_a, link[2] as id_value_a, link[3] as id_type_b, link[4] as id_value_b,
      timestamp '2025-01-01' + to_seconds(i) as observed_at
    from link_rows
  ) to '${join(dir, 'identity_links.parquet')}' (format parquet)`);
  await connection.run(`copy (select 'O1' as order_id, 'c0' as customer_id, timestamp '2026-01-01' as ordered_at, 10.0 as revenue)
    to '${join(dir, 'orders.parquet')}' (format parquet)`);
  const reader = await connection.runAndReadAll(`select count(*)::integer as n from '${join(dir, 'identity_links.parquet')}'`);
  const written = Number(reader.getRowObjectsJson()[0].n);
  connection.closeSync();
  instance.closeSync();
  return { written, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
console.log(`identity bench on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const graph = await writeGraph();
console.log(`${graph.written.toLocaleString('en-US')} links of ${customers.toLocaleString('en-US')} customers written in ${graph.seconds.toFixed(1)}s`);
writeFileSync(
  join(dir, 'retain.yml'),
  [
    'version: 1',
    'warehouse: { type: duckdb, path: retain.duckdb }',
    'as_of: 2026-06-30',
    'sources:',
    '  orders: { path: orders.parquet, format: parquet }',
    '  identity_links: { path: identity_links.parquet, format: parquet }',
    'predictions: { enabled: false }',
    '',
  ].join('\n'),
);
/** CPU seconds (user + system) of this process's finished children, i.e. dbt: the measure that other load on the machine does not inflate. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (100/s)
}

// the pipeline of `retain run --select ...`, without its validation (which needs the full profile)
const cpuBefore = childCpuSeconds();
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const started = process.hrtime.bigint();
const result = await runPipeline(loadConfig({ config: join(dir, 'retain.yml') }), {
  select: ['+identity_resolution_summary', '+identity_collisions'],
  validate: false,
});
const run = { seconds: Number(process.hrtime.bigint() - started) / 1e9, out: result, cpu: childCpuSeconds() - cpuBefore };
const results = JSON.parse(readFileSync(join(dir, '.retain', 'target', 'run_results.json'), 'utf8')).results;
const modelSeconds = (name) => results.find((r) => r.unique_id === `model.retain.${name}`)?.execution_time ?? NaN;
const resolution = ['int_identifiers', 'int_identifiers_resolved']
  .map((name) => [name, modelSeconds(name)]);
const resolutionSeconds = resolution.reduce((sum, [, s]) => sum + s, 0);
const staging = modelSeconds('base_retain__identity_links');
console.log(`retain run (staging + identity models + their checks) ${run.seconds.toFixed(1)}s wall, dbt CPU ${run.cpu.toFixed(1)}s; load average ${loadBefore} before, ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} after`);
console.log(`  staging the links (base_retain__identity_links) ${staging.toFixed(1)}s`);
for (const [name, s] of resolution) console.log(`  ${name.padEnd(28)} ${s.toFixed(1)}s`);
console.log(`  resolution (links -> resolved customers) ${resolutionSeconds.toFixed(1)}s`);
console.log('identity:', JSON.stringify(run.out.identity));
if (!keep) rmSync(dir, { recursive: true, force: true });
