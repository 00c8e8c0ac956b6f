/**
 * The SQL that builds the synthetic world inside a scratch DuckDB. Pure string building: no I/O here.
 *
 * Time is measured in days since the history start (as-of minus HISTORY_YEARS years). Every event lies in
 * [0, H) where H is the number of days up to the as-of date at 00:00, so nothing is dated on or after it.
 */
import { num, poissonSelect, SqlRandom } from './random.js';
import {
  ACQUISITION_CHANNELS,
  ACQUISITION_GROWTH,
  BG_NBD_DAYS,
  CANCELLED_SHARE,
  CATEGORIES,
  CATEGORY_WEIGHTS,
  CITIES,
  COUNTRIES,
  CREATOR_SHARE,
  CREATORS,
  CURRENCY_RATES,
  EMAIL_DOMAINS,
  ERASURE_SHARE,
  FIRST_NAMES,
  GAMMA_GAMMA,
  HISTORY_YEARS,
  LAST_NAMES,
  PLATFORMS,
  PLATFORM_WEIGHTS,
  PRODUCTS_PER_CATEGORY,
  PURCHASE_CAP,
  RETURN_SHARE,
  SEASONALITY,
  STORE_RADIUS_KM,
  TOUCHPOINT_TYPES,
  WHALES,
} from './params.js';

export interface WorldSettings {
  customers: number;
  seed: number;
  asOf: string;
  clean: boolean;
  dirtyShare: number;
}

export interface Timeline {
  /** History start, YYYY-MM-DD. */
  start: string;
  /** Days from the start to the as-of date (00:00, exclusive end). */
  days: number;
  /** Operational (seasonal) time at the end of the history. */
  operationalDays: number;
  startEpochSeconds: number;
  phiDays: number;
}

const DAY_MS = 86_400_000;

export function timeline(asOf: string): Timeline {
  const end = new Date(asOf + 'T00:00:00Z');
  const start = new Date(Date.UTC(end.getUTCFullYear() - HISTORY_YEARS, end.getUTCMonth(), end.getUTCDate()));
  // 29 February minus 3 years rolls over to 1 March; step back to 28 February.
  if (start.getUTCMonth() !== end.getUTCMonth()) start.setUTCDate(0);
  const days = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  const dayOfYear = Math.round((start.getTime() - Date.UTC(start.getUTCFullYear(), 0, 1)) / DAY_MS); // 0-based
  const phiDays = dayOfYear - (SEASONALITY.peakDayOfYear - 1);
  return { start: start.toISOString().slice(0, 10), days, operationalDays: warp(days, phiDays), startEpochSeconds: start.getTime() / 1000, phiDays };
}

const W = (2 * Math.PI) / SEASONALITY.periodDays;

/** Operational time at calendar day t (the integral of the seasonal speed). */
export function warp(t: number, phi: number): number {
  return SEASONALITY.harmonics.reduce((sum, a, i) => sum + (a / ((i + 1) * W)) * (Math.sin((i + 1) * W * (t + phi)) - Math.sin((i + 1) * W * phi)), t);
}

/**
 * Adds column `out` = calendar time whose operational time is column `v`, by Newton's method from x = v.
 * Each step evaluates one sine and one cosine and gets the higher harmonics from the angle-addition
 * recurrences. Four steps leave a residual below 1e-9 days for these harmonics (three would leave ~40 s).
 */
function unwarpSelect(from: string, v: string, out: string, phi: number): string {
  const h = SEASONALITY.harmonics;
  const sinK: string[] = ['__s'];
  const cosK: string[] = ['__c'];
  for (let k = 1; k < h.length; k++) {
    sinK.push(`(${sinK[k - 1]} * __c + ${cosK[k - 1]} * __s)`);
    cosK.push(`(${cosK[k - 1]} * __c - ${sinK[k - 1]} * __s)`);
  }
  const warped = `(${out} + ${h.map((a, i) => `${num(a / ((i + 1) * W))} * (${sinK[i]} - ${num(Math.sin((i + 1) * W * phi))})`).join(' + ')})`;
  const speed = `(1.0 + ${h.map((a, i) => `${num(a)} * ${cosK[i]}`).join(' + ')})`;
  let sql = `SELECT *, ${v} AS ${out} FROM (${from})`;
  for (let i = 0; i < 4; i++) {
    const angles = `SELECT *, sin(${num(W)} * (${out} + ${num(phi)})) AS __s, cos(${num(W)} * (${out} + ${num(phi)})) AS __c FROM (${sql})`;
    sql = `SELECT * EXCLUDE (__s, __c) REPLACE (${out} - (${warped} - ${v}) / ${speed} AS ${out}) FROM (${angles})`;
  }
  return sql;
}

/** Slots of the lookup table behind `pick`: weights are honoured to 1/PICK_SLOTS. */
const PICK_SLOTS = 1000;

/**
 * Index 0..n-1 drawn with the given weights from a uniform: a lookup in a constant table of PICK_SLOTS
 * slots, so the uniform expression is evaluated once (a CASE chain would repeat it in every branch).
 */
function pick(u: string, weights: readonly number[]): string {
  const total = weights.reduce((a, b) => a + b, 0);
  const bounds: number[] = [];
  let cumulative = 0;
  for (const w of weights) bounds.push((cumulative += w / total));
  const slots: number[] = [];
  let index = 0;
  for (let s = 0; s < PICK_SLOTS; s++) {
    const mid = (s + 0.5) / PICK_SLOTS;
    while (index < weights.length - 1 && mid >= bounds[index]!) index++;
    slots.push(index);
  }
  return `([${slots.join(',')}])[1 + floor((${u}) * ${PICK_SLOTS})::INTEGER]`;
}

function strList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;
}
function numList(values: readonly number[]): string {
  return `[${values.map((v) => num(v)).join(', ')}]`;
}
/** 1-based element of a constant list for a 0-based index expression. */
function at(list: string, index0: string): string {
  return `(${list})[(${index0}) + 1]`;
}

export class World {
  readonly rng: SqlRandom;
  readonly time: Timeline;
  private readonly H: number;
  private readonly phi: number;

