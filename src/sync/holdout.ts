/**
 * Holdout assignment: a customer is held out when the first 32 bits of sha256(salt ":" customer id),
 * as a fraction of 2^32, fall below the holdout share. Deterministic and stable across runs: the same
 * customer with the same experiment salt always lands in the same arm, whatever else changes; each
 * segment receives the same share in expectation (the hash ignores the segment).
 */
import { createHash } from 'node:crypto';

export function holdoutFraction(salt: string, customerId: string): number {
  return createHash('sha256').update(`${salt}:${customerId}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function isHeldOut(salt: string, customerId: string, holdoutPct: number): boolean {
  if (!(holdoutPct >= 0 && holdoutPct <= 100)) throw new Error(`holdout_pct must be between 0 and 100, got ${holdoutPct}`);
  return holdoutFraction(salt, customerId) < holdoutPct / 100;
}
