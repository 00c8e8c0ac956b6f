/**
 * Normalization and hashing shared by the destinations that upload hashed identifiers. Each vendor's
 * mapping.ts decides which of these rules apply (they differ: Google wants E.164 with the '+', Meta
 * wants digits only), citing the vendor's page.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lowercased, or null when the value is empty or not shaped like an address. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const email = raw.trim().toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : null;
}

/**
 * E.164 ('+' then 8 to 15 digits, no leading zero) from a raw phone. A number written with '+' or the
 * international prefix '00' keeps its own country code; any other number needs `defaultCallingCode`
 * (its national trunk '0' is dropped first). Null when no country code can be known.
 */
export function toE164(raw: string | null | undefined, defaultCallingCode?: string): string | null {
  if (raw === null || raw === undefined) return null;
  // "+49 (0)30 ..." writes the national trunk prefix in brackets; it is not dialled internationally.
  const trimmed = raw.trim().replace(/\(0\)/g, '');
  if (trimmed.length === 0) return null;
  const digits = trimmed.replace(/\D/g, '');
  let international: string;
  if (trimmed.startsWith('+')) international = digits;
  else if (digits.startsWith('00')) international = digits.slice(2);
  else if (defaultCallingCode !== undefined) international = defaultCallingCode + digits.replace(/^0+/, '');
  else return null;
  return /^[1-9]\d{7,14}$/.test(international) ? `+${international}` : null;
}
