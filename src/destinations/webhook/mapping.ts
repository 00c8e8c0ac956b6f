/**
 * Webhook mapping (pure): the delivery body, its idempotency key and its signature. The signature
 * scheme follows the common webhook-signing pattern (Stripe's `t=...,v1=...`, Standard Webhooks):
 * HMAC-SHA256 keyed with the shared secret over `timestamp + "." + raw body`, hex, sent as `v1=<hex>`,
 * so a receiver can reject replays older than its tolerance and verify with a constant-time compare.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SyncEvent, SyncOperation } from '../../sync/types.js';

export const SIGNATURE_VERSION = 'v1';

export interface OperationRecord {
  kind: SyncOperation['kind'];
  key: string;
  identifiers: Record<string, string | null>;
  payload?: Record<string, unknown>;
  idempotency_key: string;
}

export interface EventRecord {
  name: SyncEvent['name'];
  key: string;
  segment: string;
  occurred_at: string;
  identifiers: Record<string, string | null>;
  properties: Record<string, unknown>;
  idempotency_key: string;
}

export interface MembershipDelivery {
  type: 'audience.membership';
  delivery_id: string;
  audience: string;
  operations: OperationRecord[];
}

export interface EventDelivery {
  type: 'audience.events';
  delivery_id: string;
  audience: string;
  events: EventRecord[];
}

/**
 * A key per delivery that is the same on every retry of the same operations: SHA-256 over the
 * operations' own idempotency keys in order (each already stable per audience, key, kind and payload).
 */
export function deliveryId(idempotencyKeys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of idempotencyKeys) hash.update(key, 'utf8').update('\n');
  return `rtn_${hash.digest('hex').slice(0, 48)}`;
}

export function membershipDelivery(audience: string, batch: readonly SyncOperation[], includePayload: boolean): MembershipDelivery {
  return {
    type: 'audience.membership',
    delivery_id: deliveryId(batch.map((operation) => operation.idempotencyKey)),
    audience,
    operations: batch.map((operation) => ({
      kind: operation.kind,
      key: operation.member.key,
      identifiers: operation.member.identifiers,
      ...(includePayload && operation.kind !== 'remove' ? { payload: operation.member.payload } : {}),
      idempotency_key: operation.idempotencyKey,
    })),
  };
}

export function eventDelivery(audience: string, events: readonly SyncEvent[]): EventDelivery {
  return {
    type: 'audience.events',
    delivery_id: deliveryId(events.map((event) => event.idempotencyKey)),
    audience,
    events: events.map((event) => ({
      name: event.name,
      key: event.key,
      segment: event.segment,
      occurred_at: event.occurredAt,
      identifiers: event.identifiers,
      properties: event.properties,
      idempotency_key: event.idempotencyKey,
    })),
  };
}

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}
