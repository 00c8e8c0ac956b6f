import { z } from 'zod';
import { audienceSchema, destinationSchema, syncSchema } from './activation.js';
import { profileSchema } from './profile.js';

export const SOURCE_NAMES = [
  'orders',
  'order_lines',
  'customers',
  'returns',
  'engagement_events',
  'creator_touchpoints',
  'store_visits',
  'stores',
  'consents',
  'identity_links',
  'erasure_requests',
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(value + 'T00:00:00Z')) && new Date(value + 'T00:00:00Z').toISOString().startsWith(value), {
    message: 'not a real calendar date',
  });

const identifierPath = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$/;

const fileSource = z.strictObject({
  path: z.string().min(1).describe('A file or glob of CSV or Parquet files, relative to retain.yml'),
  format: z.enum(['csv', 'parquet']).optional().describe('Inferred from the extension when omitted'),
});
const tableSource = z.strictObject({
  table: z
    .string()
    .regex(identifierPath, 'expected a table name like schema.table or database.schema.table (letters, digits, _)')
    .describe('A warehouse table: table, schema.table or database.schema.table'),
});
export const sourceSchema = z.union([fileSource, tableSource]);

const duckdbTarget = z.strictObject({
  type: z.literal('duckdb'),
  path: z.string().min(1).default('retain.duckdb').describe('The DuckDB file, relative to retain.yml'),
  threads: z.int().min(1).max(64).optional(),
  memory_limit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size like 4GB').optional(),
});
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const schemaName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'letters, digits, _ and $, not starting with a digit');
/**
 * An existing dbt profile to take the connection from (profiles.yml; `{{ env_var('NAME') }}` and
 * `{{ env_var('NAME', 'default') }}` are rendered, nothing else). retain.yml fields set beside it win.
 */
const dbtProfileRef = z
  .strictObject({
    name: z.string().min(1).describe('The profile name in profiles.yml'),
    target: z.string().min(1).optional().describe("The profile's output; default: its `target`"),
    profiles_dir: z.string().min(1).optional().describe('Folder holding profiles.yml; default: $DBT_PROFILES_DIR, else ~/.dbt'),
  })
  .describe('Take the connection from an existing dbt profile');

const postgresTarget = z.strictObject({
  type: z.literal('postgres'),
  host: z.string().min(1).optional().describe('Default: the dbt profile, else $PGHOST, else localhost'),
  port: z.int().min(1).max(65535).optional().describe('Default: the dbt profile, else $PGPORT, else 5432'),
  user: z.string().min(1).optional().describe('Default: the dbt profile, else $PGUSER'),
  password_env: envName.optional().describe('The environment variable holding the password (default PGPASSWORD); never written to disk'),
  database: z.string().min(1).optional().describe('Default: the dbt profile, else $PGDATABASE, else postgres'),
  schema: schemaName.optional().describe('The schema Retain builds into (default retain)'),
  sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
  threads: z.int().min(1).max(64).optional(),
  dbt_profile: dbtProfileRef.optional(),
});

const snowflakeTarget = z.strictObject({
  type: z.literal('snowflake'),
  account: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password_env: envName.optional().describe('The environment variable holding the password (default SNOWFLAKE_PASSWORD)'),
  role: z.string().min(1).optional(),
  warehouse: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  schema: schemaName.optional(),
  host: z.string().min(1).optional().describe('Only to reach an emulator or a private link'),
  port: z.int().min(1).max(65535).optional(),
  protocol: z.enum(['https', 'http']).optional(),
  threads: z.int().min(1).max(64).optional(),
  dbt_profile: dbtProfileRef.optional(),
});

const bigqueryTarget = z.strictObject({
  type: z.literal('bigquery'),
  project: z.string().min(1).optional(),
  dataset: schemaName.optional().describe('The dataset Retain builds into (default retain)'),
  location: z.string().min(1).optional(),
  keyfile_env: envName.optional().describe('The environment variable holding the path of a service-account key file; without it: application default credentials'),
  token_env: envName.optional().describe('The environment variable holding an OAuth access token (e.g. from gcloud auth print-access-token), instead of a key file'),
  api_endpoint: z.string().url().optional().describe('Only to reach an emulator'),
  threads: z.int().min(1).max(64).optional(),
  dbt_profile: dbtProfileRef.optional(),
});

export const targetSchema = z.discriminatedUnion('type', [duckdbTarget, postgresTarget, snowflakeTarget, bigqueryTarget]);

