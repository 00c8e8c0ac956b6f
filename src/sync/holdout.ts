/**
 * Holdout assignment: a customer is held out when the first 32 bits of md5(salt ":" customer id), as
 * a fraction of 2^32, fall below the holdout share. md5 because every warehouse has it: the same draw
 * is computed in SQL (macros/activation/retain_hash_fraction.sql) and the two are tested to agree.
 * Deterministic and stable across runs; the first assignment is also stored (holdout_assignments), so
 * an arm never changes for an experiment (audience + salt) even if the share is edited later.
 */
import { createHash } from 'node:crypto';

export function holdoutFraction(salt: string, customerId: string): number {
  return createHash('md5').update(`${salt}:${customerId}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function isHeldOut(salt: string, customerId: string, holdoutPct: number): boolean {
  if (!(holdoutPct >= 0 && holdoutPct <= 100)) throw new Error(`holdout_pct must be between 0 and 100, got ${holdoutPct}`);
  return holdoutFraction(salt, customerId) < holdoutPct / 100;
}
