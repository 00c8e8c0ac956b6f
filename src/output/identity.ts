import type { IdentitySummary } from '../pipeline/identity.js';

/** The line `retain run` prints about identity resolution. */
export function describeIdentity(summary: IdentitySummary | null): string {
  if (!summary) return '';
  const n = (value: number) => value.toLocaleString('en-US');
  return (
    `Identity: ${n(summary.identifiers)} identifiers, ${n(summary.links)} links -> ${n(summary.components)} components ` +
    `(largest ${n(summary.largest_component)}); ${n(summary.customer_ids)} customer ids resolved to ${n(summary.resolved_customers)} customers ` +
    `(${n(summary.merged_customer_ids)} merged); ${n(summary.collisions)} collision${summary.collisions === 1 ? '' : 's'} not merged ` +
    `(identity_collisions); ${summary.propagation_passes} propagation passes\n`
  );
}
