import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../config/load.js';
import type { SourceName } from '../config/schema.js';
import { RetainError } from '../errors.js';
import { acquireLock } from '../pipeline/lock.js';
import { openDuckDb } from '../warehouse/duckdb.js';
import { runChecks } from './checks.js';
import { validationSettings } from './settings.js';
import { appendValidationRun, tableExists, type ValidationRun } from './store.js';

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
  if (resolved.connection.type !== 'duckdb') return notPortedYet(resolved, options);
  const warehousePath = resolved.warehousePath;
  if (!existsSync(warehousePath)) {
    throw new RetainError('usage', `no results yet: ${warehousePath} does not exist`, 'run `retain run` first');
  }
  const release = options.lockHeld ? () => {} : acquireLock(warehousePath + '.lock', `a retain run on ${warehousePath}`);
  try {
    const db = await openDuckDb(warehousePath, { threads: resolved.target.threads, memoryLimit: resolved.target.type === 'duckdb' ? resolved.target.memory_limit : undefined });
    // DuckDB 1.5.2 can lose rows when a dynamic join filter is pushed below a DISTINCT (duckdb/duckdb#21757)
    await db.run("SET disabled_optimizers = 'join_filter_pushdown'");
    try {
      if (!(await tableExists(db, 'customer_profile'))) {
        throw new RetainError('usage', `${warehousePath} has no customer_profile table`, 'run `retain run` first');
      }
      const asOf = options.asOf ?? (await db.all<{ d: string | null }>("select strftime(max(as_of_date), '%Y-%m-%d') as d from customer_profile"))[0]?.d;
      if (!asOf) throw new RetainError('usage', `${warehousePath}: customer_profile is empty, nothing to validate`, 'check the orders source and run `retain run`');
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
      if (options.record !== false) await appendValidationRun(db, run);
      return run;
    } finally {
      db.close();
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

/** The checks still speak DuckDB SQL: on another target they are reported as skipped, never as passed silently. */
function notPortedYet(resolved: ResolvedConfig, options: ValidateOptions): ValidationRun {
  const checkedAt = new Date().toISOString();
  const asOf = options.asOf ?? resolved.config.as_of ?? checkedAt.slice(0, 10);
  return {
    runId: `${asOf}_${checkedAt.replace(/[-:.]/g, '').slice(0, 15)}_${randomBytes(3).toString('hex')}`,
    asOf,
    checkedAt,
    passed: true,
    results: [
      {
        check: 'validation',
        subject: '',
        status: 'skip',
        value: null,
        threshold: null,
        message: `the distribution, drift and freshness checks run on duckdb targets only so far; ${resolved.connection.type} results were not checked`,
      },
    ],
  };
}
