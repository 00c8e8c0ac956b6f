/**
 * Gamma-Gamma model of spend per transaction: Fader, Hardie & Lee (2005), "RFM and CLV: using
 * iso-value curves for customer base analysis", Journal of Marketing Research 42(4); in the form of
 * Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".
 *
 * Each transaction value is Gamma(p, ν); ν ~ Gamma(q, γ) across customers. For a repeat customer with
 * x transactions of mean value m_x:
 *   ln f(m_x | p, q, γ; x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m_x + px ln x
 *                            − (px+q) ln(γ + x·m_x).
 * Only customers with x > 0 carry information. The model assumes spend is independent of frequency;
 * the fit reports the Pearson correlation between x and m_x as a check of that assumption.
 */
import { digamma, lnGamma } from './special.js';
import { hessianFromGradient, invertSpd, minimizeBfgs } from './optimize.js';
import { expectedPurchases, type BgNbdCustomer, type BgNbdParams } from './bgnbd.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** One group of repeat customers: x repeat transactions with mean spend mx; n customers share it. */
export interface GammaGammaRow {
  x: number;
  mx: number;
  n: number;
}

export type GammaGammaStandardErrors = Record<keyof GammaGammaParams, number>;

export interface GammaGammaFitOptions {
  /** Fewer usable repeat customers than this gives ok: false. Default 50. */
  minCustomers?: number;
  /** |Pearson correlation(x, m_x)| above this is flagged. Default 0.3. */
  correlationThreshold?: number;
  maxIterations?: number;
  /** Tolerance on the gradient of the mean negative log-likelihood w.r.t. the log parameters. Default 1e-9. */
  gradientTolerance?: number;
  /** Start point; default p = 1, q = 2, γ = mean m_x. */
  initial?: GammaGammaParams;
}

export interface IndependenceCheck {
  /** Pearson correlation between x and m_x over the repeat customers (weighted by n); null if undefined. */
  pearson: number | null;
  threshold: number;
  /** True when |pearson| > threshold: the independence assumption is doubtful. */
  flagged: boolean;
}

interface GammaGammaFitCommon {
  /** Repeat customers used (x > 0, m_x > 0), sum of n. */
  customers: number;
  /** Customers left out: x = 0 (no repeat spend) or m_x <= 0 (outside the model's support). */
  excluded: number;
  groups: number;
  iterations: number;
  /** Likelihood-and-gradient passes over the rows used by the optimizer. */
  evaluations: number;
  converged: boolean;
  independence: IndependenceCheck;
}

export interface GammaGammaFitOk extends GammaGammaFitCommon {
  ok: true;
  params: GammaGammaParams;
  logLikelihood: number;
  standardErrors: GammaGammaStandardErrors | null;
  /** Non-fatal remarks (correlation flag, excluded rows, no standard errors); null when none. */
  warning: string | null;
}

export interface GammaGammaFitFailed extends GammaGammaFitCommon {
  ok: false;
  warning: string;
  params: GammaGammaParams | null;
  logLikelihood: number | null;
  standardErrors: null;
}

export type GammaGammaFit = GammaGammaFitOk | GammaGammaFitFailed;

const NAMES = ['p', 'q', 'gamma'] as const;

function toParams(v: readonly number[]): GammaGammaParams {
  return { p: v[0] ?? Number.NaN, q: v[1] ?? Number.NaN, gamma: v[2] ?? Number.NaN };
}

interface Prepared {
  x: Float64Array;
  mx: Float64Array;
  lnMx: Float64Array;
  n: Float64Array;
  xIndex: Int32Array;
  distinctX: Float64Array;
  weightByX: Float64Array;
  /** Σ n·ln m_x per distinct x. */
  lnMxByX: Float64Array;
  customers: number;
  excluded: number;
}