  constructor(readonly settings: WorldSettings) {
    this.rng = new SqlRandom(settings.seed);
    this.time = timeline(settings.asOf);
    this.H = this.time.days;
    this.phi = this.time.phiDays;
  }

  private u(label: string, key: string): string {
    return this.rng.u(label, key);
  }

  /** Seconds since the start for a day value, clamped into [0, H). */
  private sec(days: string): string {
    return `least(greatest(floor((${days}) * 86400.0), 0.0), ${num(this.H * 86400 - 1)})::BIGINT`;
  }

  /** TIMESTAMP for a seconds-since-start column. */
  ts(sec: string): string {
    return `make_timestamp((${sec} + ${this.time.startEpochSeconds}::BIGINT) * 1000000)`;
  }

  private id(prefix: string, n: string, width: number): string {
    return `'${prefix}' || lpad(CAST(${n} AS VARCHAR), ${width}, '0')`;
  }

  customerIdWidth(): number {
    return Math.max(7, String(this.settings.customers).length);
  }

  customerId(cid: string): string {
    return this.id('C', `${cid} + 1`, this.customerIdWidth());
  }

  /** Opaque ids derived from the customer number (no join needed to recover them). */
  anonId(cid: string): string {
    return `'a_' || ${this.rng.hex('id.anon', cid)}`;
  }
  anon2Id(cid: string): string {
    return `'a_' || ${this.rng.hex('id.anon2', cid)}`;
  }
  deviceId(cid: string): string {
    return `'d_' || ${this.rng.hex('id.device', cid)}`;
  }

  private cities() {
    const countryShare = new Map(COUNTRIES.map((c) => [c.code, c.share]));
    const countryWeight = new Map<string, number>();
    for (const city of CITIES) countryWeight.set(city.country, (countryWeight.get(city.country) ?? 0) + city.weight);
    const weights = CITIES.map((c) => (countryShare.get(c.country)! * c.weight) / countryWeight.get(c.country)!);
    const stores = CITIES.map((c, i) => ({ ...c, i })).filter((c) => c.hasStore);
    const storeOf = CITIES.map((c) => stores.findIndex((s) => s.name === c.name));
    return { weights, stores, storeOf };
  }

  /** The stores table rows: S001.. at the store cities. */
  storesSql(): string {
    const { stores } = this.cities();
    const rows = stores.map((s, i) => `('S${String(i + 1).padStart(3, '0')}', ${num(s.lat)}, ${num(s.lon)})`);
    return `SELECT store_id, lat, lon FROM (VALUES ${rows.join(', ')}) AS t(store_id, lat, lon) ORDER BY store_id`;
  }

  storeCount(): number {
    return this.cities().stores.length;
  }

  /**
   * Customer attributes that depend only on the customer number: pure functions of `cid`, so any query
   * can recompute them instead of joining a wide table.
   */
  readonly attr = {
    fav1: (cid: string) => pick(this.u('cust.fav1', cid), CATEGORY_WEIGHTS),
    fav2: (cid: string) => pick(this.u('cust.fav2', cid), CATEGORY_WEIGHTS),
    qRet: (cid: string) => `least(0.6, -ln(${this.u('cust.ret', cid)}) * ${num(RETURN_SHARE)})`,
    eng: (cid: string) => `(${this.rng.gamma(2, 'cust.eng', cid)} * 0.5)`,
    appUser: (cid: string) => `(${this.u('cust.app', cid)} < 0.45)`,
    byCreator: (cid: string) => `(${this.u('cust.acq', cid)} < ${num(CREATOR_SHARE)})`,
    okEmail: (cid: string) => `(${this.u('cust.c.email', cid)} < 0.85)`,
    okSms: (cid: string) => `(${this.u('cust.c.sms', cid)} < 0.3)`,
    okPush: (cid: string) => `(${this.attr.appUser(cid)} AND ${this.u('cust.c.push', cid)} < 0.8)`,
    okAds: (cid: string) => `(${this.u('cust.c.ads', cid)} < 0.6)`,
    okProfiling: (cid: string) => `(${this.u('cust.c.profiling', cid)} < 0.65)`,
    okLocation: (cid: string) => `(${this.attr.appUser(cid)} AND ${this.u('cust.c.location', cid)} < 0.5)`,
    creatorIdx: (cid: string) => `(1 + floor(${CREATORS} * pow(${this.u('cust.creator', cid)}, 2.2)))::INTEGER`,
    platformIdx: (cid: string) => pick(this.u('cust.platform', cid), PLATFORM_WEIGHTS),
    city: (cid: string) => pick(this.u('cust.city', cid), this.cities().weights),
  };

