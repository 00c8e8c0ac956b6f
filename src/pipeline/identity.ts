import { existsSync } from 'node:fs';
import { openDuckDb } from '../warehouse/duckdb.js';

/** One run's identity resolution (the identity_resolution_summary mart). */
export interface IdentitySummary {
  identifiers: number;
  links: number;
  components: number;
  largest_component: number;
  customer_ids: number;
  resolved_customers: number;
  merged_customer_ids: number;
  unresolved_identifiers: number;
  collisions: number;
  propagation_passes: number;
}

/** Reads identity_resolution_summary read-only; null when the file or the table is not there (a partial build). */
export async function readIdentitySummary(warehousePath: string): Promise<IdentitySummary | null> {
  if (!existsSync(warehousePath)) return null;
  const db = await openDuckDb(warehousePath, { readOnly: true });
  try {
    const tables = await db.all<{ n: number }>("select count(*) as n from information_schema.tables where table_name = 'identity_resolution_summary'");
    if (!tables[0]?.n) return null;
    const rows = await db.all(
      'select identifiers, links, components, largest_component, customer_ids, resolved_customers, merged_customer_ids, unresolved_identifiers, collisions, propagation_passes from identity_resolution_summary',
    );
    return rows[0] ? (rows[0] as unknown as IdentitySummary) : null;
  } finally {
    db.close();
  }
}