function prepare(rows: readonly GammaGammaRow[]): Prepared {
  let excluded = 0;
  const used: GammaGammaRow[] = [];
  for (const row of rows) {
    if (!(row.n > 0)) continue;
    if (row.x > 0 && row.mx > 0) used.push(row);
    else excluded += row.n;
  }
  const m = used.length;
  const x = new Float64Array(m);
  const mx = new Float64Array(m);
  const lnMx = new Float64Array(m);
  const n = new Float64Array(m);
  const xIndex = new Int32Array(m);
  const indexOf = new Map<number, number>();
  const distinct: number[] = [];
  const weights: number[] = [];
  const lnSums: number[] = [];
  let customers = 0;
  for (let i = 0; i < m; i++) {
    const row = used[i] as GammaGammaRow;
    x[i] = row.x;
    mx[i] = row.mx;
    lnMx[i] = Math.log(row.mx);
    n[i] = row.n;
    let k = indexOf.get(row.x);
    if (k === undefined) {
      k = distinct.length;
      indexOf.set(row.x, k);
      distinct.push(row.x);
      weights.push(0);
      lnSums.push(0);
    }
    xIndex[i] = k;
    weights[k] = (weights[k] ?? 0) + row.n;
    lnSums[k] = (lnSums[k] ?? 0) + row.n * (lnMx[i] as number);
    customers += row.n;
  }
  return {
    x, mx, lnMx, n, xIndex,
    distinctX: Float64Array.from(distinct),
    weightByX: Float64Array.from(weights),
    lnMxByX: Float64Array.from(lnSums),
    customers, excluded,
  };
}

function logLikelihoodAndGradient(d: Prepared, params: GammaGammaParams, grad: number[] | null): number {
  const { p, q, gamma } = params;
  if (!(p > 0 && q > 0 && gamma > 0)) return Number.NaN;
  const lnGammaQ = lnGamma(q);
  const lnG = Math.log(gamma);
  const psiQ = grad ? digamma(q) : 0;
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  // Per distinct x: everything but the ln(γ + x m_x) term.
  const kx = d.distinctX.length;
  for (let k = 0; k < kx; k++) {
    const xv = d.distinctX[k] as number;
    const w = d.weightByX[k] as number;
    const sLn = d.lnMxByX[k] as number;
    const px = p * xv;
    const lnX = Math.log(xv);
    ll += w * (lnGamma(px + q) - lnGamma(px) - lnGammaQ + q * lnG + px * lnX) + (px - 1) * sLn;
    if (grad) {
      const psiPxQ = digamma(px + q);
      gp += w * xv * (psiPxQ - digamma(px) + lnX) + xv * sLn;
      gq += w * (psiPxQ - psiQ + lnG);
      gg += (w * q) / gamma;
    }
  }
  const { x, mx, n } = d;
  const m = x.length;
  for (let i = 0; i < m; i++) {
    const xv = x[i] as number;
    const w = n[i] as number;
    const s = gamma + xv * (mx[i] as number);
    const lnS = Math.log(s);
    const pxq = p * xv + q;
    ll -= w * pxq * lnS;
    if (grad) {
      gp -= w * xv * lnS;
      gq -= w * lnS;
      gg -= (w * pxq) / s;
    }
  }
  if (grad) {
    grad[0] = gp;
    grad[1] = gq;
    grad[2] = gg;
  }
  return ll;
}

/** Total log-likelihood of grouped repeat-customer rows (rows with x = 0 or m_x <= 0 are skipped). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, rows: readonly GammaGammaRow[]): number {
  return logLikelihoodAndGradient(prepare(rows), params, null);
}

/** Gradient of the total log-likelihood with respect to (p, q, γ); exposed for tests. */
export function gammaGammaLogLikelihoodGradient(params: GammaGammaParams, rows: readonly GammaGammaRow[]): number[] {
  const g = [0, 0, 0];
  logLikelihoodAndGradient(prepare(rows), params, g);
  return g;
}

/** Weighted Pearson correlation between x and m_x over the usable rows; null when a variance is 0. */
function pearson(d: Prepared): number | null {
  let sw = 0;
  let sx = 0;
  let sm = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = d.n[i] as number;
    sw += w;
    sx += w * (d.x[i] as number);
    sm += w * (d.mx[i] as number);
  }
  if (!(sw > 0)) return null;
  const mxMean = sx / sw;
  const mmMean = sm / sw;
  let cxx = 0;
  let cmm = 0;
  let cxm = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = d.n[i] as number;
    const dx = (d.x[i] as number) - mxMean;
    const dm = (d.mx[i] as number) - mmMean;
    cxx += w * dx * dx;
    cmm += w * dm * dm;
    cxm += w * dx * dm;
  }
  if (!(cxx > 0 && cmm > 0)) return null;
  return cxm / Math.sqrt(cxx * cmm);
}

