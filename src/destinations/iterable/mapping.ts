/**
 * Iterable mapping (pure): one subscriber object per operation, identified by email or userId.
 * Iterable matches emails case-insensitively; we send them trimmed and lowercased.
 */
import type { SyncOperation } from '../../sync/types.js';
import { normalizeEmail } from '../shared/identifiers.js';
import type { IterableSettings } from './settings.js';

export interface Subscriber {
  email?: string;
  userId?: string;
  dataFields?: Record<string, unknown>;
  preferUserId?: boolean;
}

export type SubscriberPlan = { ok: true; subscriber: Subscriber; id: string } | { ok: false; error: string };

export function subscriberFor(operation: SyncOperation, settings: Pick<IterableSettings, 'identifier' | 'data_fields'>): SubscriberPlan {
  const withFields = operation.kind !== 'remove' && settings.data_fields && Object.keys(operation.member.payload).length > 0;
  if (settings.identifier === 'email') {
    const email = normalizeEmail(operation.member.identifiers.email);
    if (email === null) return { ok: false, error: 'no valid email address' };
    return { ok: true, id: email, subscriber: withFields ? { email, dataFields: operation.member.payload } : { email } };
  }
  const userId = (operation.member.identifiers.user_id ?? operation.member.key).trim();
  if (userId.length === 0) return { ok: false, error: 'no user id' };
  const subscriber: Subscriber = operation.kind === 'remove' ? { userId } : { userId, preferUserId: true };
  if (withFields) subscriber.dataFields = operation.member.payload;
  return { ok: true, id: userId, subscriber };
}