  /** Statements building `cust_bg` (the BG/NBD latent variables, materialized) and the `cust` view over it. */
  customersTableSql(): string[] {
    const { r, alpha, a, b } = BG_NBD_DAYS;
    const L = this.time.operationalDays;
    const g = Math.log(ACQUISITION_GROWTH) / L;
    const key = 'cid';
    const H = this.H;
    const end = num(H - 1e-6);

    // Join (first purchase) in operational time with exponential growth of acquisitions.
    const v0 = `ln(1.0 + ${this.u('cust.join', key)} * ${num(Math.expm1(g * L))}) * ${num(1 / g)}`;
    const base = `SELECT cid, ${v0} AS v0,
        ${this.rng.gamma(r, 'cust.lambda', key)} * ${num(1 / alpha)} AS lam,
        least(greatest(${this.rng.beta(a, b, 'cust.dropout', key)}, 1e-9), 1.0 - 1e-9) AS pdrop
      FROM range(${this.settings.customers}) AS t(cid)`;
    // After each repeat purchase the customer leaves with probability p, so the number of repeat purchases
    // before leaving is K = 1 + Geometric(p) >= 1 (the first purchase never ends it, as in the BG/NBD likelihood).
    const withK = `SELECT cid, v0, lam, ${num(L)} - v0 AS t_op, lam * (${num(L)} - v0) AS mu,
        least(${PURCHASE_CAP}.0, 1.0 + floor(ln(${this.u('cust.k', key)}) / ln(1.0 - pdrop)))::BIGINT AS kdrop,
        ${this.u('cust.pois', key)} AS u_pois, ${this.rng.normal('cust.pois.z', key)} AS z_pois
      FROM (${base})`;
    const withN = poissonSelect(withK, 'mu', 'u_pois', 'z_pois', 'npois');
    // Observed repeats: the first min(K, N) of the N Poisson points in the window (v0, L]. When N >= K the
    // customer left at the K-th point, whose position in the window is Beta(K, N-K+1); the K-1 earlier
    // points are uniform before it. Otherwise the N points are uniform on the whole window.
    const g1 = this.rng.gammaOf('kdrop', 'cust.last.g1', key);
    const g2 = this.rng.gammaOf('(npois - kdrop + 1)', 'cust.last.g2', key);
    const withLast = `SELECT cid, v0, lam, t_op, kdrop, npois, npois >= kdrop AS dead, least(npois, kdrop) AS nrep,
        CASE WHEN npois > kdrop THEN 1.0 / (1.0 + ${g2} / greatest(${g1}, 1e-300))
             WHEN npois = kdrop THEN pow(${this.u('cust.last.max', key)}, 1.0 / kdrop)
             ELSE 1.0 END AS lastfrac
      FROM (${withN})`;
    const withDeath = `SELECT *, CASE WHEN dead THEN v0 + lastfrac * t_op END AS death_v FROM (${withLast})`;
    const bg = `CREATE TABLE cust_bg AS SELECT cid, v0, lam, t_op, kdrop, npois, dead, nrep, lastfrac, t0, death_t
      FROM (${unwarpSelect(unwarpSelect(withDeath, 'v0', 't0', this.phi), 'death_v', 'death_t', this.phi)})`;

    const { stores, storeOf } = this.cities();
    const cityLat = numList(CITIES.map((c) => c.lat));
    const cityLon = numList(CITIES.map((c) => c.lon));
    const storeLat = numList(CITIES.map((_, i) => (storeOf[i]! >= 0 ? stores[storeOf[i]!]!.lat : 0)));
    const storeLon = numList(CITIES.map((_, i) => (storeOf[i]! >= 0 ? stores[storeOf[i]!]!.lon : 0)));
    const currencyOf = new Map(COUNTRIES.map((c) => [c.code, c.currency]));
    const rates = Object.entries(CURRENCY_RATES);
    const at1 = this.attr;

    // Layer 1: draws used more than once.
    const l1 = `SELECT *,
        ${at1.city('cid')} AS city,
        ${this.u('cust.whale', key)} < ${num(WHALES.share)} AS whale,
        ${at1.byCreator('cid')} AS by_creator,
        ${at1.appUser('cid')} AS app_user,
        ${at1.okEmail('cid')} AS ok_email, ${at1.okSms('cid')} AS ok_sms, ${at1.okPush('cid')} AS ok_push,
        ${at1.okAds('cid')} AS ok_ads, ${at1.okProfiling('cid')} AS ok_profiling, ${at1.okLocation('cid')} AS ok_location,
        ${this.u('cust.spread', key)} < 0.65 AS urban,
        ${this.u('cust.r.t', key)} AS u_r_t, ${this.u('cust.unsub', key)} AS u_unsub, ${this.u('cust.unsub.t', key)} AS u_unsub_t,
        ${this.u('cust.erase', key)} AS u_erase, ${this.u('cust.erase.t', key)} AS u_erase_t
      FROM cust_bg`;
    const sd = `CASE WHEN urban THEN 0.08 ELSE 0.9 END`;
    // Layer 2: dates of the customer's life and home location.
    const l2 = `SELECT *,
        greatest(0.0, CASE WHEN by_creator THEN t0 - 1.0 + ln(${this.u('cust.seen', key)}) * 14.0
                           WHEN ${this.u('cust.seen.kind', key)} < 0.4 THEN t0 ELSE t0 + ln(${this.u('cust.seen', key)}) * 10.0 END) AS first_seen,
        CASE WHEN dead THEN least(${end}, death_t - ln(${this.u('cust.fade', key)}) * 10.0) ELSE ${end} END AS end_active,
        round(${at(cityLat, 'city')} + ${this.rng.normal('cust.lat', key)} * ${sd}, 5) AS home_lat,
        round(${at(cityLon, 'city')} + ${this.rng.normal('cust.lon', key)} * ${sd} / cos(radians(${at(cityLat, 'city')})), 5) AS home_lon,
        ${at(`[${storeOf.join(', ')}]`, 'city')} AS city_store
      FROM (${l1})`;
    const dist = `111.2 * sqrt(pow(home_lat - ${at(storeLat, 'city')}, 2) + pow((home_lon - ${at(storeLon, 'city')}) * cos(radians(home_lat)), 2))`;
    const l3 = `SELECT *,
        least(end_active, t0 - ln(${this.u('cust.app.t', key)}) * 30.0) AS app_t,
        CASE WHEN city_store >= 0 AND ${dist} < ${num(STORE_RADIUS_KM)} THEN city_store END AS store_idx
      FROM (${l2})`;
    const revoke = (flag: string, label: string, from: string) =>
      `CASE WHEN ${flag} AND ${this.u(label, key)} < 0.06 THEN ${from} + (${end} - ${from}) * u_r_t END`;
    const country = at(strList(CITIES.map((c) => c.country)), 'city');
    const currency = at(strList(CITIES.map((c) => currencyOf.get(c.country)!)), 'city');
    const view = `CREATE VIEW cust AS SELECT *,
        ${country} AS country,
        ${currency} AS currency,
        CASE ${currency} ${rates.map(([c, x]) => `WHEN '${c}' THEN ${num(x)}`).join(' ')} END AS rate,
        ${this.rng.gamma(GAMMA_GAMMA.q, 'cust.nu', key)} * ${num(1 / GAMMA_GAMMA.gamma)} / CASE WHEN whale THEN ${num(WHALES.spendMultiplier)} ELSE 1.0 END AS nu,
        CASE WHEN NOT ok_email THEN NULL
             WHEN dead AND u_unsub < 0.3 AND death_t + 5.0 - ln(u_unsub_t) * 20.0 < ${end} THEN death_t + 5.0 - ln(u_unsub_t) * 20.0
             WHEN NOT dead AND u_unsub < 0.04 THEN t0 + (${end} - t0) * u_unsub_t END AS unsub_t,
        ${revoke('ok_sms', 'cust.r.sms', 't0')} AS rev_sms,
        ${revoke('ok_push', 'cust.r.push', 'app_t')} AS rev_push,
        ${revoke('ok_ads', 'cust.r.ads', 'first_seen')} AS rev_ads,
        ${revoke('ok_profiling', 'cust.r.profiling', 'first_seen')} AS rev_profiling,
        ${revoke('ok_location', 'cust.r.location', 'app_t')} AS rev_location,
        CASE WHEN u_erase < ${num(ERASURE_SHARE)} THEN CASE WHEN dead THEN end_active - ln(u_erase_t) * 60.0 ELSE t0 + (${num(H)} - t0) * u_erase_t END END AS erase_t
      FROM (${l3})`;
    return [bg, view];
  }

