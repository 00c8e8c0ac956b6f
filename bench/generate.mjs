#!/usr/bin/env node
// Benchmark of `retain generate` (not a test). Run `npm run build` first; it uses dist/.
//
//   node bench/generate.mjs                      # ~1M and ~10M orders, parquet
//   node bench/generate.mjs 50000 --format csv   # any customer counts, csv
//
// About 2.7 order rows are written per customer, so 370,000 customers give ~1M orders and 3,700,000 ~10M.
// Output goes to bench/out/generate-<customers>/ and is removed afterwards unless --keep is given.
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { generate } = await import(join(here, '..', 'dist', 'src', 'generate', 'index.js'));

const args = process.argv.slice(2);
const format = args.includes('--format') ? args[args.indexOf('--format') + 1] : 'parquet';
const keep = args.includes('--keep');
const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--format').map(Number);
const customersList = sizes.length ? sizes : [370_000, 3_700_000];

console.log(`retain generate benchmark: ${cpus().length} cores, format ${format}, node ${process.version}`);
console.log(['customers', 'orders', 'all rows', 'seconds', 'orders/s', 'rows/s'].map((h) => h.padStart(12)).join(''));
for (const customers of customersList) {
  const out = join(here, 'out', `generate-${customers}`);
  rmSync(out, { recursive: true, force: true });
  const result = await generate({ customers, seed: 42, out, format, asOf: '2026-11-22' });
  const orders = result.files.orders.rows;
  const rows = Object.values(result.files).reduce((sum, f) => sum + f.rows, 0);
  const cells = [customers, orders, rows, result.seconds.toFixed(1), Math.round(orders / result.seconds), Math.round(rows / result.seconds)];
  console.log(cells.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c).padStart(12)).join(''));
  if (!keep) rmSync(out, { recursive: true, force: true });
}
