/**
 * File outbox destination (used by the demo and the fault tests): each batch is appended to
 * `<path>/<audience>.<jsonl|csv>` and flushed to disk before it is acknowledged, so an operation the
 * engine records as sent is on disk. A resent operation (after a crash) appends the same record again,
 * which replays to the same membership: the outbox is idempotent under replay.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncEvent, SyncOperation } from '../../sync/types.js';
import { CSV_HEADER, csvLine, jsonLine, parseOutbox, recordFor, replayOutbox, type OutboxRecord } from './mapping.js';
import { fileSettings, type FileSettings } from './settings.js';

/** Local disk: large batches, no real rate limit (the figures only pace the engine's token bucket). */
export const FILE_LIMITS: DestinationLimits = { maxBatchSize: 10_000, requestsPerSecond: 1000, burst: 1000 };

const AUDIENCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function outboxPath(settings: FileSettings, audience: string): string {
  if (!AUDIENCE_NAME.test(audience)) {
    throw new ConfigError(`file destination: audience name "${audience}" cannot name a file`, 'use letters, digits and _');
  }
  return join(settings.path, `${audience}.${settings.format}`);
}

export class FileDestination implements Destination {
  readonly type = 'file';
  readonly limits = FILE_LIMITS;

  constructor(private readonly settings: FileSettings) {}

  async prepare(ctx: DestinationContext): Promise<void> {
    mkdirSync(this.settings.path, { recursive: true });
    outboxPath(this.settings, ctx.audience);
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const path = outboxPath(this.settings, ctx.audience);
    mkdirSync(this.settings.path, { recursive: true });
    const csv = this.settings.format === 'csv';
    let text = csv && !existsSync(path) ? CSV_HEADER.join(',') + '\n' : '';
    for (const operation of batch) text += csv ? csvLine(recordFor(operation)) : jsonLine(recordFor(operation));
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return batch.map((operation) => ({ key: operation.member.key, kind: operation.kind, status: 'ok' }));
  }

  /** Transition events: one JSON line each in `<path>/<audience>.events.jsonl`, flushed before acknowledging. */
  async sendEvents(events: SyncEvent[], ctx: DestinationContext): Promise<OperationResult[]> {
    const path = outboxPath(this.settings, ctx.audience).replace(/\.(csv|jsonl)$/, '.events.jsonl');
    mkdirSync(this.settings.path, { recursive: true });
    let text = '';
    for (const event of events) {
      text += JSON.stringify({ event: event.name, key: event.key, segment: event.segment, occurred_at: event.occurredAt, idempotency_key: event.idempotencyKey, identifiers: event.identifiers, properties: event.properties }) + '\n';
    }
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return events.map((event) => ({ key: event.key, kind: 'add', status: 'ok' }));
  }
}

/** The members an audience's outbox holds now (replayed in order; missing file = none). */
export function readOutboxMembers(settings: FileSettings, audience: string): Map<string, OutboxRecord> {
  const path = outboxPath(settings, audience);
  if (!existsSync(path)) return new Map();
  return replayOutbox(parseOutbox(readFileSync(path, 'utf8'), settings.format));
}

export const fileDestination: DestinationFactory<FileSettings> = {
  type: 'file',
  settings: fileSettings,
  secretEnv: () => [],
  create: (settings) => new FileDestination(settings),
};
