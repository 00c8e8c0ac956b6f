import type { DuckDb } from '../warehouse/duckdb.js';
import type { ColumnSpec, Warehouse } from '../warehouse/index.js';

/**
 * The `validation_results` history: one row per check per validation run, appended by Node after
 * dbt has finished and released the warehouse file (dbt never touches this table, so it survives
 * --full-refresh and every run's copy-and-swap).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** what was checked, e.g. segment_share_bounds, segment_psi, freshness */
  check: string;
  /** what it was checked on, e.g. a segment, a score, a source; '' for the whole run */
  subject: string;
  status: CheckStatus;
  /** the measured value (a share, a PSI, hours, a count), when there is one */
  value: number | null;
  /** the limit it was compared with, when there is one */
  threshold: number | null;
  message: string;
}

export interface ValidationRun {
  runId: string;
  asOf: string;
  checkedAt: string;
  passed: boolean;
  results: CheckResult[];
}

export const VALIDATION_TABLE = 'validation_results';

export const VALIDATION_DDL = validationDdl(VALIDATION_TABLE);

/** The table's DDL under a given (qualified) name. */
function validationDdl(name: string): string {
  return `create table if not exists ${name} (
  run_id varchar not null,
  as_of_date date not null,
  checked_at timestamp not null,
  check_name varchar not null,
  subject varchar not null,
  status varchar not null,
  value double precision,
  threshold double precision,
  message varchar not null
)`;
}

export async function tableExists(db: DuckDb, table: string): Promise<boolean> {
  const rows = await db.all<{ n: number }>('select count(*) as n from information_schema.tables where table_name = $name', { name: table });
  return (rows[0]?.n ?? 0) > 0;
}

export async function columnsOf(db: DuckDb, table: string): Promise<Set<string>> {
  const rows = await db.all<{ column_name: string }>('select column_name from information_schema.columns where table_name = $name', { name: table });
  return new Set(rows.map((row) => row.column_name));
}

/** Appends one validation run (in one transaction) to validation_results. */
export async function appendValidationRun(db: DuckDb, run: ValidationRun): Promise<void> {
  await db.run(VALIDATION_DDL);
  await db.run('begin transaction');
  try {
    const appender = await db.connection.createAppender(VALIDATION_TABLE);
    for (const result of run.results) {
      appender.appendVarchar(run.runId);
      appender.appendVarchar(run.asOf);
      appender.appendVarchar(run.checkedAt);
      appender.appendVarchar(result.check);
      appender.appendVarchar(result.subject);
      appender.appendVarchar(result.status);
      if (result.value === null || !Number.isFinite(result.value)) appender.appendNull();
      else appender.appendDouble(result.value);
      if (result.threshold === null || !Number.isFinite(result.threshold)) appender.appendNull();
      else appender.appendDouble(result.threshold);
      appender.appendVarchar(result.message);
      appender.endRow();
    }
    appender.closeSync();
    await db.run('commit');
  } catch (error) {
    await db.run('rollback');
    throw error;
  }
}

const VALIDATION_COLUMNS: ColumnSpec[] = [
  { name: 'run_id', type: 'text' },
  { name: 'as_of_date', type: 'date' },
  { name: 'checked_at', type: 'timestamp' },
  { name: 'check_name', type: 'text' },
  { name: 'subject', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'value', type: 'double' },
  { name: 'threshold', type: 'double' },
  { name: 'message', type: 'text' },
];

/** Appends one validation run (in one transaction) through the Warehouse interface (any target). */
export async function appendValidationRunTo(warehouse: Warehouse, run: ValidationRun): Promise<void> {
  // qualified: a DDL statement's unqualified name is not resolved by the BigQuery emulator
  await warehouse.execute(validationDdl(warehouse.qualify(VALIDATION_TABLE)));
  const finite = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);
  const rows = run.results.map((result) => [run.runId, run.asOf, run.checkedAt, result.check, result.subject, result.status, finite(result.value), finite(result.threshold), result.message]);
  await warehouse.writeTable(VALIDATION_TABLE, VALIDATION_COLUMNS, rows, { mode: 'append' });
}

export interface StoredCheckRow extends Record<string, unknown> {
  run_id: string;
  as_of_date: string;
  checked_at: string;
  check_name: string;
  subject: string;
  status: CheckStatus;
  value: number | null;
  threshold: number | null;
  message: string;
}


/**
 * The newest validation run's rows (by checked_at), or [] when there is no history, on any
 * target: failures first, then warnings, passes and the rest; within a status in the order
 * written on DuckDB (rowid), by check and subject elsewhere.
 */
export async function readLatestValidation(warehouse: Warehouse): Promise<StoredCheckRow[]> {
  if (!(await warehouse.tableExists(VALIDATION_TABLE))) return [];
  const table = warehouse.qualify(VALIDATION_TABLE);
  const rows = await warehouse.query<StoredCheckRow>(
    `select run_id, as_of_date, checked_at, check_name, subject, status, value, threshold, message
     from ${table}
     where run_id = (select run_id from ${table} order by checked_at desc, run_id desc limit 1)
     order by case status when 'fail' then 0 when 'warn' then 1 when 'pass' then 2 else 3 end, ${warehouse.type === 'duckdb' ? 'rowid' : 'check_name, subject'}`,
  );
  return rows.map((row) => ({ ...row, as_of_date: String(row.as_of_date).slice(0, 10), checked_at: String(row.checked_at) }));
}

/** The failed checks of a validation run, as "check_name" or "check_name:subject". */
export function failedChecks(rows: StoredCheckRow[]): string[] {
  return rows.filter((row) => row.status === 'fail').map((row) => (row.subject ? `${row.check_name}:${row.subject}` : row.check_name));
}
