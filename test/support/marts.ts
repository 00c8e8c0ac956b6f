/**
 * Comparing the marts of two warehouses row for row (the portability suites): every model under
 * models/marts, read through the Warehouse interface, sorted by a canonical key, floats compared
 * to a relative tolerance.
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

/** A value in a form every warehouse agrees on: JSON text parsed, midnight timestamps as dates. */
export function canonical(value: unknown): unknown {
  if (typeof value === 'string' && /^[{[]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
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

/** Differences between two row sets (same order), floats within `tolerance` relative; [] when equal. */
export function differences(table: string, left: Row[], right: Row[], names: [string, string], tolerance = 1e-9): string[] {
  const out: string[] = [];
  if (left.length !== right.length) return [`${table}: ${left.length} rows on ${names[0]}, ${right.length} on ${names[1]}`];
  left.forEach((row, i) => {
    const other = right[i]!;
    const columns = new Set([...Object.keys(row), ...Object.keys(other)]);
    for (const column of columns) {
      const a = canonical(row[column]);
      const b = canonical(other[column]);
      const close = typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b)) : JSON.stringify(a) === JSON.stringify(b);
      if (!close) out.push(`${table} row ${i} column ${column}: ${names[0]} ${JSON.stringify(row[column])}, ${names[1]} ${JSON.stringify(other[column])}`);
    }
  });
  return out.slice(0, 20);
}
