import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import type { SourceName } from '../config/schema.js';
import { RetainError } from '../errors.js';
import { acquireLock } from '../pipeline/lock.js';
import { openDuckDbWarehouse } from '../warehouse/duckdb-warehouse.js';
import { openWarehouse } from '../warehouse/index.js';
import { describeTarget } from '../warehouse/target.js';
import { runChecks } from './checks.js';
import { validationSettings } from './settings.js';
import { appendValidationRunTo, type ValidationRun } from './store.js';

export type { CheckResult, ValidationRun } from './store.js';

export interface ValidateOptions {
  /** the as-of date checked; default: the as-of date of customer_profile */
  asOf?: string;
  /** the caller already holds the warehouse lock (retain run) */
  lockHeld?: boolean;
  /** do not append to validation_results (a dry look) */
  record?: boolean;
}

/**
 * Runs every check on the warehouse's current results and appends them to validation_results.
 * Takes the warehouse lock (src/pipeline/lock.ts) unless the caller holds it: one writer at a time,
 * and never while dbt has the file open.
 */
export async function validateWarehouse(resolved: ResolvedConfig, options: ValidateOptions = {}): Promise<ValidationRun> {
  const connection = resolved.connection;
  const warehousePath = resolved.warehousePath;
  const where = connection.type === 'duckdb' ? warehousePath : describeTarget(connection);
  if (connection.type === 'duckdb' && !existsSync(warehousePath)) {
    throw new RetainError('usage', `no results yet: ${warehousePath} does not exist`, 'run `retain run` first');
  }
  mkdirSync(dirname(warehousePath), { recursive: true });
  const release = options.lockHeld ? () => {} : acquireLock(warehousePath + '.lock', `a retain run on ${where}`);
  try {
    // a DuckDB file by its path (a backtest validates copies), any other target by its connection
    const db =
      resolved.target.type === 'duckdb'
        ? await openDuckDbWarehouse({ type: 'duckdb', path: warehousePath, threads: resolved.target.threads, memoryLimit: resolved.target.memory_limit })
        : await openWarehouse(connection);
    try {
      if (!(await db.tableExists('customer_profile'))) {
        throw new RetainError('usage', `${where} has no customer_profile table`, 'run `retain run` first');
      }
      const asOf = options.asOf ?? (await db.query<{ d: string | null }>('select cast(max(as_of_date) as varchar) as d from customer_profile'))[0]?.d;
      if (!asOf) throw new RetainError('usage', `${where}: customer_profile is empty, nothing to validate`, 'check the orders source and run `retain run`');
      const checkedAt = new Date().toISOString();
      const results = await runChecks({
        db,
        asOf,
        settings: validationSettings(resolved),
        sources: Object.keys(resolved.sources) as SourceName[],
      });
      const run: ValidationRun = {
        runId: `${asOf}_${checkedAt.replace(/[-:.]/g, '').slice(0, 15)}_${randomBytes(3).toString('hex')}`,
        asOf,
        checkedAt,
        passed: results.every((result) => result.status !== 'fail'),
        results,
      };
      if (options.record !== false) await appendValidationRunTo(db, run);
      return run;
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}

/** The JSON shape of a validation run (snake_case like the warehouse tables). */
export function validationJson(run: ValidationRun): Record<string, unknown> {
  const count = (status: string) => run.results.filter((result) => result.status === status).length;
  return {
    run_id: run.runId,
    as_of: run.asOf,
    checked_at: run.checkedAt,
    passed: run.passed,
    counts: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') },
    checks: run.results.map((result) => ({
      check: result.check,
      subject: result.subject,
      status: result.status,
      value: result.value,
      threshold: result.threshold,
      message: result.message,
    })),
  };
}

