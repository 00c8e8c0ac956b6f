/**
 * `retain generate`: a synthetic, known-truth retail world written as every source of the input contract.
 *
 * All the work is SQL in a scratch in-memory DuckDB: customers come from range(), orders and events from
 * unnest(range(n)) per customer, and every file is written with COPY (... ORDER BY a unique key) TO.
 * Random numbers are hashes of (seed, stream, key) — see random.ts — so a seed always gives the same data.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDuckDb, quoteLiteral, type DuckDb } from '../warehouse/duckdb.js';
import { checkGenerateOptions, type GenerateFormat } from './options.js';
import {
  ACQUISITION_GROWTH,
  BG_NBD_DAYS,
  BG_NBD_WEEKS,
  CANCELLED_SHARE,
  CATEGORIES,
  CREATOR_SHARE,
  CURRENCY_RATES,
  DIRTY_SHARE,
  ERASURE_SHARE,
  GAMMA_GAMMA,
  HISTORY_YEARS,
  PURCHASE_CAP,
  RETURN_SHARE,
  SEASONALITY,
  WHALES,
} from './params.js';
import { POISSON_EXACT_BELOW, POISSON_TERMS } from './random.js';
import { World } from './world.js';

export { GENERATE_FORMATS, generateOptionsSchema, type GenerateFormat } from './options.js';

/** The sources of the input contract, in the order they are written. */
export const GENERATED_SOURCES = [
  'customers',
  'orders',
  'order_lines',
  'returns',
  'engagement_events',
  'creator_touchpoints',
  'stores',
  'store_visits',
  'consents',
  'identity_links',
  'erasure_requests',
] as const;
export type GeneratedSource = (typeof GENERATED_SOURCES)[number];

export interface GenerateOptions {
  /** Write a file outbox and two sample audiences into retain.yml (the CLI and the demo do). */
  activation?: boolean;
  customers: number;
  seed: number;
  /** Folder to write into: data/<source>.<ext>, generator_params.json, retain.yml. */
  out: string;
  format: GenerateFormat;
  /** YYYY-MM-DD; every generated timestamp is before this date's midnight. */
  asOf: string;
  /** No deliberately dirty rows or messy formatting (default false). */
  clean?: boolean;
  onProgress?: (message: string) => void;
  /** called before each file is written: a live counter on a terminal */
  onStep?: (label: string, index: number, total: number) => void;
  /** DuckDB threads for the scratch database (default: all cores). */
  threads?: number;
}

export interface GeneratedFile {
  /** Absolute path of the file. */
  path: string;
  rows: number;
}

export interface GenerateResult {
  out: string;
  format: GenerateFormat;
  asOf: string;
  seed: number;
  customers: number;
  files: Record<GeneratedSource, GeneratedFile>;
  paramsPath: string;
  configPath: string;
  seconds: number;
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  checkGenerateOptions(options);
  const started = performance.now();
  const clean = options.clean ?? false;
  const out = resolve(options.out);
  const dataDir = join(out, 'data');
  mkdirSync(dataDir, { recursive: true });
  const ext = options.format === 'parquet' ? 'parquet' : 'csv';
  const world = new World({ customers: options.customers, seed: options.seed, asOf: options.asOf, clean, dirtyShare: DIRTY_SHARE });
  const progress = options.onProgress ?? (() => {});