  /** An upper bound of the number of order rows, to size the zero-padded order ids. */
  orderRowsBoundSql(): string {
    return 'SELECT 2 * sum(nrep + 1) AS n FROM cust_bg';
  }

  /**
   * All order rows, numbered chronologically (seq). kind: 0 purchase (the BG/NBD process: the first
   * purchase plus the observed repeats), 1 a cancelled attempt shortly before a repeat purchase, 2 a dirty
   * copy without customer_id, 3 a dirty copy with negative revenue, 4 a dirty copy in currency XXX. Exact
   * duplicates (dirty type 0) are written twice by ordersCopySql (column dup).
   */
  ordersTableSql(idWidth: number): string {
    const { p } = GAMMA_GAMMA;
    const okey = `(cid * 1024 + k)`;
    const u = (label: string) => this.u('ord.' + label, okey);
    const expanded = `SELECT cid, ${this.customerId('cid')} AS customer_id, unnest(range(0, nrep + 1)) AS k, v0, t_op, lastfrac, dead, nrep, nu, rate, currency, app_user, store_idx, first_seen, unsub_t FROM cust`;
    const withV = `SELECT *, CASE WHEN k = 0 THEN v0
        WHEN dead AND k = nrep THEN v0 + t_op * lastfrac
        ELSE v0 + t_op * lastfrac * ${u('pos')} END AS v FROM (${expanded})`;
    const timed = unwarpSelect(withV, 'v', 't', this.phi);
    // Channel mix depends on whether the customer uses the app and lives near a store.
    const channel = `CASE
        WHEN app_user AND store_idx IS NOT NULL THEN CASE WHEN uc < 0.33 THEN 'web' WHEN uc < 0.73 THEN 'app' WHEN uc < 0.9 THEN 'store' ELSE 'marketplace' END
        WHEN app_user THEN CASE WHEN uc < 0.4 THEN 'web' WHEN uc < 0.88 THEN 'app' ELSE 'marketplace' END
        WHEN store_idx IS NOT NULL THEN CASE WHEN uc < 0.62 THEN 'web' WHEN uc < 0.85 THEN 'store' ELSE 'marketplace' END
        ELSE CASE WHEN uc < 0.82 THEN 'web' ELSE 'marketplace' END END`;
    const dirtyShare = this.settings.clean ? 0 : this.settings.dirtyShare;
    const purchases = `SELECT cid, k, ${this.sec('t')} AS sec, ${this.rng.gamma(p, 'ord.value', okey)} / nu AS usd, rate, currency, ${channel} AS channel,
        CASE WHEN ud < 0.28 THEN [0.1, 0.15, 0.2, 0.25, 0.3][1 + floor(ud / 0.28 * 5)::INTEGER] ELSE 0.0 END AS disc,
        k >= 1 AND ${u('cancel')} < ${num(CANCELLED_SHARE)} AS cancelled,
        CASE WHEN ${u('dirty')} < ${num(dirtyShare)} THEN floor(${u('dirty.type')} * 4)::INTEGER END AS dtype,
        nu, store_idx, first_seen, unsub_t, customer_id
      FROM (SELECT *, ${u('channel')} AS uc, ${u('discount')} AS ud FROM (${timed}))`;
    const variants = `SELECT *, CASE WHEN j = 0 THEN 0 WHEN j = 1 AND cancelled THEN 1 ELSE 1 + dtype END AS kind FROM (
        SELECT *, unnest(range(0, 1 + cancelled::INTEGER + CASE WHEN dtype >= 1 THEN 1 ELSE 0 END)) AS j FROM (${purchases}))`;
    const rows = `SELECT cid, k, kind,
        CASE kind WHEN 0 THEN sec
                  WHEN 1 THEN greatest(sec - 60 - floor(-ln(${u('cancel.dt')}) * 1800.0)::BIGINT, 0)
                  ELSE least(sec + 60 + floor(${u('dirty.dt')} * 3600.0)::BIGINT, ${this.H * 86400 - 1}) END AS sec,
        greatest(round(CASE WHEN kind = 1 THEN ${this.rng.gamma(p, 'ord.cancel.value', okey)} / nu ELSE usd END / rate, 2), 0.01) AS amount,
        CASE WHEN kind = 1 THEN 0.0 ELSE disc END AS disc,
        rate, currency, channel, kind = 0 AND dtype = 0 AS dup, store_idx, first_seen, unsub_t, customer_id
      FROM (${variants})`;
    const numbered = `SELECT row_number() OVER (ORDER BY sec * ${2 ** 26} + cid, k * 8 + kind) AS seq, * FROM (${rows})`;
    return `CREATE TABLE ord AS SELECT seq, ${this.id('O', 'seq', idWidth)} AS order_id, cid, CASE WHEN kind = 2 THEN NULL ELSE customer_id END AS customer_id, k, kind, sec,
        amount * CASE WHEN kind = 3 THEN -1.0 ELSE 1.0 END AS revenue,
        CASE WHEN kind = 4 THEN 'XXX' ELSE currency END AS currency, channel,
        round(amount * disc / (1.0 - disc), 2) AS discount_amount,
        CASE WHEN kind = 1 THEN 'cancelled' ELSE 'completed' END AS status,
        dup, store_idx, first_seen, unsub_t
      FROM (${numbered})`;
  }

