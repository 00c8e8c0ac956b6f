/**
 * Customer Match mapping (pure). From https://developers.google.com/google-ads/api/docs/remarketing/audience-types/customer-match
 * ("Normalize and hash"): emails are trimmed and lowercased, then SHA-256 hashed (hex); "you're not
 * required to remove all periods (.) preceding the domain name in gmail.com and googlemail.com email
 * addresses since they'll still be accepted" (so removing them is an option, off by default); phone
 * numbers are formatted as E.164 ('+' and up to 15 digits, e.g. +12125650000) before hashing.
 */
import type { SyncOperation } from '../../sync/types.js';
import { normalizeEmail, sha256Hex, toE164 } from '../shared/identifiers.js';

export interface UserIdentifier {
  hashedEmail?: string;
  hashedPhoneNumber?: string;
}

export interface OfflineUserDataJobOperation {
  create?: { userIdentifiers: UserIdentifier[] };
  remove?: { userIdentifiers: UserIdentifier[] };
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

export function normalizeGoogleEmail(raw: string | null | undefined, removeGmailDots: boolean): string | null {
  const email = normalizeEmail(raw);
  if (email === null || !removeGmailDots) return email;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  return GMAIL_DOMAINS.has(domain) ? `${email.slice(0, at).replace(/\./g, '')}@${domain}` : email;
}

export interface MappingOptions {
  normalizeGmail: boolean;
  defaultCallingCode?: string;
}

/** The user identifiers for one member, or null when it has neither a usable email nor phone. */
export function userIdentifiersFor(identifiers: Record<string, string | null>, options: MappingOptions): UserIdentifier[] | null {
  const out: UserIdentifier[] = [];
  const email = normalizeGoogleEmail(identifiers.email, options.normalizeGmail);
  if (email !== null) out.push({ hashedEmail: sha256Hex(email) });
  const phone = toE164(identifiers.phone, options.defaultCallingCode);
  if (phone !== null) out.push({ hashedPhoneNumber: sha256Hex(phone) });
  return out.length > 0 ? out : null;
}

export function jobOperationFor(operation: SyncOperation, options: MappingOptions): OfflineUserDataJobOperation | null {
  const userIdentifiers = userIdentifiersFor(operation.member.identifiers, options);
  if (userIdentifiers === null) return null;
  return operation.kind === 'remove' ? { remove: { userIdentifiers } } : { create: { userIdentifiers } };
}
