import { existsSync } from 'node:fs';
import { openDuckDb } from '../warehouse/duckdb.js';
import { duckDbWarehouse } from '../warehouse/duckdb-warehouse.js';
import { failedChecks, readLatestValidation } from './store.js';

export interface ValidationStatus {
  /** the validation run's id (as written to validation_results.run_id) */
  runId: string;
  /** the as-of date of the pipeline run it checked (YYYY-MM-DD) */
  asOf: string;
  /** true when no check failed (warnings do not fail a run) */
  passed: boolean;
  /** the failed checks as "check_name" or "check_name:subject" */
  failed: string[];
}

/**
 * The newest validation run recorded in the warehouse, or null when the file or the
 * validation_results table does not exist. Opens the file read-only: call it only while no
 * other process writes the warehouse (e.g. while holding the warehouse lock).
 */
export async function latestValidationStatus(warehousePath: string): Promise<ValidationStatus | null> {
  if (!existsSync(warehousePath)) return null;
  const db = await openDuckDb(warehousePath, { readOnly: true });
  try {
    const rows = await readLatestValidation(duckDbWarehouse(db, warehousePath));
    if (rows.length === 0) return null;
    const failed = failedChecks(rows);
    return { runId: rows[0]!.run_id, asOf: rows[0]!.as_of_date, passed: failed.length === 0, failed };
  } finally {
    db.close();
  }
}