  ordersCopySql(): string {
    return `SELECT order_id, customer_id, ${this.ts('sec')} AS ordered_at,
        revenue, currency, channel, discount_amount, status
      FROM (SELECT *, unnest(range(0, CASE WHEN dup THEN 2 ELSE 1 END)) AS copy FROM ord)
      ORDER BY seq * 2 + copy`;
  }

  orderLinesCopySql(): string {
    const okey = `(cid * 1024 + k) * 2 + (kind = 1)::INTEGER`;
    const lkey = `((cid * 1024 + k) * 2 + (kind = 1)::INTEGER) * 8 + line`;
    const nLines = `least(6, 1 + floor(ln(${this.u('line.n', okey)}) / ln(0.45)))::INTEGER`;
    const steps = [1, 3, 7, 9, 11, 13, 17, 19, 21, 23, 27, 29, 31, 33, 37, 39];
    // Distinct products within an order: base (popularity-skewed) + line * step, step coprime to 400.
    const product = `1 + (floor(${PRODUCTS_PER_CATEGORY} * pow(ubase, 2.0))::INTEGER + line * ${at(`[${steps.join(', ')}]`, `floor(ustep * ${steps.length})::INTEGER`)}) % ${PRODUCTS_PER_CATEGORY}`;
    const expanded = `SELECT *, unnest(range(0, nlines)) AS line FROM (
        SELECT seq, order_id, cid, k, kind, round(revenue * 100)::BIGINT AS cents, ${nLines} AS nlines,
          ${this.u('line.base', okey)} AS ubase, ${this.u('line.step', okey)} AS ustep
        FROM ord WHERE kind IN (0, 1))`;
    const withDraws = `SELECT *, ${this.u('line.cat', lkey)} AS ucat, ${this.u('line.qty', lkey)} AS uq FROM (${expanded})`;
    const cat = `CASE WHEN ucat < 0.55 THEN ${this.attr.fav1('cid')} WHEN ucat < 0.72 THEN ${this.attr.fav2('cid')} ELSE ${pick(this.u('line.pop', lkey), CATEGORY_WEIGHTS)} END`;
    // Split the order's cents exactly: equal shares, the remainder to the first lines, and a jitter that
    // moves cents between the two lines of each pair (so the sum never changes).
    const jitter = `floor((cents // nlines) * 0.6 * (${this.u('line.jit', '(((cid * 1024 + k) * 2 + (kind = 1)::INTEGER) * 8 + line // 2)')} - 0.5))::BIGINT`;
    const lineCents = `cents // nlines + CASE WHEN line < cents % nlines THEN 1 ELSE 0 END
        + CASE WHEN line % 2 = 0 AND line + 1 < nlines THEN ${jitter} WHEN line % 2 = 1 THEN -${jitter} ELSE 0 END`;
    return `SELECT order_id,
        'P' || CAST((cat + 1) * 10000 + ${product} AS VARCHAR) AS product_id,
        ${at(strList(CATEGORIES), 'cat')} AS category,
        CASE WHEN uq < 0.75 THEN 1 WHEN uq < 0.93 THEN 2 ELSE 3 END::INTEGER AS quantity,
        (${lineCents}) / 100.0 AS line_revenue
      FROM (SELECT *, ${cat} AS cat FROM (${withDraws}))
      ORDER BY seq * 8 + line`;
  }

  returnsCopySql(): string {
    const okey = `(cid * 1024 + k)`;
    const returnedAt = `sec + floor((1.0 + ${this.rng.gamma(2, 'ret.delay', okey)} * 7.0) * 86400.0)::BIGINT`;
    return `SELECT order_id, ${this.ts('rsec')} AS returned_at, refund_amount FROM (
        SELECT seq, order_id, ${returnedAt} AS rsec,
          CASE WHEN ${this.u('ret.full', okey)} < 0.35 THEN NULL ELSE least(revenue, round(revenue * (0.3 + 0.7 * ${this.u('ret.amount', okey)}), 2)) END AS refund_amount
        FROM ord
        WHERE kind = 0 AND ${this.u('ret.is', okey)} < ${this.attr.qRet('cid')})
      WHERE rsec < ${this.H * 86400}
      ORDER BY seq`;
  }

