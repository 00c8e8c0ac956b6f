import { formatRule, type RuleNode } from '../config/rules.js';
import { SOURCE_NAMES } from '../config/schema.js';
import { dbtProjectVars } from '../project.js';

const SOURCE_HELP: Record<string, string> = {
  orders: 'order_id, customer_id, ordered_at, revenue [currency, channel, discount_amount, status]',
  order_lines: 'order_id, category [product_id, quantity, line_revenue]',
  customers: 'customer_id [email, phone, first_seen_at, country, postal_code, home_lat, home_lon, ...]',
  returns: 'order_id, returned_at [refund_amount]',
  engagement_events: 'customer_id or anonymous_id, event_type, occurred_at [channel]',
  creator_touchpoints: 'customer_id or anonymous_id, creator_id, platform, touchpoint_type, occurred_at',
  store_visits: 'customer_id or device_id, store_id, visited_at',
  stores: 'store_id [lat, lon]',
  consents: 'customer_id, purpose, status, recorded_at [source]',
  identity_links: 'id_type_a, id_value_a, id_type_b, id_value_b [observed_at]',
  erasure_requests: 'customer_id, requested_at',
};

/** A commented retain.yml with every option and the default segments written as editable rules. */
export function configTemplate(options: { orders?: string } = {}): string {
  const defaults = dbtProjectVars();
  const rfm = defaults.retain_rfm as {
    bins: number;
    method: string;
    frequency_window_days: number;
    frequency_measure: string;
    monetary_measure: string;
    thresholds: { recency_days: number[]; frequency: number[]; monetary: number[] };
  };
  const lines: string[] = [];
  lines.push('# yaml-language-server: $schema=./node_modules/retain/retain.schema.json');
  lines.push('# retain.yml — configuration of a Retain project. `retain run` reads the nearest one upwards.');
  lines.push('version: 1');
  lines.push('');
  lines.push('# Where results are written: an embedded DuckDB file (no server, no credentials).');
  lines.push('warehouse:');
  lines.push('  type: duckdb');
  lines.push('  path: retain.duckdb        # relative to this file');
  lines.push('  # threads: 2');
  lines.push('  # memory_limit: 8GB');
  lines.push('');
  lines.push('# Compute everything as of this date (nothing after it is read). Default: today. --as-of overrides.');
  lines.push('# as_of: 2026-11-22');
  lines.push('');
  lines.push('# Each source is {path: <file or glob, .csv or .parquet>} or {table: <schema.table>}.');
  lines.push('# Only orders is required; every other source switches on the layers that use it.');
  lines.push('sources:');
  for (const name of SOURCE_NAMES) {
    const example = name === 'orders' ? (options.orders ?? 'data/orders.csv') : `data/${name}.csv`;
    const prefix = name === 'orders' ? '  ' : '  # ';
    lines.push(`${prefix}${name}: { path: ${JSON.stringify(example)} }`.padEnd(58) + `# ${SOURCE_HELP[name]}`);
  }
  lines.push('');
  lines.push('# Revenue is converted to the base currency; orders in a currency without a rate are rejected.');
  lines.push('currency:');
  lines.push(`  base: ${defaults.retain_currency.base}`);
  lines.push(`  rates: { ${Object.entries(defaults.retain_currency.rates).map(([code, rate]) => `${code}: ${rate}`).join(', ')} }`);
  lines.push('');
  lines.push('rfm:');
  lines.push(`  bins: ${rfm.bins}                        # scores 1..bins`);
  lines.push(`  method: ${rfm.method}              # quantile (of the actual distribution; ties get equal scores) | thresholds`);
  lines.push(`  frequency_window_days: ${rfm.frequency_window_days}     # frequency and monetary count orders in this window`);
  lines.push(`  frequency_measure: ${rfm.frequency_measure}          # orders | purchase_days`);
  lines.push(`  monetary_measure: ${rfm.monetary_measure}            # total | average net revenue after returns`);
  lines.push('  # For method: thresholds, bins-1 ascending boundaries each. Recency: days <= boundary[0] scores');
  lines.push('  # highest. Frequency and monetary: score = 1 + number of boundaries the value reaches.');
  lines.push('  # thresholds:');
  lines.push(`  #   recency_days: [${rfm.thresholds.recency_days.join(', ')}]`);
  lines.push(`  #   frequency: [${rfm.thresholds.frequency.join(', ')}]`);
  lines.push(`  #   monetary: [${rfm.thresholds.monetary.join(', ')}]`);
  lines.push('');
  lines.push('# Segments: ordered rules, first match wins, so every customer lands in exactly one segment.');
  lines.push('# Columns: ' + Object.keys(defaults.retain_rule_columns).join(', '));
  lines.push("# Operators: = != < <= > >= between .. and .., in (..), not in (..), is null, is not null; and, or, not, ( ).");
  lines.push('segments:');
  for (const segment of defaults.retain_segments) {
    lines.push(`  - name: ${segment.name}`);
    if (segment.label) lines.push(`    label: ${JSON.stringify(segment.label)}`);
    if (segment.is_priority) lines.push('    priority: true');
    lines.push(`    when: ${JSON.stringify(formatRule(segment.when as RuleNode))}`);
  }
  lines.push('');
  lines.push('# Strategies per segment, merged over the built-in ones. A new segment needs every field:');
  lines.push('# strategies:');
  lines.push('#   at_risk:');
  lines.push('#     objective: "Re-engage before they lapse"');
  lines.push('#     core_message: "It\'s been a while - here\'s what\'s new"');
  lines.push('#     primary_channel: email');
  lines.push('#     cadence: "twice a week for 3 weeks"');
  lines.push('#     incentive_type: discount');
  lines.push('#     max_incentive_depth_pct: 15');
  lines.push('#     human_outreach: false');
  lines.push('#     suppress_paid: false');
  return lines.join('\n') + '\n';
}
