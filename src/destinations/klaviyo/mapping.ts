/**
 * Klaviyo mapping (pure). Profiles are JSON:API resource objects
 * ({type: "profile", attributes: {email, phone_number (E.164), properties}}); the Bulk Import
 * Profiles API cannot clear a field with null, so null payload values are left out.
 * https://developers.klaviyo.com/en/reference/bulk_import_profiles
 */
import { createHash } from 'node:crypto';
import type { SyncEvent, SyncMember, SyncOperation } from '../../sync/types.js';
import { normalizeEmail, toE164 } from '../shared/identifiers.js';

export interface ProfileIdentity {
  email?: string;
  phone_number?: string;
}

export interface ProfileResource {
  type: 'profile';
  attributes: ProfileIdentity & { properties?: Record<string, unknown> };
}

/** Email (trimmed, lowercased) and/or E.164 phone, or null when the member has neither. */
export function identityFor(identifiers: SyncMember['identifiers'], defaultCallingCode?: string): ProfileIdentity | null {
  const email = normalizeEmail(identifiers.email);
  const phone = toE164(identifiers.phone, defaultCallingCode);
  // Klaviyo's filter syntax quotes values with double quotes; an address holding one cannot be looked up.
  const usableEmail = email !== null && !/["\\]/.test(email) ? email : null;
  if (usableEmail === null && phone === null) return null;
  return { ...(usableEmail === null ? {} : { email: usableEmail }), ...(phone === null ? {} : { phone_number: phone }) };
}

/** The identity's lookup key: the email when there is one, else the phone. */
export function identityKey(identity: ProfileIdentity): string {
  return identity.email !== undefined ? `email:${identity.email}` : `phone:${identity.phone_number}`;
}

export function profileResource(identity: ProfileIdentity, payload: Record<string, unknown>): ProfileResource {
  const properties = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== null && value !== undefined));
  return { type: 'profile', attributes: { ...identity, ...(Object.keys(properties).length > 0 ? { properties } : {}) } };
}

export interface PlannedProfiles {
  /** One resource per distinct identity, in first-seen order. */
  profiles: ProfileResource[];
  /** Operation index -> position in `profiles`. */
  profileOf: Map<number, number>;
  /** Operation index -> why it was not sent. */
  invalid: Map<number, string>;
}

/** Plans one import job: operations on the same profile collapse into one (the last payload wins). */
export function planProfiles(batch: readonly SyncOperation[], defaultCallingCode?: string): PlannedProfiles {
  const positionOf = new Map<string, number>();
  const profiles: ProfileResource[] = [];
  const profileOf = new Map<number, number>();
  const invalid = new Map<number, string>();
  batch.forEach((operation, index) => {
    const identity = identityFor(operation.member.identifiers, defaultCallingCode);
    if (identity === null) {
      invalid.set(index, 'no valid email address or phone number with a country code');
      return;
    }
    const key = identityKey(identity);
    const resource = profileResource(identity, operation.member.payload);
    const existing = positionOf.get(key);
    if (existing === undefined) {
      positionOf.set(key, profiles.length);
      profileOf.set(index, profiles.length);
      profiles.push(resource);
    } else {
      profiles[existing] = resource;
      profileOf.set(index, existing);
    }
  });
  return { profiles, profileOf, invalid };
}

/** `any(email,["a@x.com","b@x.com"])`: Klaviyo's filter syntax (https://developers.klaviyo.com/en/docs/filtering_). */
export function anyFilter(field: 'email' | 'phone_number', values: readonly string[]): string {
  return `any(${field},[${values.map((value) => JSON.stringify(value)).join(',')}])`;
}

/** unique_id for an event: Klaviyo de-duplicates on it per profile and metric, so a resent event is not counted twice. */
export function eventUniqueId(idempotencyKey: string): string {
  return `rtn_${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 40)}`;
}

export function eventEntry(event: SyncEvent, identity: ProfileIdentity, metricName: string): unknown {
  return {
    type: 'event-bulk-create',
    attributes: {
      profile: { data: { type: 'profile', attributes: identity } },
      events: {
        data: [
          {
            type: 'event',
            attributes: {
              properties: { segment: event.segment, ...event.properties },
              time: event.occurredAt,
              metric: { data: { type: 'metric', attributes: { name: metricName } } },
              unique_id: eventUniqueId(event.idempotencyKey),
            },
          },
        ],
      },
    },
  };
}

/** Index of the item a JSON:API source pointer names under `prefix` (e.g. /data/attributes/profiles/data/3/...), or undefined. */
export function pointerIndex(pointer: unknown, prefix: string): number | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith(prefix)) return undefined;
  const match = /^(\d+)(\/|$)/.exec(pointer.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}
