/**
 * Pure encoding of outbox records. One record per operation: what the destination was told, in order,
 * so replaying a file gives the membership it holds (the last operation per key wins).
 */
import type { SyncOperation, SyncOperationKind } from '../../sync/types.js';

export interface OutboxRecord {
  operation: SyncOperationKind;
  key: string;
  idempotency_key: string;
  identifiers: Record<string, string | null>;
  payload: Record<string, unknown>;
}

export const CSV_HEADER = ['operation', 'key', 'idempotency_key', 'identifiers', 'payload'] as const;

export function recordFor(operation: SyncOperation): OutboxRecord {
  return {
    operation: operation.kind,
    key: operation.member.key,
    idempotency_key: operation.idempotencyKey,
    identifiers: operation.member.identifiers,
    payload: operation.member.payload,
  };
}

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(record: OutboxRecord): string {
  return [record.operation, record.key, record.idempotency_key, JSON.stringify(record.identifiers), JSON.stringify(record.payload)]
    .map(csvField)
    .join(',') + '\n';
}

export function jsonLine(record: OutboxRecord): string {
  return JSON.stringify(record) + '\n';
}

/** Splits RFC 4180 text into rows of fields (quoted fields may hold commas and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Records of an outbox file's text, in order. */
export function parseOutbox(text: string, format: 'jsonl' | 'csv'): OutboxRecord[] {
  if (format === 'jsonl') {
    return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as OutboxRecord);
  }
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  if (header.join(',') !== CSV_HEADER.join(',')) throw new Error(`unexpected outbox header: ${header.join(',')}`);
  return rows.map(([operation, key, idempotency_key, identifiers, payload]) => ({
    operation: operation as SyncOperationKind,
    key: key!,
    idempotency_key: idempotency_key!,
    identifiers: JSON.parse(identifiers!) as Record<string, string | null>,
    payload: JSON.parse(payload!) as Record<string, unknown>,
  }));
}

/** The membership the outbox describes: key -> the latest add/update record, removed keys dropped. */
export function replayOutbox(records: readonly OutboxRecord[]): Map<string, OutboxRecord> {
  const members = new Map<string, OutboxRecord>();
  for (const record of records) {
    if (record.operation === 'remove') members.delete(record.key);
    else members.set(record.key, record);
  }
  return members;
}
