import Table from 'cli-table3';
import type { ValidationRun } from '../validate/store.js';

function failedNames(run: ValidationRun): string[] {
  return run.results.filter((r) => r.status === 'fail').map((r) => (r.subject ? `${r.check}:${r.subject}` : r.check));
}

const MARK: Record<string, string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
const COLOR: Record<string, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skip: '\x1b[90m' };

function formatValue(value: number | null): string {
  if (value === null) return '-';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(4);
}

/** The checks of one validation run as a terminal table, then a one-line verdict. */
export function renderValidationTable(run: ValidationRun, options: { color?: boolean; width?: number } = {}): string {
  const color = options.color === true;
  const paint = (status: string, text: string) => (color ? `${COLOR[status] ?? ''}${text}\x1b[0m` : text);
  const width = Math.max(options.width ?? 132, 100);
  const table = new Table({
    head: ['status', 'check', 'subject', 'value', 'limit', 'detail'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'left'],
    colWidths: [8, 22, 21, 9, 8, Math.max(width - 8 - 22 - 21 - 9 - 8 - 7, 40)],
    wordWrap: true,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const result of run.results) {
    table.push([paint(result.status, MARK[result.status] ?? result.status), result.check, result.subject || '-', formatValue(result.value), formatValue(result.threshold), result.message]);
  }
  const count = (status: string) => run.results.filter((result) => result.status === status).length;
  const verdict = run.passed
    ? paint('pass', `Passed: ${count('pass')} checks ok, ${count('warn')} warnings, ${count('skip')} skipped`)
    : paint('fail', `FAILED: ${count('fail')} checks failed (${failedNames(run).join(', ')}), ${count('warn')} warnings, ${count('pass')} ok`);
  return `${table.toString()}\n${verdict} (as of ${run.asOf}, run ${run.runId}; history in validation_results)`;
}