function validateRows(rows: readonly GammaGammaRow[]): string | null {
  const problems: string[] = [];
  for (let i = 0; i < rows.length && problems.length < 3; i++) {
    const { x, mx, n } = rows[i] as GammaGammaRow;
    if (!Number.isFinite(x) || x < 0) problems.push(`row ${i}: x must be finite and >= 0 (got ${x})`);
    else if (!Number.isFinite(mx)) problems.push(`row ${i}: m_x must be finite (got ${mx})`);
    else if (!Number.isFinite(n) || n < 0) problems.push(`row ${i}: n must be finite and >= 0 (got ${n})`);
  }
  return problems.length > 0 ? `invalid input: ${problems.join('; ')}` : null;
}

/**
 * Fit (p, q, γ) by maximum likelihood on repeat customers. Never throws: too few repeat customers,
 * invalid rows, a non-finite likelihood, no convergence, or q <= 1 (the mean spend would be
 * infinite) give { ok: false, warning }. A frequency–spend correlation above the threshold is
 * reported in `independence` and `warning` but does not fail the fit.
 */
export function fitGammaGamma(rows: readonly GammaGammaRow[], options: GammaGammaFitOptions = {}): GammaGammaFit {
  const minCustomers = options.minCustomers ?? 50;
  const threshold = options.correlationThreshold ?? 0.3;
  const noCheck: IndependenceCheck = { pearson: null, threshold, flagged: false };
  const invalid = validateRows(rows);
  if (invalid) {
    return {
      ok: false, warning: invalid, params: null, logLikelihood: null, standardErrors: null,
      customers: 0, excluded: 0, groups: rows.length, iterations: 0, evaluations: 0, converged: false, independence: noCheck,
    };
  }
  const d = prepare(rows);
  const rho = pearson(d);
  const independence: IndependenceCheck = { pearson: rho, threshold, flagged: rho !== null && Math.abs(rho) > threshold };
  const common: GammaGammaFitCommon = {
    customers: d.customers, excluded: d.excluded, groups: d.x.length, iterations: 0, evaluations: 0, converged: false, independence,
  };
  const fail = (warning: string, params: GammaGammaParams | null = null, ll: number | null = null, c = common): GammaGammaFitFailed => ({
    ok: false,
    warning,
    params: params && NAMES.every((k) => Number.isFinite(params[k])) ? params : null,
    logLikelihood: ll !== null && Number.isFinite(ll) ? ll : null,
    standardErrors: null,
    ...c,
  });
  if (d.customers === 0) return fail('no repeat buyers with positive spend (x > 0 and m_x > 0): nothing to fit');
  if (d.customers < minCustomers) {
    return fail(`too few repeat customers to fit Gamma-Gamma: ${d.customers} < ${minCustomers} (minCustomers)`);
  }

  let meanSpend = 0;
  for (let i = 0; i < d.x.length; i++) meanSpend += (d.n[i] as number) * (d.mx[i] as number);
  meanSpend /= d.customers;
  const start = options.initial ?? { p: 1, q: 2, gamma: meanSpend };
  const N = d.customers;
  const objective = (theta: readonly number[], gradient: number[]): number => {
    const params = toParams(theta.map(Math.exp));
    const g = [0, 0, 0];
    const ll = logLikelihoodAndGradient(d, params, g);
    const vals = [params.p, params.q, params.gamma];
    for (let j = 0; j < 3; j++) gradient[j] = (-(g[j] ?? 0) * (vals[j] ?? 0)) / N;
    return -ll / N;
  };
  const result = minimizeBfgs(objective, NAMES.map((k) => Math.log(start[k])), {
    maxIterations: options.maxIterations ?? 500,
    gradientTolerance: options.gradientTolerance ?? 1e-9,
  });
  const params = toParams(result.x.map(Math.exp));
  const logLikelihood = -result.f * N;
  const after: GammaGammaFitCommon = { ...common, iterations: result.iterations, evaluations: result.evaluations, converged: result.converged };
  if (!Number.isFinite(logLikelihood) || !NAMES.every((k) => Number.isFinite(params[k]))) {
    return fail(`Gamma-Gamma likelihood is not finite (${result.message})`, params, logLikelihood, after);
  }
  if (!result.converged) {
    const gmax = Math.max(...result.gradient.map(Math.abs));
    return fail(
      `Gamma-Gamma fit did not converge after ${result.iterations} iterations: ${result.message} (largest gradient ${gmax.toExponential(2)})`,
      params, logLikelihood, after,
    );
  }
  const atBoundary = NAMES.filter((k) => params[k] < 1e-6 || params[k] > 1e6);
  if (atBoundary.length > 0) {
    return fail(
      `Gamma-Gamma estimate at the edge of the parameter space (${atBoundary.map((k) => `${k}=${params[k].toExponential(3)}`).join(', ')}): the data do not identify the model`,
      params, logLikelihood, after,
    );
  }
  if (params.q <= 1) {
    return fail(`Gamma-Gamma estimate q = ${params.q.toFixed(4)} <= 1: the expected spend is infinite, the model does not fit these data`, params, logLikelihood, after);
  }

  const standardErrors = gammaGammaStandardErrors(d, params);
  const remarks: string[] = [];
  if (independence.flagged) {
    remarks.push(
      `frequency and mean spend are correlated (Pearson ${(rho as number).toFixed(3)}, |rho| > ${threshold}): the Gamma-Gamma independence assumption is doubtful`,
    );
  }
  if (d.excluded > 0) remarks.push(`${d.excluded} customers without repeat purchases or with m_x <= 0 were left out`);
  if (!standardErrors) remarks.push('standard errors unavailable: the Hessian at the optimum is not positive definite');
  return {
    ok: true,
    params,
    logLikelihood,
    standardErrors,
    warning: remarks.length > 0 ? remarks.join('; ') : null,
    ...after,
  };
}