const segmentName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'segment names are lowercase letters, digits and _');

export const segmentSchema = z.strictObject({
  name: segmentName,
  label: z.string().min(1).optional(),
  priority: z.boolean().optional().describe('Flag the segment as top priority (e.g. cant_lose_them)'),
  when: z.string().min(1).describe("A rule over profile columns, e.g. \"r_score >= 4 and f_score >= 4\"; first match wins; the last rule should be 'true'"),
});

export const strategySchema = z.strictObject({
  objective: z.string().min(1),
  core_message: z.string().min(1),
  primary_channel: z.string().min(1),
  cadence: z.string().min(1),
  incentive_type: z.string().min(1),
  max_incentive_depth_pct: z.number().min(0).max(100),
  human_outreach: z.boolean(),
  suppress_paid: z.boolean(),
});

const thresholds = z.array(z.number()).min(1);

export const rfmSchema = z.strictObject({
  bins: z.int().min(2).max(10).optional(),
  method: z.enum(['quantile', 'thresholds']).optional(),
  frequency_window_days: z.int().min(1).max(36500).optional(),
  frequency_measure: z.enum(['orders', 'purchase_days']).optional(),
  monetary_measure: z.enum(['total', 'average']).optional(),
  weights: z
    .strictObject({ recency: z.number().min(0), frequency: z.number().min(0), monetary: z.number().min(0) })
    .refine((w) => w.recency + w.frequency + w.monetary > 0, 'at least one weight must be positive')
    .optional(),
  thresholds: z
    .strictObject({ recency_days: thresholds, frequency: thresholds, monetary: thresholds })
    .optional()
    .describe('bins-1 ascending boundaries each, used when method is thresholds'),
});

const shareBounds = z
  .strictObject({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() })
  .refine((b) => (b.min ?? 0) <= (b.max ?? 1), 'min must not exceed max');

/** Predicted value and churn; defaults in dbt_project.yml (retain_predictions). */
export const predictionsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('Fit BG/NBD and Gamma-Gamma and score every buyer (default true)'),
  time_unit: z.enum(['days', 'weeks']).optional().describe("The models' time unit"),
  horizon_days: z.int().min(1).max(3650).optional().describe('Expected purchases, revenue and churn risk look this many days ahead'),
  clv_periods: z.int().min(1).max(120).optional().describe('CLV horizon in periods'),
  period_days: z.number().positive().max(366).optional().describe('Length of a CLV period in days'),
  discount_rate: z.number().min(0).max(1).optional().describe('Discount rate per CLV period'),
  min_customers: z.int().min(1).optional().describe('Fewer buyers than this: no fit, RFM-only scoring'),
  save_rate: z.number().min(0).max(1).optional().describe('Share of the value at risk a retention action saves'),
  cost_per_customer: z.number().min(0).optional().describe('Cost of a retention action per customer, for the budget allocation'),
  budget: z.number().min(0).nullable().optional().describe('Total retention budget to allocate across segments'),
  max_series_terms: z.int().min(8).max(100000).optional(),
});

