/**
 * Meta Custom Audience mapping (pure). Normalization from "Hashing and Normalizing Data"
 * (https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences#hash):
 * EMAIL: trim leading and trailing whitespace, lowercase, then SHA-256 (Meta does not rewrite gmail
 * addresses). PHONE: remove symbols, letters and any leading zeros, keep the country code (digits
 * only, no '+'), then SHA-256. Hashes are lowercase hex. A key that is unknown is sent blank.
 */
import type { SyncMember } from '../../sync/types.js';
import { normalizeEmail, sha256Hex, toE164 } from '../shared/identifiers.js';

export const SCHEMA = ['EMAIL', 'PHONE'] as const;

/** Digits with the country code and no leading zeros, or null when no country code can be known. */
export function normalizeMetaPhone(raw: string | null | undefined, defaultCallingCode?: string): string | null {
  const e164 = toE164(raw, defaultCallingCode);
  return e164 === null ? null : e164.slice(1);
}

/** One `data` row for the [EMAIL, PHONE] schema, or null when the member has neither. */
export function dataRowFor(member: SyncMember, defaultCallingCode?: string): [string, string] | null {
  const email = normalizeEmail(member.identifiers.email);
  const phone = normalizeMetaPhone(member.identifiers.phone, defaultCallingCode);
  if (email === null && phone === null) return null;
  return [email === null ? '' : sha256Hex(email), phone === null ? '' : sha256Hex(phone)];
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
