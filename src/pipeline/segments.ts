import { existsSync } from 'node:fs';
import { RetainError } from '../errors.js';
import { openDuckDb } from '../warehouse/duckdb.js';
import type { Warehouse } from '../warehouse/index.js';

export interface SegmentSummaryRow {
  segment: string;
  segment_label: string;
  is_priority: boolean;
  customers: number;
  share_of_customers: number;
  trailing_12m_revenue: number;
  revenue_share: number;
  average_order_value: number | null;
  average_value_per_customer: number | null;
  objective?: string;
  primary_channel?: string;
  as_of_date?: string;
  [column: string]: unknown;
}

/** Reads segment_summary from the DuckDB file, read-only (never while dbt writes it). */
export async function readSegmentSummary(warehousePath: string): Promise<SegmentSummaryRow[]> {
  if (!existsSync(warehousePath)) {
    throw new RetainError('usage', `no results yet: ${warehousePath} does not exist`, 'run `retain run` first');
  }
  const db = await openDuckDb(warehousePath, { readOnly: true });
  try {
    const tables = await db.all<{ n: number }>(
      "select count(*) as n from information_schema.tables where table_name = 'segment_summary'",
    );
    if (!tables[0]?.n) throw new RetainError('usage', `${warehousePath} has no segment_summary table`, 'run `retain run` first');
    return await db.all<SegmentSummaryRow>('select * from segment_summary order by segment_order');
  } finally {
    db.close();
  }
}

/** Reads segment_summary through the Warehouse interface (any target). */
export async function readSegmentSummaryFrom(warehouse: Warehouse): Promise<SegmentSummaryRow[]> {
  if (!(await warehouse.tableExists('segment_summary'))) {
    throw new RetainError('usage', `${warehouse.description} has no segment_summary table`, 'run `retain run` first');
  }
  return warehouse.query<SegmentSummaryRow>(`select * from ${warehouse.qualify('segment_summary')} order by segment_order`);
}