  customersCopySql(): string {
    const key = 'cid';
    const u = (label: string) => this.u('cust.' + label, key);
    const cityCode = at(strList(CITIES.map((c) => c.code)), 'city');
    const pn = `floor(${u('postal')} * 1e9)::BIGINT`;
    const letter = (div: number) => `chr(65 + ((pn // ${div}) % 26)::INTEGER)`;
    const digit = (div: number) => `CAST((pn // ${div}) % 10 AS VARCHAR)`;
    const postal = `CASE country
        WHEN 'US' THEN lpad(CAST(1001 + (pn % 98000) AS VARCHAR), 5, '0')
        WHEN 'CA' THEN ${letter(1)} || ${digit(26)} || ${letter(260)} || ' ' || ${digit(6760)} || ${letter(67600)} || ${digit(1757600)}
        WHEN 'GB' THEN ${cityCode} || CAST(1 + (pn % 9) AS VARCHAR) || ' ' || ${digit(9)} || ${letter(90)} || ${letter(2340)}
        ELSE ${cityCode} || lpad(CAST(pn % 1000 AS VARCHAR), 3, '0') END`;
    const fn = at(strList(FIRST_NAMES), `floor(${u('fn')} * ${FIRST_NAMES.length})::INTEGER`);
    const ln = at(strList(LAST_NAMES), `floor(${u('ln')} * ${LAST_NAMES.length})::INTEGER`);
    const dom = at(strList(EMAIL_DOMAINS), `floor(${u('email.dom')} * ${EMAIL_DOMAINS.length})::INTEGER`);
    const local = `CASE WHEN us < 0.5 THEN fname || '.' || lname WHEN us < 0.8 THEN fname || lname ELSE substr(fname, 1, 1) || '.' || lname END || CAST(cid + 1 AS VARCHAR)`;
    const messy = !this.settings.clean;
    const email = messy
      ? `CASE WHEN ue < 0.02 THEN upper(substr(local, 1, 1)) || substr(local, 2) || '@' || upper(substr(dom, 1, 1)) || substr(dom, 2)
              WHEN ue < 0.03 THEN ' ' || local || '@' || dom || ' ' ELSE local || '@' || dom END`
      : `local || '@' || dom`;
    // Phone numbers are unique per customer (the digits are a bijection of cid), so identity
    // resolution, which merges customers sharing a phone, merges no generated customers by chance.
    const digits = (n: number) => `lpad(CAST((cid * 7919 + 1234567) % ${10 ** n} AS VARCHAR), ${n}, '0')`;
    const phone = `CASE WHEN ${u('phone.has')} >= 0.55 THEN NULL
        WHEN country IN ('US', 'CA') THEN ${messy ? `CASE WHEN ${u('phone.fmt')} < 0.3 THEN '(' || ${cityCode} || ') ' || substr(${digits(7)}, 1, 3) || '-' || substr(${digits(7)}, 4, 4) ELSE '+1' || ${cityCode} || ${digits(7)} END` : `'+1' || ${cityCode} || ${digits(7)}`}
        WHEN country = 'GB' THEN '+447' || ${digits(9)}
        WHEN country = 'DE' THEN '+4915' || ${digits(9)}
        ELSE '+336' || ${digits(8)} END`;
    const acqOther = ACQUISITION_CHANNELS.map(([name]) => name);
    const acqWeights = ACQUISITION_CHANNELS.map(([, w]) => w);
    const acquisition = `CASE WHEN by_creator THEN 'creator' ELSE ${at(strList(acqOther), pick(`((${u('acq')} - ${num(CREATOR_SHARE)}) / ${num(1 - CREATOR_SHARE)})`, acqWeights))} END`;
    return `SELECT ${this.customerId('cid')} AS customer_id, ${email} AS email, ${phone} AS phone, ${this.ts(this.sec('first_seen'))} AS first_seen_at,
        country, ${postal} AS postal_code, home_lat, home_lon, ${acquisition} AS acquisition_channel,
        CASE WHEN by_creator THEN ${this.id('CR', this.attr.creatorIdx('cid'), 5)} END AS acquisition_creator_id
      FROM (SELECT *, ${local} AS local FROM (
        SELECT *, ${fn} AS fname, ${ln} AS lname, ${dom} AS dom, ${u('email.style')} AS us, ${u('email.dirty')} AS ue, ${pn} AS pn FROM cust))
      ORDER BY cid`;
  }

  /** Email-channel events stop at the unsubscribe; sms and push stop when their consent is revoked. */
  engagementCopySql(): string {
    // (a) Sessions and clicks leading to an order (anonymous before the first purchase).
    const okey = `(cid * 1024 + k)`;
    const ekey = `((cid * 1024 + k) * 4 + j)`;
    const linked = `SELECT cid, customer_id, 1 AS src, ${ekey} AS ekey,
        CASE WHEN ${this.u('ev.link.type', ekey)} < 0.25 AND k > 0 AND ${this.attr.okEmail('cid')} AND (unsub_t IS NULL OR sec < unsub_t * 86400.0) THEN 2
             WHEN channel = 'app' THEN 4 ELSE 3 END AS event_type,
        greatest(sec - 60 - floor(-ln(${this.u('ev.link.dt', ekey)}) * 0.8 * 86400.0)::BIGINT, ${this.sec('first_seen')}) AS sec,
        k = 0 AS anonymous
      FROM (SELECT *, unnest(range(0, CASE WHEN channel = 'marketplace' THEN CASE WHEN ul < 0.6 THEN 0 ELSE 1 END WHEN ul < 0.2 THEN 0 WHEN ul < 0.75 THEN 1 ELSE 2 END)) AS j
            FROM (SELECT cid, customer_id, k, channel, sec, first_seen, unsub_t, ${this.u('ev.link.n', okey)} AS ul FROM ord WHERE kind = 0))`;

    // (b) Background engagement over the active life, fading towards the dropout.
    const bkey = `(cid * 2048 + j)`;
    // Event types are codes into EVENT_TYPES until the rows are sorted (short keys sort faster).
    const typeWeights = [0.34, 0.17, 0.05, 0.22, 0.13, 0.05, 0.04];
    const nBg = `least(2000, floor(${this.attr.eng('cid')} * (0.003 + 0.8 * lam) * greatest(end_active - t0, 0.0) + ${this.u('ev.bg.n', 'cid')}))::INTEGER`;
    const bg = `SELECT cid, customer_id, 2 AS src, ${bkey} AS ekey, ${pick('utype', typeWeights)} AS raw_type,
        t0 + (end_active - t0) * CASE WHEN dead THEN 1.0 - pow(1.0 - upos, ${num(1 / 1.5)}) ELSE upos END AS t,
        app_user, ok_email, ok_sms, ok_push, unsub_t, rev_sms, rev_push, uanon
      FROM (SELECT *, ${this.u('ev.bg.type', bkey)} AS utype, ${this.u('ev.bg.pos', bkey)} AS upos, ${this.u('ev.bg.anon', bkey)} AS uanon
            FROM (SELECT cid, ${this.customerId('cid')} AS customer_id, t0, end_active, dead, app_user, ok_email, ok_sms, ok_push, unsub_t, rev_sms, rev_push,
                  unnest(range(0, ${nBg})) AS j FROM cust))`;
    const bgTyped = `SELECT cid, customer_id, src, ekey, t,
        CASE WHEN raw_type IN (4, 5) AND NOT app_user THEN 3 ELSE raw_type END AS event_type, uanon,
        CASE WHEN raw_type <= 2 THEN ok_email AND (unsub_t IS NULL OR t < unsub_t)
             WHEN raw_type = 6 THEN ok_sms AND (rev_sms IS NULL OR t < rev_sms)
             WHEN raw_type = 5 AND app_user THEN ok_push AND (rev_push IS NULL OR t < rev_push)
             ELSE TRUE END AS allowed
      FROM (${bg})`;
    const bgRows = `SELECT cid, customer_id, src, ekey, event_type, ${this.sec('t')} AS sec, event_type = 3 AND uanon < 0.1 AS anonymous
      FROM (${bgTyped}) WHERE allowed`;

    // (c) Anonymous browsing between first seen and the first purchase.
    const pkey = `(cid * 4 + j)`;
    const pre = `SELECT cid, NULL::VARCHAR AS customer_id, 3 AS src, ${pkey} AS ekey, 3 AS event_type,
        ${this.sec(`first_seen + (t0 - first_seen) * ${this.u('ev.pre.pos', pkey)}`)} AS sec, TRUE AS anonymous
      FROM (SELECT cid, first_seen, t0, unnest(range(0, CASE WHEN t0 - first_seen > 0.01 THEN floor(${this.u('ev.pre.n', 'cid')} * 4.0)::INTEGER ELSE 0 END)) AS j FROM cust)`;

    // (d) Unsubscribes.
    const unsub = `SELECT cid, ${this.customerId('cid')} AS customer_id, 4 AS src, cid AS ekey, 7 AS event_type, ${this.sec('unsub_t')} AS sec, FALSE AS anonymous FROM cust WHERE unsub_t IS NOT NULL`;

    const types = ['email_delivered', 'email_open', 'email_click', 'site_visit', 'app_session', 'push_open', 'sms_click', 'unsubscribe'];
    const channels = ['email', 'email', 'email', 'web', 'app', 'push', 'sms', 'email'];
    // Sort the narrow rows, then add the long strings (an order-preserving projection). The sort key is
    // (sec, cid, src, ekey) packed into two BIGINTs: sec < 2^27, cid < 2^26 (MAX_CUSTOMERS), ekey < 2^40.
    return `SELECT CASE WHEN anonymous THEN NULL ELSE customer_id END AS customer_id,
        CASE WHEN anonymous THEN ${this.anonId('cid')} END AS anonymous_id,
        ${at(strList(types), 'event_type')} AS event_type, ${at(strList(channels), 'event_type')} AS channel, ${this.ts('sec')} AS occurred_at
      FROM (SELECT cid, customer_id, src, ekey, event_type, sec, anonymous
            FROM (${linked} UNION ALL ${bgRows} UNION ALL ${pre} UNION ALL ${unsub})
            ORDER BY sec * ${2 ** 26} + cid, src * ${2 ** 40} + ekey)`;
  }

