#!/usr/bin/env node
// npm run bench — not a test. Generates ~1M and ~10M orders, times `retain run` end to end (dbt build of
// every model and check, copy-and-swap of the DuckDB file), and beside it the fastest single
// hand-written DuckDB query computing the same RFM scores and segments (bench/floor.sql), plus the peak
// memory of the Node CLI and of dbt; then bench/identity.mjs (5,000,000 identity links). Usage: npm run bench [-- --sizes 1000000,10000000 --keep]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { watchPeakRss } from './peak-rss.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'retain.js');
const args = process.argv.slice(2);
const sizesArg = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '1000000,10000000';
const targetOrders = sizesArg.split(',').map(Number);
const keep = args.includes('--keep');
const asOf = '2026-06-30';
const seed = 20261122;

function runCli(cliArgs, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, ...cliArgs], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    const watcher = watchPeakRss(child.pid);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const peaks = watcher.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`retain ${cliArgs.join(' ')} exited ${code}\n${stdout}`));
      else resolve({ seconds, peaks, out: JSON.parse(stdout) });
    });
  });
}

async function floor(dataDir, dbPath) {
  const template = readFileSync(join(root, 'bench', 'floor.sql'), 'utf8');
  const sql = template
    .replaceAll('{{orders_path}}', join(dataDir, 'orders.parquet'))
    .replaceAll('{{returns_path}}', join(dataDir, 'returns.parquet'))
    .replaceAll('{{as_of}}', asOf)
    .replaceAll('{{window_days}}', '1095');
  rmSync(dbPath, { force: true });
  const instance = await DuckDBInstance.create(dbPath);
  const connection = await instance.connect();
  const started = process.hrtime.bigint();
  await connection.run(`create table floor_segments as ${sql.replace(/;\s*$/, '')}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const reader = await connection.runAndReadAll('select segment, count(*)::integer as customers from floor_segments group by 1 order by 1');
  const counts = Object.fromEntries(reader.getRowObjectsJson().map((row) => [row.segment, Number(row.customers)]));
  connection.closeSync();
  instance.closeSync();
  return { seconds, counts };
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
console.log(`retain bench on ${machine}`);
const rows = [];
for (const orders of targetOrders) {
  // the generator averages about 2.74 orders per customer over its 3-year history (see generator_params.json)
  const customers = Math.round(orders / 2.74);
  const dir = join(root, 'bench', 'out', `orders-${orders}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const gen = await runCli(['generate', '--customers', String(customers), '--seed', String(seed), '--out', dir, '--as-of', asOf, '--clean', '--json'], root);
  const actualOrders = gen.out.files.orders.rows;
  console.log(`\n${actualOrders.toLocaleString('en-US')} orders, ${customers.toLocaleString('en-US')} customers: generated in ${gen.seconds.toFixed(1)}s`);
  const run = await runCli(['run', '--json'], dir);
  // the same job limited to what the floor computes: orders, returns and customers staging, RFM,
  // segments and the marts with their checks (the full run also stages 8 more sources)
  const rfmOnly = await runCli(['run', '--json', '--select', '+segment_summary', '+segment_transitions', '+customer_segments'], dir);
  const profileCustomers = run.out.segment_summary.reduce((sum, row) => sum + Number(row.customers), 0);
  const fl = await floor(join(dir, 'data'), join(dir, 'floor.duckdb'));
  const mismatched = run.out.segment_summary.filter((row) => (fl.counts[row.segment] ?? 0) !== Number(row.customers)).map((row) => row.segment);
  const row = {
    orders: actualOrders,
    customers: profileCustomers,
    generate_s: +gen.seconds.toFixed(1),
    run_s: +run.seconds.toFixed(1),
    floor_s: +fl.seconds.toFixed(2),
    ratio: +(run.seconds / fl.seconds).toFixed(2),
    rfm_run_s: +rfmOnly.seconds.toFixed(1),
    rfm_ratio: +(rfmOnly.seconds / fl.seconds).toFixed(2),
    node_peak_mib: Math.round(run.peaks.node),
    dbt_peak_mib: Math.round(run.peaks.dbt),
    segments_match_floor: mismatched.length === 0 ? 'yes' : `no: ${mismatched.join(', ')}`,
  };
  rows.push(row);
  console.log(`  retain run --select (RFM path only) ${row.rfm_run_s}s, ratio ${row.rfm_ratio}x`);
  console.log(`  retain run ${row.run_s}s (node peak ${row.node_peak_mib} MiB, dbt peak ${row.dbt_peak_mib} MiB); hand-written floor ${row.floor_s}s; ratio ${row.ratio}x; segments equal: ${row.segments_match_floor}`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
console.log('\n| orders | customers | generate s | retain run s (all 11 sources) | run, RFM path only s | floor query s | run/floor | RFM path/floor | node peak MiB | dbt peak MiB | same segments |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  console.log(`| ${r.orders.toLocaleString('en-US')} | ${r.customers.toLocaleString('en-US')} | ${r.generate_s} | ${r.run_s} | ${r.rfm_run_s} | ${r.floor_s} | ${r.ratio}x | ${r.rfm_ratio}x | ${r.node_peak_mib} | ${r.dbt_peak_mib} | ${r.segments_match_floor} |`);
}
if (existsSync(join(root, 'bench', 'out')) && !keep) rmSync(join(root, 'bench', 'out'), { recursive: true, force: true });

// identity resolution on 5,000,000 links (bench/identity.mjs prints its own numbers)
await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [join(root, 'bench', 'identity.mjs'), ...(keep ? ['--keep'] : [])], { stdio: 'inherit' });
  child.on('error', reject);
  child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench/identity.mjs exited ${code}`))));
});