  const scratch = mkdtempSync(join(tmpdir(), 'retain-generate-'));
  const db = await openDuckDb(':memory:', { threads: options.threads });
  try {
    await db.run(`SET temp_directory = ${quoteLiteral(scratch)}; SET preserve_insertion_order = true;`);
    for (const statement of world.customersTableSql()) await db.run(statement);
    const width = Math.max(8, String(await count(db, world.orderRowsBoundSql())).length);
    await db.run(world.ordersTableSql(width));

    const queries: Record<GeneratedSource, string> = {
      customers: world.customersCopySql(),
      orders: world.ordersCopySql(),
      order_lines: world.orderLinesCopySql(),
      returns: world.returnsCopySql(),
      engagement_events: world.engagementCopySql(),
      creator_touchpoints: world.creatorTouchpointsCopySql(),
      stores: world.storesSql(),
      store_visits: world.storeVisitsCopySql(),
      consents: world.consentsCopySql(),
      identity_links: world.identityLinksCopySql(),
      erasure_requests: world.erasureCopySql(),
    };
    const files = {} as Record<GeneratedSource, GeneratedFile>;
    for (const [i, source] of GENERATED_SOURCES.entries()) {
      options.onStep?.(`writing data/${source}.${ext} ...`, i + 1, GENERATED_SOURCES.length);
      const path = join(dataDir, `${source}.${ext}`);
      const partial = `${path}.partial`;
      const t = performance.now();
      const copyOptions = options.format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
      const result = await db.all<{ Count: number }>(`COPY (${queries[source]}) TO ${quoteLiteral(partial)} (${copyOptions})`);
      renameSync(partial, path);
      const rows = Number(result[0]?.Count ?? 0);
      files[source] = { path, rows };
      progress(`  wrote data/${source}.${ext}  ${rows.toLocaleString('en-US')} rows  (${((performance.now() - t) / 1000).toFixed(1)}s)`);
    }

    const truth = await db.all(`SELECT
        avg(CASE WHEN dead THEN 0.0 ELSE 1.0 END) AS share_alive_at_as_of,
        avg(nrep + 1) AS mean_orders_per_customer,
        avg(CASE WHEN whale THEN 1.0 ELSE 0.0 END) AS share_whales,
        avg(CASE WHEN by_creator THEN 1.0 ELSE 0.0 END) AS share_creator_acquired,
        avg(CASE WHEN store_idx IS NOT NULL THEN 1.0 ELSE 0.0 END) AS share_near_store,
        avg(CASE WHEN app_user THEN 1.0 ELSE 0.0 END) AS share_app_users,
        avg(1.0 / nu) * ${GAMMA_GAMMA.p} AS mean_of_customer_mean_order_value_usd,
        sum(CASE WHEN kdrop >= ${PURCHASE_CAP} AND npois >= ${PURCHASE_CAP} THEN 1 ELSE 0 END) AS customers_at_purchase_cap
      FROM cust`);
    const dirty = (
      await db.all(`SELECT sum(CASE WHEN dup THEN 1 ELSE 0 END) AS exact_duplicate, sum(CASE WHEN kind = 2 THEN 1 ELSE 0 END) AS missing_customer_id,
          sum(CASE WHEN kind = 3 THEN 1 ELSE 0 END) AS negative_revenue_completed, sum(CASE WHEN kind = 4 THEN 1 ELSE 0 END) AS unknown_currency_XXX,
          sum(CASE WHEN kind = 1 THEN 1 ELSE 0 END) AS cancelled_attempts, sum(CASE WHEN kind = 0 THEN 1 ELSE 0 END) AS purchases
        FROM ord`)
    )[0]!;

    const paramsPath = join(out, 'generator_params.json');
    const configPath = join(out, 'retain.yml');
    const rowCounts = Object.fromEntries(GENERATED_SOURCES.map((s) => [s, files[s].rows]));
    const params = {
      generator: 'retain generate',
      seed: options.seed,
      customers: options.customers,
      as_of: options.asOf,
      format: options.format,
      clean,
      history: {
        start: world.time.start,
        end_exclusive: `${options.asOf}T00:00:00`,
        days: world.time.days,
        years: HISTORY_YEARS,
        acquisition_growth: ACQUISITION_GROWTH,
        note: 'every customer makes a first purchase inside the history; acquisitions grow exponentially so the last day sees acquisition_growth times the first day',
      },
      bg_nbd: {
        time_unit_days: { ...BG_NBD_DAYS },
        time_unit_weeks: { ...BG_NBD_WEEKS },
        purchase_cap_per_customer: PURCHASE_CAP + 1,
        repeat_purchase_cap: PURCHASE_CAP,
        note:
          'lambda ~ Gamma(shape r, rate alpha), p ~ Beta(a, b); repeat purchases are a Poisson(lambda) process that stops after each repeat purchase with probability p (so the first purchase never ends it). Only completed orders with kind purchase follow the process: cancelled attempts and dirty rows are extra rows. The clock is seasonal operational time (see seasonality) whose yearly mean speed is 1.',
        poisson_sampling: `exact inversion below mean ${POISSON_EXACT_BELOW} (${POISSON_TERMS} terms), Cornish-Fisher above`,
      },
      gamma_gamma: {
        ...GAMMA_GAMMA,
        currency: 'USD',
        mean_order_value: (GAMMA_GAMMA.p * GAMMA_GAMMA.gamma) / (GAMMA_GAMMA.q - 1),
        whales: { share: WHALES.share, spend_multiplier: WHALES.spendMultiplier },
        mean_order_value_with_whales: ((GAMMA_GAMMA.p * GAMMA_GAMMA.gamma) / (GAMMA_GAMMA.q - 1)) * (1 + WHALES.share * (WHALES.spendMultiplier - 1)),
        note: 'nu ~ Gamma(q, rate gamma) per customer (divided by the multiplier for whales); each order value ~ Gamma(p, rate nu) in USD, net of discount; revenue = value / rate of the customer currency, rounded to cents',
      },
      seasonality: { ...SEASONALITY, note: 'operational-time speed 1 + sum_k harmonics[k-1] cos(k theta), theta = 2 pi (day of year - peak) / period' },
      currency_rates_to_usd: CURRENCY_RATES,
      shares: {
        creator_acquired: CREATOR_SHARE,
        cancelled_attempts_per_repeat_order: CANCELLED_SHARE,
        returns_per_order_mean: RETURN_SHARE,
        erasure_requests: ERASURE_SHARE,
        dirty_orders: clean ? 0 : DIRTY_SHARE,
      },
      categories: CATEGORIES,
      dirty_rows: {
        exact_duplicate: Number(dirty.exact_duplicate ?? 0),
        missing_customer_id: Number(dirty.missing_customer_id ?? 0),
        negative_revenue_completed: Number(dirty.negative_revenue_completed ?? 0),
        unknown_currency_XXX: Number(dirty.unknown_currency_XXX ?? 0),
      },
      order_rows: { purchases: Number(dirty.purchases ?? 0), cancelled_attempts: Number(dirty.cancelled_attempts ?? 0) },
      truth: truth[0],
      row_counts: rowCounts,
    };
    writeFileSync(paramsPath, JSON.stringify(params, null, 2) + '\n');
    writeFileSync(configPath, retainYml(options, ext));
    progress(`  wrote generator_params.json and retain.yml`);

    return { out, format: options.format, asOf: options.asOf, seed: options.seed, customers: options.customers, files, paramsPath, configPath, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function count(db: DuckDb, sql: string): Promise<number> {
  const rows = await db.all<{ n: number }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/** The ready-to-run config, paths relative to it (the format follows from the extension). */
export function retainYml(options: { seed: number; customers: number; asOf: string; activation?: boolean }, ext: string): string {
  const lines = [
    `# retain.yml — written by \`retain generate\` (seed ${options.seed}, ${options.customers} customers)`,
    'version: 1',
    'warehouse:',
    '  type: duckdb',
    '  path: retain.duckdb',
    `as_of: ${options.asOf}`,
    'sources:',
    ...[...GENERATED_SOURCES].sort(sourceOrder).map((s) => `  ${s}: { path: data/${s}.${ext} }`),
  ];
  if (!options.activation) return lines.join('\n') + '\n';
  lines.push(
    '',
    '# Activation: `retain sync` sends each audience\'s changes to its destination; members without',
    '# email consent, suppressed, erased or in the holdout are never sent (audience_members says why).',
    'destinations:',
    '  outbox:',
    '    type: file',
    '    path: outbox',
    '    format: jsonl',
    'audiences:',
    '  - name: win_back',
    '    destination: outbox',
    '    segments: [cant_lose_them, at_risk, hibernating]',
    '    fields: { offer: profile_incentive, channel: profile_channel, message: core_message }',
    '    templates: { subject: "{{message}}" }',
    '    segment_templates:',
    '      cant_lose_them: { subject: "A personal thank-you, and what is new for you" }',
    '    holdout_pct: 10',
    '  - name: entered_at_risk',
    '    destination: outbox',
    '    entered: [at_risk]',
    '    send_as: events',
    '    holdout_pct: 10',
  );
  return lines.join('\n') + '\n';
}

const CONTRACT_ORDER = ['orders', 'order_lines', 'customers', 'returns', 'engagement_events', 'creator_touchpoints', 'store_visits', 'stores', 'consents', 'identity_links', 'erasure_requests'];
function sourceOrder(a: string, b: string): number {
  return CONTRACT_ORDER.indexOf(a) - CONTRACT_ORDER.indexOf(b);
}