  creatorTouchpointsCopySql(): string {
    const tkey = `(cid * 16 + j)`;
    const u = (label: string) => this.u('tp.' + label, tkey);
    const otherCreator = `(1 + floor(${CREATORS} * pow(${u('creator')}, 1.6)))::INTEGER`;
    const nPre = `least(8, 1 + floor(-ln(${this.u('tp.n', 'cid')}) * 1.5))::INTEGER`;
    const typeNames = TOUCHPOINT_TYPES.map(([t]) => t);
    const typeWeights = TOUCHPOINT_TYPES.map(([, w]) => w);
    const pre = `SELECT cid, 1 AS src, j, ${tkey} AS tkey, TRUE AS anonymous,
        CASE WHEN j = n - 1 OR ${u('same')} < 0.7 THEN ${this.attr.creatorIdx('cid')} ELSE ${otherCreator} END AS cr,
        CASE WHEN j = n - 1 THEN CASE WHEN ${u('last')} < 0.6 THEN 'affiliate_click' ELSE 'swipe_up' END
             WHEN j = 0 THEN 'video_view'
             ELSE ${at(strList(typeNames), pick('utype', typeWeights))} END AS touchpoint_type,
        CASE WHEN j = 0 THEN first_seen
             WHEN j = n - 1 THEN greatest(first_seen, t0 + ln(${u('dt')}) * 0.5)
             ELSE first_seen + (t0 - first_seen) * ${u('pos')} END AS t
      FROM (SELECT *, ${u('type')} AS utype FROM (
        SELECT cid, first_seen, t0, n, unnest(range(0, n)) AS j FROM (SELECT cid, first_seen, t0, ${nPre} AS n FROM cust WHERE by_creator)))`;
    const post = `SELECT cid, 2 AS src, j, ${tkey} AS tkey, FALSE AS anonymous,
        CASE WHEN by_creator AND ${u('same')} < 0.7 THEN ${this.attr.creatorIdx('cid')} ELSE ${otherCreator} END AS cr,
        ${at(strList(typeNames), pick('utype', typeWeights))} AS touchpoint_type,
        t0 + (end_active - t0) * ${u('pos')} AS t
      FROM (SELECT *, ${u('type')} AS utype FROM (
        SELECT cid, t0, end_active, by_creator, unnest(range(0, 1 + floor(${this.u('tp.post.n', 'cid')} * 3.0)::INTEGER)) AS j
        FROM cust WHERE ${this.u('cust.tp.post', 'cid')} < 0.06))`;
    const platform = `CASE WHEN ${this.u('tp.platform', 'tkey')} < 0.8 THEN ${this.attr.platformIdx('cid')} ELSE ${pick(this.u('tp.platform2', 'tkey'), PLATFORM_WEIGHTS)} END`;
    return `SELECT CASE WHEN anonymous THEN NULL ELSE ${this.customerId('cid')} END AS customer_id,
        CASE WHEN anonymous THEN ${this.anonId('cid')} END AS anonymous_id,
        ${this.id('CR', 'cr', 5)} AS creator_id,
        ${at(strList(PLATFORMS), platform)} AS platform,
        touchpoint_type,
        CASE WHEN touchpoint_type = 'video_view' THEN round(100.0 * pow(${this.u('tp.completion', 'tkey')}, 0.6), 1) END AS completion_pct,
        ${this.ts('sec')} AS occurred_at
      FROM (SELECT *, ${this.sec('t')} AS sec FROM (${pre} UNION ALL ${post}))
      ORDER BY sec, cid, src, j`;
  }