function gammaGammaStandardErrors(d: Prepared, params: GammaGammaParams): GammaGammaStandardErrors | null {
  const negGradient = (v: readonly number[]): number[] => {
    const g = [0, 0, 0];
    logLikelihoodAndGradient(d, toParams(v), g);
    return g.map((e) => -e);
  };
  const cov = invertSpd(hessianFromGradient(negGradient, NAMES.map((k) => params[k])));
  if (!cov) return null;
  const se = cov.map((row, i) => Math.sqrt(row[i] ?? Number.NaN));
  return se.every(Number.isFinite) ? toParams(se) : null;
}

/**
 * E[M | x, m_x]: the expected spend per transaction of a customer with x repeat transactions of mean
 * m_x, a weighted mean of the population mean pγ/(q−1) and m_x:
 *   (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m_x = p(γ + x·m_x)/(px+q−1).
 * For x = 0 this is the population mean pγ/(q−1) (m_x is ignored); +∞ when that mean does not exist
 * (px + q <= 1).
 */
export function expectedAverageSpend(params: GammaGammaParams, x: number, mx: number): number {
  const { p, q, gamma } = params;
  const xv = x > 0 ? x : 0;
  const denominator = p * xv + q - 1;
  if (!(denominator > 0)) return Number.POSITIVE_INFINITY;
  return (p * (gamma + xv * (xv > 0 ? mx : 0))) / denominator;
}

export interface ClvOptions {
  /** Number of periods in the horizon (e.g. 12 months). */
  periods: number;
  /** Length of one period in the BG/NBD time unit (e.g. 52/12 when the model is in weeks and periods are months). Default 1. */
  periodLength?: number;
  /** Discount rate per period (e.g. 0.01 a month). Default 0. */
  discountRate?: number;
}

export interface ClvCustomer extends BgNbdCustomer {
  /** Mean spend of the repeat transactions (ignored when x = 0). */
  mx: number;
}

/**
 * Customer lifetime value over a finite horizon, discounted per period:
 *   CLV = E[M | x, m_x] · Σ_{i=1..periods} (E[Y(i·L)] − E[Y((i−1)·L)]) / (1 + d)^i
 * where E[Y(t)] is the BG/NBD conditional expectation of purchases in (T, T + t] and L the period
 * length. This is the discounted-cash-flow form used by lifetimes' customer_lifetime_value.
 */
export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customer: ClvCustomer,
  options: ClvOptions,
): number {
  const L = options.periodLength ?? 1;
  const d = options.discountRate ?? 0;
  const spend = expectedAverageSpend(gammaGamma, customer.x, customer.mx);
  let previous = 0;
  let discountedPurchases = 0;
  for (let i = 1; i <= options.periods; i++) {
    const cumulative = expectedPurchases(bgnbd, customer, i * L);
    discountedPurchases += (cumulative - previous) / Math.pow(1 + d, i);
    previous = cumulative;
  }
  return spend * discountedPurchases;
}
