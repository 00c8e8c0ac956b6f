/**
 * Mailchimp mapping (pure). A member is addressed by its subscriber hash: "the MD5 hash of the
 * lowercase version of the list member's email address"
 * (https://mailchimp.com/developer/marketing/api/list-members/). We also trim, as Mailchimp stores the
 * trimmed address.
 */
import type { SyncOperation } from '../../sync/types.js';
import { md5Hex, normalizeEmail } from '../shared/identifiers.js';

export function subscriberHash(email: string): string {
  return md5Hex(email.trim().toLowerCase());
}

export interface BatchMember {
  email_address: string;
  status: 'subscribed' | 'unsubscribed';
  merge_fields?: Record<string, unknown>;
}

/** Payload fields mapped to merge tags; only fields named in `mergeFields` are sent. */
export function mergeFieldsFor(payload: Record<string, unknown>, mergeFields: Record<string, string> | undefined): Record<string, unknown> | undefined {
  if (mergeFields === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [field, tag] of Object.entries(mergeFields)) {
    const value = payload[field];
    if (value !== undefined && value !== null) out[tag] = typeof value === 'object' ? JSON.stringify(value) : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface PlannedBatch {
  /** One entry per distinct email, in first-seen order. */
  members: BatchMember[];
  /** Operation index -> normalized email, for the operations that have one. */
  emailOf: Map<number, string>;
  /** Operation index -> why it was not sent. */
  invalid: Map<number, string>;
}

/**
 * Plans one batch-subscribe request: adds/updates as `subscribed`, removes as `unsubscribed`. Two
 * operations on the same address collapse into one member, and membership wins: if any operation for
 * an address is an add or update, the address is subscribed (another customer key still wants it).
 */
export function planBatch(batch: readonly SyncOperation[], mergeFields: Record<string, string> | undefined, includeRemoves: boolean): PlannedBatch {
  const byEmail = new Map<string, BatchMember>();
  const emailOf = new Map<number, string>();
  const invalid = new Map<number, string>();
  batch.forEach((operation, index) => {
    const email = normalizeEmail(operation.member.identifiers.email);
    if (email === null) {
      invalid.set(index, 'no valid email address');
      return;
    }
    emailOf.set(index, email);
    if (operation.kind === 'remove' && !includeRemoves) return;
    const wanted: BatchMember =
      operation.kind === 'remove'
        ? { email_address: email, status: 'unsubscribed' }
        : { email_address: email, status: 'subscribed', merge_fields: mergeFieldsFor(operation.member.payload, mergeFields) };
    const existing = byEmail.get(email);
    if (existing === undefined || (existing.status === 'unsubscribed' && wanted.status === 'subscribed')) byEmail.set(email, wanted);
  });
  const members = [...byEmail.values()].map((member) => (member.merge_fields === undefined ? { email_address: member.email_address, status: member.status } : member));
  return { members, emailOf, invalid };
}