  storeVisitsCopySql(): string {
    // Purchases in a store are seen through the loyalty scan (customer_id).
    const purchase = `SELECT cid, customer_id, 1 AS src, seq AS vkey, FALSE AS by_device, store_idx,
        greatest(sec - 120 - floor(${this.u('visit.buy.dt', '(cid * 1024 + k)')} * 1800.0)::BIGINT, 0) AS sec
      FROM ord WHERE kind = 0 AND channel = 'store'`;
    // Browsing visits of app users who allow location, seen through their device.
    const vkey = `(cid * 1024 + j)`;
    const nVisits = `least(1000, floor(${this.attr.eng('cid')} * 0.012 * greatest(coalesce(rev_location, end_active) - app_t, 0.0) + ${this.u('visit.n', 'cid')}))::INTEGER`;
    const browse = `SELECT cid, NULL::VARCHAR AS customer_id, 2 AS src, ${vkey} AS vkey, TRUE AS by_device, store_idx,
        ${this.sec(`app_t + (coalesce(rev_location, end_active) - app_t) * ${this.u('visit.pos', vkey)}`)} AS sec
      FROM (SELECT cid, store_idx, app_t, end_active, rev_location, unnest(range(0, ${nVisits})) AS j
            FROM cust WHERE store_idx IS NOT NULL AND ok_location)`;
    return `SELECT customer_id,
        CASE WHEN by_device THEN ${this.deviceId('cid')} END AS device_id,
        'S' || lpad(CAST(store_idx + 1 AS VARCHAR), 3, '0') AS store_id, ${this.ts('sec')} AS visited_at
      FROM (${purchase} UNION ALL ${browse})
      ORDER BY sec, cid, src, vkey`;
  }

  consentsCopySql(): string {
    const purposes: Array<[string, string, string, string, string]> = [
      // purpose, granted flag, granted at, revoked at, source of the grant
      ['email', 'ok_email', 'first_seen', 'unsub_t', 'signup'],
      ['sms', 'ok_sms', 't0', 'rev_sms', 'checkout'],
      ['push', 'ok_push', 'app_t', 'rev_push', 'app_prompt'],
      ['ads', 'ok_ads', 'first_seen', 'rev_ads', 'cookie_banner'],
      ['profiling', 'ok_profiling', 'first_seen', 'rev_profiling', 'cookie_banner'],
      ['location', 'ok_location', 'app_t', 'rev_location', 'app_prompt'],
    ];
    // Row j of a customer: purpose j // 2, the grant (j even) or the later revocation (j odd).
    const flag = `CASE j // 2 ${purposes.map(([, f], i) => `WHEN ${i} THEN ${f}`).join(' ')} END`;
    const time = `CASE j ${purposes.map(([, , g, r], i) => `WHEN ${2 * i} THEN ${g} WHEN ${2 * i + 1} THEN ${r}`).join(' ')} END`;
    const sources = purposes.flatMap(([p, , , , src]) => [src, p === 'email' ? 'unsubscribe_link' : 'preference_center']);
    return `SELECT customer_id, ${at(strList(purposes.map(([p]) => p)), 'j // 2')} AS purpose,
        CASE WHEN j % 2 = 0 THEN 'granted' ELSE 'revoked' END AS status, ${this.ts('sec')} AS recorded_at,
        ${at(strList(sources), 'j')} AS source
      FROM (SELECT cid, customer_id, j, ${this.sec('t')} AS sec FROM (SELECT cid, customer_id, j, ${flag} AS granted, ${time} AS t FROM (
        SELECT *, unnest(range(0, 12)) AS j FROM (
          SELECT cid, ${this.customerId('cid')} AS customer_id, first_seen, t0, app_t, ok_email, ok_sms, ok_push, ok_ads, ok_profiling, ok_location,
            unsub_t, rev_sms, rev_push, rev_ads, rev_profiling, rev_location FROM cust)))
      WHERE granted AND t IS NOT NULL
      ORDER BY cid, j)`;
  }

  identityLinksCopySql(): string {
    const H = this.H;
    // Row j of a customer: 0 email, 1 anonymous id (first visit cookie), 2 a second anonymous id, 3 the app device.
    const time = `CASE j WHEN 0 THEN t0 WHEN 1 THEN t0 WHEN 2 THEN t0 + (${num(H)} - t0) * ${this.u('link.anon2', 'cid')} ELSE app_t END`;
    return `SELECT CASE j WHEN 0 THEN 'email' WHEN 3 THEN 'device_id' ELSE 'anonymous_id' END AS id_type_a,
        CASE j WHEN 0 THEN ${this.emailSql()} WHEN 1 THEN ${this.anonId('cid')} WHEN 2 THEN ${this.anon2Id('cid')} ELSE ${this.deviceId('cid')} END AS id_value_a,
        'customer_id' AS id_type_b, customer_id AS id_value_b, ${this.ts('sec')} AS observed_at
      FROM (SELECT cid, j, customer_id, ${this.sec(time)} AS sec FROM (SELECT *, unnest(range(0, 4)) AS j FROM (
          SELECT cid, ${this.customerId('cid')} AS customer_id, t0, app_t, app_user, ${this.u('cust.anon2', 'cid')} < 0.25 AS has_anon2 FROM cust))
        WHERE j IN (0, 1) OR (j = 2 AND has_anon2) OR (j = 3 AND app_user)
        ORDER BY cid, j)`;
  }

  /** The normalized (lowercase, trimmed) email of a customer. */
  private emailSql(): string {
    const u = (label: string) => this.u('cust.' + label, 'cid');
    const fn = at(strList(FIRST_NAMES), `floor(${u('fn')} * ${FIRST_NAMES.length})::INTEGER`);
    const ln = at(strList(LAST_NAMES), `floor(${u('ln')} * ${LAST_NAMES.length})::INTEGER`);
    const dom = at(strList(EMAIL_DOMAINS), `floor(${u('email.dom')} * ${EMAIL_DOMAINS.length})::INTEGER`);
    const us = u('email.style');
    return `(CASE WHEN ${us} < 0.5 THEN ${fn} || '.' || ${ln} WHEN ${us} < 0.8 THEN ${fn} || ${ln} ELSE substr(${fn}, 1, 1) || '.' || ${ln} END || CAST(cid + 1 AS VARCHAR) || '@' || ${dom})`;
  }

  erasureCopySql(): string {
    return `SELECT ${this.customerId('cid')} AS customer_id, ${this.ts(this.sec('erase_t'))} AS requested_at FROM cust WHERE erase_t IS NOT NULL AND erase_t < ${num(this.H)} ORDER BY cid`;
  }
}
