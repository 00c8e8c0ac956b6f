import type { z } from 'zod';

/** One audience member as a destination sees it. */
export interface SyncMember {
  /** Stable key: the resolved customer id. */
  key: string;
  /** Identifiers mapped for the channel (email, phone, external_id, ...), raw: the destination normalizes/hashes. */
  identifiers: Record<string, string | null>;
  /** Payload fields, already rendered (templates applied). */
  payload: Record<string, unknown>;
}

export type SyncOperationKind = 'add' | 'update' | 'remove';

export interface SyncOperation {
  kind: SyncOperationKind;
  member: SyncMember;
  /** Stable per (audience, key, kind, payload hash): send it where the vendor supports idempotency keys. */
  idempotencyKey: string;
}

export type OperationStatus = 'ok' | 'rejected' | 'retry';

export interface OperationResult {
  key: string;
  kind: SyncOperationKind;
  /** ok = acknowledged; rejected = the vendor refused this row (failed index, retried next run); retry = transient for this row. */
  status: OperationStatus;
  error?: string;
}

export interface DestinationLimits {
  /** Maximum operations in one request. */
  maxBatchSize: number;
  /** Sustained requests per second the vendor allows (token-bucket refill rate). */
  requestsPerSecond: number;
  /** Token-bucket size. */
  burst: number;
  /** Adds/updates and removes must go in separate requests. */
  separateKinds?: boolean;
  /** Maximum request body in bytes, where the vendor documents one. */
  maxRequestBytes?: number;
}

/** Thrown by a destination when a whole request failed; the engine waits, retries or splits the batch. */
export class DestinationError extends Error {
  constructor(
    message: string,
    readonly details: {
      /** HTTP status, when there was a response. */
      status?: number;
      /** From a Retry-After header (seconds), when present. */
      retryAfterSeconds?: number;
      /** 429, 5xx, network errors, timeouts: true. A 4xx that rejects the request as a whole: false (the engine splits the batch to isolate bad rows). */
      retryable: boolean;
      /** The vendor's error body or code, redacted of secrets. */
      body?: string;
    },
  ) {
    super(message);
    this.name = 'DestinationError';
  }
}

export interface DestinationContext {
  audience: string;
  runId: string;
  /** Aborted on timeout or shutdown: pass it to fetch. */
  signal: AbortSignal;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

export interface SyncEvent {
  key: string;
  name: 'segment_entered' | 'segment_exited';
  segment: string;
  /** ISO 8601 timestamp. */
  occurredAt: string;
  identifiers: Record<string, string | null>;
  properties: Record<string, unknown>;
  idempotencyKey: string;
}

export interface Destination {
  readonly type: string;
  readonly limits: DestinationLimits;
  /** Optional set-up once per sync (look up a list, open an upload session). */
  prepare?(ctx: DestinationContext): Promise<void>;
  /**
   * Send one batch (<= limits.maxBatchSize; one kind only when limits.separateKinds). Return exactly one
   * result per operation. Throw DestinationError for a failure of the whole request.
   */
  send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]>;
  /** Transition audiences sent as events (Braze, Klaviyo, webhook). */
  sendEvents?(events: SyncEvent[], ctx: DestinationContext): Promise<OperationResult[]>;
  /** Optional final step (close a session, wait for a bulk job). */
  finish?(ctx: DestinationContext): Promise<void>;
}

export interface DestinationFactory<S = unknown> {
  /** The `type` in retain.yml: 'file', 'webhook', 'klaviyo', 'braze', 'hubspot', 'mailchimp', 'iterable', 'google_ads', 'meta'. */
  type: string;
  /** zod schema of the settings in retain.yml `destinations.<name>` (everything except `type`). */
  settings: z.ZodType<S>;
  /** Names of the environment variables this destination reads secrets from (never the values). */
  secretEnv(settings: S): string[];
  /** Build a client. Secrets come from env only; throw a RetainError('config', ...) naming the missing variable. */
  create(settings: S, env: NodeJS.ProcessEnv): Destination;
}