/** Checks run by `retain validate`; defaults in dbt_project.yml (retain_validation). */
export const validationSchema = z.strictObject({
  segment_shares: z
    .record(z.union([z.literal('default'), segmentName]), shareBounds)
    .optional()
    .describe('Bounds of each segment\'s share of customers (0..1); `default` applies to segments not listed'),
  freshness_hours: z
    .union([z.number().positive(), z.strictObject(Object.fromEntries(SOURCE_NAMES.map((name) => [name, z.number().positive().optional()])) as Record<SourceName, z.ZodOptional<z.ZodNumber>>)])
    .optional()
    .describe('Newest event of a source at most this many hours before the end of the as-of date; a number or a map per source'),
  row_count_change_pct: z.strictObject({ warn: z.number().positive().optional(), fail: z.number().positive().optional() }).optional(),
  psi: z.strictObject({ warn: z.number().positive().optional(), fail: z.number().positive().optional() }).optional(),
  drift: z
    .strictObject({
      warn_z: z.number().positive().optional(),
      fail_z: z.number().positive().optional(),
      min_customers: z.int().min(0).optional(),
      history_runs: z.int().min(2).max(1000).optional(),
      seasonality_min_runs: z.int().min(2).max(100).optional(),
    })
    .optional(),
  quantile_tolerance: z.number().min(0).max(1).optional(),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    warehouse: targetSchema.describe('The default target'),
    targets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), targetSchema).optional().describe('More named targets for --target'),
    as_of: isoDate.optional().describe('Compute everything as of this date; default today; --as-of overrides'),
    sources: z
      .strictObject(Object.fromEntries(SOURCE_NAMES.map((name) => [name, sourceSchema.optional()])) as Record<SourceName, z.ZodOptional<typeof sourceSchema>>)
      .refine((sources) => sources.orders !== undefined, { message: 'the orders source is required', path: ['orders'] }),
    currency: z
      .strictObject({
        base: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like USD'),
        rates: z.record(z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like EUR'), z.number().positive()),
      })
      .refine((c) => c.rates[c.base] === 1, { message: 'the base currency must have rate 1', path: ['rates'] })
      .optional()
      .describe('Rates to the base currency; orders in a currency without a rate are rejected'),
    purchase_statuses: z.array(z.string().regex(/^[a-z_]+$/)).min(1).optional(),
    refund_statuses: z.array(z.string().regex(/^[a-z_]+$/)).optional(),
    rfm: rfmSchema.optional(),
    segments: z.array(segmentSchema).min(1).optional().describe('Ordered segment rules; replaces the defaults'),
    strategies: z.record(segmentName, strategySchema.partial()).optional().describe('Per segment; merged over the defaults'),
    predictions: predictionsSchema.optional().describe('Predicted value and churn; merged over the defaults'),
    validation: validationSchema.optional().describe('Checks of each run (retain validate); merged over the defaults'),
    profile: profileSchema.optional().describe('Lifecycle and behavioural layer settings, strategy refinements per customer'),
    incremental: z
      .strictObject({
        lookback_days: z.int().min(0).max(36500).optional().describe('An incremental run re-reads the rows dated from this many days before its as-of date (default 3)'),
        warehouse_hints: z.boolean().optional().describe('Clustering or partitioning of the incremental tables where the warehouse uses it (default true)'),
      })
      .optional()
      .describe('The incremental base tables of engagement_events, creator_touchpoints, store_visits and orders'),
    destinations: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/), destinationSchema)
      .optional()
      .describe('Named destinations: type plus that type\'s settings; secrets are named by environment variable, never written here'),
    audiences: z.array(audienceSchema).optional().describe('Audiences synced by retain sync; members decided in SQL (audience_members)'),
    sync: syncSchema.optional().describe('Sync engine settings'),
  })
  .superRefine((config, ctx) => {
    const rfm = config.rfm;
    if (rfm?.method === 'thresholds' && !rfm.thresholds) {
      ctx.addIssue({ code: 'custom', path: ['rfm', 'thresholds'], message: 'method thresholds needs rfm.thresholds' });
    }
    if (rfm?.thresholds) {
      const bins = rfm.bins ?? 5;
      for (const key of ['recency_days', 'frequency', 'monetary'] as const) {
        const list = rfm.thresholds[key];
        if (list.length !== bins - 1) {
          ctx.addIssue({ code: 'custom', path: ['rfm', 'thresholds', key], message: `expected ${bins - 1} boundaries for ${bins} bins, got ${list.length}`, input: list });
        }
        if (list.some((value, i) => i > 0 && value <= list[i - 1]!)) {
          ctx.addIssue({ code: 'custom', path: ['rfm', 'thresholds', key], message: 'boundaries must be strictly ascending', input: list });
        }
      }
    }
    if (config.segments) {
      const seen = new Set<string>();
      config.segments.forEach((segment, i) => {
        if (seen.has(segment.name)) ctx.addIssue({ code: 'custom', path: ['segments', i, 'name'], message: `duplicate segment "${segment.name}"`, input: segment.name });
        seen.add(segment.name);
      });
    }
  });

export type RetainConfigInput = z.input<typeof configSchema>;
export type RetainConfig = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type DuckDbTargetConfig = z.infer<typeof duckdbTarget>;
export type PostgresTargetConfig = z.infer<typeof postgresTarget>;
export type SnowflakeTargetConfig = z.infer<typeof snowflakeTarget>;
export type BigQueryTargetConfig = z.infer<typeof bigqueryTarget>;
export type DbtProfileRef = z.infer<typeof dbtProfileRef>;
export type SourceConfig = z.infer<typeof sourceSchema>;

/** JSON Schema of retain.yml for editors (written to retain.schema.json by `npm run build`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
