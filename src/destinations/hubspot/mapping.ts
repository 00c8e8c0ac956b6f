/**
 * HubSpot mapping (pure). Contacts are upserted by their unique `email` property
 * ({idProperty: "email", id: <email>, properties}); HubSpot compares email addresses
 * case-insensitively, so they are trimmed and lowercased before being sent. Two operations on one
 * address collapse into one input: a batch may not name the same record twice.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 */
import type { SyncOperation } from '../../sync/types.js';
import { normalizeEmail } from '../shared/identifiers.js';

export interface UpsertInput {
  idProperty: 'email';
  id: string;
  properties: Record<string, string>;
}

/** HubSpot property values are strings; objects are sent as JSON, null as '' (which clears the property). */
export function propertyValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function propertiesFor(payload: Record<string, unknown>, mapping: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, property] of Object.entries(mapping ?? {})) if (field in payload && property !== 'email') out[property] = propertyValue(payload[field]);
  return out;
}

export interface PlannedContacts {
  /** One per distinct email, in first-seen order. */
  emails: string[];
  /** Operation index -> email. */
  emailOf: Map<number, string>;
  invalid: Map<number, string>;
}

export function planContacts(batch: readonly SyncOperation[]): PlannedContacts {
  const emails: string[] = [];
  const seen = new Set<string>();
  const emailOf = new Map<number, string>();
  const invalid = new Map<number, string>();
  batch.forEach((operation, index) => {
    const email = normalizeEmail(operation.member.identifiers.email);
    if (email === null) {
      invalid.set(index, 'no valid email address');
      return;
    }
    emailOf.set(index, email);
    if (!seen.has(email)) {
      seen.add(email);
      emails.push(email);
    }
  });
  return { emails, emailOf, invalid };
}

/** The upsert inputs for a plan; the last operation on an email gives its properties. */
export function upsertInputs(batch: readonly SyncOperation[], plan: PlannedContacts, mapping: Record<string, string> | undefined): UpsertInput[] {
  const properties = new Map<string, Record<string, string>>();
  batch.forEach((operation, index) => {
    const email = plan.emailOf.get(index);
    if (email !== undefined) properties.set(email, propertiesFor(operation.member.payload, mapping));
  });
  return plan.emails.map((email) => ({ idProperty: 'email', id: email, properties: properties.get(email) ?? {} }));
}
