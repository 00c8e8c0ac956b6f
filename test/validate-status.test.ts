/** latestValidationStatus: reads the newest run of validation_results written by appendValidationRun. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestValidationStatus } from '../src/validate/status.js';
import { appendValidationRun, type CheckResult } from '../src/validate/store.js';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-status-');

const check = (name: string, subject: string, status: CheckResult['status']): CheckResult => ({ check: name, subject, status, value: 1, threshold: 2, message: `${name} ${status}` });

describe('latestValidationStatus', () => {
  it('is null when the file or the table does not exist', async () => {
    expect(await latestValidationStatus(join(dir, 'missing.duckdb'))).toBeNull();
    const path = join(dir, 'empty.duckdb');
    const db = await openDuckDb(path);
    await db.run('create table something (x int)');
    db.close();
    expect(await latestValidationStatus(path)).toBeNull();
  });

  it('reports the newest run only: its failures, or passed when it has only passes and warnings', async () => {
    const path = join(dir, 'history.duckdb');
    const db = await openDuckDb(path);
    await appendValidationRun(db, {
      runId: 'run-1', asOf: '2024-06-30', checkedAt: '2024-07-01T00:00:00.000Z', passed: false,
      results: [check('segment_share_bounds', 'lost', 'fail'), check('mece', '', 'fail'), check('freshness', 'orders', 'pass')],
    });
    db.close();
    expect(await latestValidationStatus(path)).toEqual({ runId: 'run-1', asOf: '2024-06-30', passed: false, failed: ['segment_share_bounds:lost', 'mece'] });

    const again = await openDuckDb(path);
    await appendValidationRun(again, {
      runId: 'run-2', asOf: '2024-09-30', checkedAt: '2024-10-01T00:00:00.000Z', passed: true,
      results: [check('segment_share_bounds', 'lost', 'warn'), check('freshness', 'orders', 'pass')],
    });
    const count = await again.all<{ n: number }>('select count(*) as n from validation_results');
    again.close();
    expect(count[0]!.n).toBe(5);
    expect(await latestValidationStatus(path)).toEqual({ runId: 'run-2', asOf: '2024-09-30', passed: true, failed: [] });
  });
});
