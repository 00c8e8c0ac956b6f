import Table from 'cli-table3';
import type { SegmentSummaryRow } from '../pipeline/segments.js';

const pct = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '-');
const money = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '-');
const money2 = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '-');

/** The segment summary as a terminal table. */
export function renderSegmentTable(rows: SegmentSummaryRow[], options: { color?: boolean } = {}): string {
  const table = new Table({
    head: ['segment', 'customers', 'share', 'revenue 12m', 'rev share', 'AOV', 'value/cust', 'channel', 'objective'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    style: { head: options.color ? ['cyan'] : [], border: options.color ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  let customers = 0;
  let revenue = 0;
  for (const row of rows) {
    customers += Number(row.customers) || 0;
    revenue += Number(row.trailing_12m_revenue) || 0;
    table.push([
      (row.is_priority ? '! ' : '') + (row.segment_label ?? row.segment),
      money(row.customers),
      pct(row.share_of_customers),
      money(row.trailing_12m_revenue),
      pct(row.revenue_share),
      money2(row.average_order_value),
      money2(row.average_value_per_customer),
      String(row.primary_channel ?? '-'),
      String(row.objective ?? '-'),
    ]);
  }
  table.push(['total', money(customers), rows.length ? '100.0%' : '-', money(revenue), revenue > 0 ? '100.0%' : '-', '', '', '', '']);
  const priority = rows.filter((row) => row.is_priority && Number(row.customers) > 0);
  const footer = priority.length
    ? `\n! top priority: ${priority.map((row) => `${row.segment_label ?? row.segment} (${money(row.customers)} customers)`).join(', ')}`
    : '';
  return table.toString() + footer;
}
