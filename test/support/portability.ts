/**
 * Helpers of the portability suites (test/portability*.test.ts): run the built CLI side by side,
 * open a target's warehouse, and compare tables row for row between DuckDB and a server target.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openWarehouse, type Row, type Warehouse } from '../../src/warehouse/index.js';
import { cliPath, repoRoot } from './cli.js';

/** The marts: every model under models/marts (new marts are compared without editing a test). */
export function martNames(folder = join(repoRoot, 'models', 'marts')): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? martNames(join(folder, entry.name)) : entry.name.endsWith('.sql') ? [entry.name.slice(0, -4)] : [],
  );
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI, asynchronously, so runs on two targets go side by side. */
export function retainAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, TZ: 'Europe/Paris', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

export async function withWarehouse<T>(folder: string, target: string | undefined, read: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const resolved = loadConfig({ config: join(folder, 'retain.yml'), target });
  const warehouse = await openWarehouse(resolved.connection, { readOnly: true });
  try {
    return await read(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** JSON with the keys of every object in order: Snowflake keeps an OBJECT's keys sorted, the others as built. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, inner]) => [key, sortedKeys(inner)]));
  return value;
}

/** A value in a form every warehouse agrees on: JSON text parsed, numbers kept for the tolerance check. */
export function canonical(value: unknown): unknown {
  if (typeof value === 'string' && /^[{[]/.test(value)) {
    try {
      return sortedKeys(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$/.test(value)) return value.slice(0, 10);
  return value;
}

function sortKey(row: Row): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((key) => {
        const value = canonical(row[key]);
        return typeof value === 'number' ? Number(value.toPrecision(8)) : value;
      }),
  );
}

export async function readTable(warehouse: Warehouse, table: string): Promise<Row[]> {
  const rows = await warehouse.query(`select * from ${warehouse.qualify(table)}`);
  return rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/**
 * Audiences for the suites' retain.yml, so audience_definitions, audience_members and
 * holdout_assignments are compared too: one by segment with text and number fields in its payload
 * (a float, a date, an integer), one by transition (events).
 */
export const ACTIVATION = [
  'destinations:',
  '  outbox: { type: file, path: outbox, format: jsonl }',
  'audiences:',
  '  - name: win_back',
  '    destination: outbox',
  '    segments: [cant_lose_them, at_risk, hibernating]',
  '    fields: { offer: profile_incentive, churn: churn_risk, clv: predicted_clv, last_order: last_order_date, orders: lifetime_orders }',
  '    holdout_pct: 10',
  '  - name: entered_at_risk',
  '    destination: outbox',
  '    entered: [at_risk]',
  '    send_as: events',
  '    holdout_pct: 10',
  '',
].join('\n');

/**
 * payload_hash hashes the payload's JSON text, which each warehouse spells its own way (Postgres
 * spaces it, Snowflake sorts keys): it only has to change when the payload does, on the warehouse
 * that syncs. Checks that on one side (one hash per distinct identifiers and payload text) and
 * drops the column so the rest compares across warehouses.
 */
export function withoutPayloadHash(members: Row[]): boolean {
  const hashes = new Map<string, Set<unknown>>();
  for (const row of members) {
    const text = `${String(row.identifiers)}|${String(row.payload)}`;
    hashes.set(text, (hashes.get(text) ?? new Set()).add(row.payload_hash));
    delete row.payload_hash;
  }
  return members.length > 0 && [...hashes.values()].every((set) => set.size === 1 && typeof [...set][0] === 'string');
}

export interface ReportSummary {
  as_of: string;
  sections: Array<{ id: string; shown: boolean }>;
  charts: Array<{ id: string; points: number }>;
}

/** `retain report --json` of a folder's project (args: --target ...), written to <folder>/<file>. */
export async function writeReportSummary(folder: string, args: string[], file: string): Promise<ReportSummary> {
  const run = await retainAsync(['report', ...args, '--out', join(folder, file), '--json'], folder);
  if (run.code !== 0) throw new Error(`retain report ${args.join(' ')} failed (exit ${run.code}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as ReportSummary;
}

/** Equal values, numbers within 1e-9 relative, also inside parsed JSON (a payload's floats). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    return JSON.stringify(keys) === JSON.stringify(Object.keys(b)) && keys.every((key) => sameValue((a as Row)[key], (b as Row)[key]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Differences between two row sets (same order), floats within 1e-9 relative; [] when equal. */
export function differences(table: string, left: Row[], right: Row[], names: [string, string] = ['duckdb', 'postgres']): string[] {
  const out: string[] = [];
  if (left.length !== right.length) return [`${table}: ${left.length} rows on ${names[0]}, ${right.length} on ${names[1]}`];
  left.forEach((row, i) => {
    const other = right[i]!;
    const columns = new Set([...Object.keys(row), ...Object.keys(other)]);
    for (const column of columns) {
      const a = canonical(row[column]);
      const b = canonical(other[column]);
      const close = sameValue(a, b);
      if (!close) out.push(`${table} row ${i} column ${column}: ${names[0]} ${JSON.stringify(row[column])}, ${names[1]} ${JSON.stringify(other[column])}`);
    }
  });
  return out.slice(0, 20);
}
