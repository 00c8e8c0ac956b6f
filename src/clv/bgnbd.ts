/**
 * BG/NBD model of repeat purchasing: Fader, Hardie & Lee (2005), "Counting your customers the easy
 * way: an alternative to the Pareto/NBD model", Marketing Science 24(2).
 *
 * A customer's first purchase is at time 0. While alive she buys as a Poisson process with rate λ;
 * after each repeat purchase she drops out with probability p. λ ~ Gamma(r, α) (rate α), p ~ Beta(a, b).
 * Data per customer: x = number of repeat purchases, t_x = time of the last purchase (0 when x = 0),
 * T = time from the first purchase to the as-of date, all in one time unit.
 *
 * Individual likelihood (paper, eq. 6), written in logs:
 *   ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *          + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]
 * and the bracket is evaluated with log-sum-exp. Rows with identical (x, t_x, T) are grouped and
 * weighted by their count n.
 */
import { digamma, hyp2f1, lnBeta, lnGamma } from './special.js';
import { hessianFromGradient, invertSpd, minimizeBfgs } from './optimize.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One group of customers with identical statistics; n is how many customers share them. */
export interface BgNbdRow {
  x: number;
  tx: number;
  T: number;
  n: number;
}

/** One customer's statistics for scoring. */
export interface BgNbdCustomer {
  x: number;
  tx: number;
  T: number;
}

export type BgNbdStandardErrors = Record<keyof BgNbdParams, number>;

export interface BgNbdFitOptions {
  /** Fewer customers (sum of n) than this gives ok: false. Default 50. */
  minCustomers?: number;
  /** BFGS iteration limit. Default 500. */
  maxIterations?: number;
  /** Tolerance on the gradient of the mean negative log-likelihood w.r.t. the log parameters. Default 1e-9. */
  gradientTolerance?: number;
  /** Start point; default r = 1, α = mean T / mean x, a = 1, b = 1. */
  initial?: BgNbdParams;
}

interface BgNbdFitCommon {
  /** Number of customers (sum of n over the usable rows). */
  customers: number;
  /** Number of grouped rows used. */
  groups: number;
  iterations: number;
  /** Likelihood-and-gradient passes over the rows used by the optimizer. */
  evaluations: number;
  converged: boolean;
}

export interface BgNbdFitOk extends BgNbdFitCommon {
  ok: true;
  params: BgNbdParams;
  /** Total log-likelihood Σ n·ln L at the optimum. */
  logLikelihood: number;
  /** From the inverse of the numerical Hessian of −ln L; null when it is not positive definite. */
  standardErrors: BgNbdStandardErrors | null;
  /** Non-fatal remarks (e.g. no standard errors); null when none. */
  warning: string | null;
}

export interface BgNbdFitFailed extends BgNbdFitCommon {
  ok: false;
  warning: string;
  /** The last finite iterate when the optimizer ran, for diagnostics; null otherwise. Never NaN. */
  params: BgNbdParams | null;
  logLikelihood: number | null;
  standardErrors: null;
}

export type BgNbdFit = BgNbdFitOk | BgNbdFitFailed;

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

function toParams(v: readonly number[]): BgNbdParams {
  return { r: v[0] ?? Number.NaN, alpha: v[1] ?? Number.NaN, a: v[2] ?? Number.NaN, b: v[3] ?? Number.NaN };
}

/** Grouped data laid out in typed arrays, with the distinct x values indexed. */
interface Prepared {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  n: Float64Array;
  xIndex: Int32Array;
  distinctX: Float64Array;
  /** Σ n per distinct x. */
  weightByX: Float64Array;
  customers: number;
  repeatCustomers: number;
  sumNx: number;
  sumNT: number;
}

function validateRows(rows: readonly BgNbdRow[]): string | null {
  const problems: string[] = [];
  for (let i = 0; i < rows.length && problems.length < 3; i++) {
    const row = rows[i] as BgNbdRow;
    const { x, tx, T, n } = row;
    if (!Number.isInteger(x) || x < 0) problems.push(`row ${i}: x must be a non-negative integer (got ${x})`);
    else if (!Number.isFinite(T) || T < 0) problems.push(`row ${i}: T must be finite and >= 0 (got ${T})`);
    else if (!Number.isFinite(tx) || tx < 0 || tx > T) problems.push(`row ${i}: t_x must be within [0, T] (got t_x=${tx}, T=${T})`);
    else if (!Number.isFinite(n) || n < 0) problems.push(`row ${i}: n must be finite and >= 0 (got ${n})`);
  }
  return problems.length > 0 ? `invalid input: ${problems.join('; ')}` : null;
}

function prepare(rows: readonly BgNbdRow[]): Prepared {
  const used = rows.filter((row) => row.n > 0);
  const m = used.length;
  const x = new Float64Array(m);
  const tx = new Float64Array(m);
  const T = new Float64Array(m);
  const n = new Float64Array(m);
  const xIndex = new Int32Array(m);
  const indexOf = new Map<number, number>();
  const distinct: number[] = [];
  const weights: number[] = [];
  let customers = 0;
  let repeatCustomers = 0;
  let sumNx = 0;
  let sumNT = 0;
  for (let i = 0; i < m; i++) {
    const row = used[i] as BgNbdRow;
    x[i] = row.x;
    tx[i] = row.x > 0 ? row.tx : 0;
    T[i] = row.T;
    n[i] = row.n;
    let k = indexOf.get(row.x);
    if (k === undefined) {
      k = distinct.length;
      indexOf.set(row.x, k);
      distinct.push(row.x);
      weights.push(0);
    }
    xIndex[i] = k;
    weights[k] = (weights[k] ?? 0) + row.n;
    customers += row.n;
    if (row.x > 0) repeatCustomers += row.n;
    sumNx += row.n * row.x;
    sumNT += row.n * row.T;
  }
  return {
    x, tx, T, n, xIndex,
    distinctX: Float64Array.from(distinct),
    weightByX: Float64Array.from(weights),
    customers, repeatCustomers, sumNx, sumNT,
  };
}

/**
 * Σ n·ln L and its gradient with respect to the natural parameters (r, α, a, b).
 * Terms that depend on x alone are computed once per distinct x.
 */
function logLikelihoodAndGradient(d: Prepared, p: BgNbdParams, grad: number[] | null): number {
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return Number.NaN;
  const kx = d.distinctX.length;
  const constByX = new Float64Array(kx);
  const lnAOverB = new Float64Array(kx);
  const lnGammaR = lnGamma(r);
  const lnBetaAB = lnBeta(a, b);
  const lnAlpha = Math.log(alpha);
  const lnA = Math.log(a);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  const psiR = grad ? digamma(r) : 0;
  const psiB = grad ? digamma(b) : 0;
  const psiAB = grad ? digamma(a + b) : 0;
  for (let k = 0; k < kx; k++) {
    const xv = d.distinctX[k] as number;
    const w = d.weightByX[k] as number;
    constByX[k] = lnGamma(r + xv) - lnGammaR + r * lnAlpha + lnBeta(a, b + xv) - lnBetaAB;
    lnAOverB[k] = xv > 0 ? lnA - Math.log(b + xv - 1) : Number.NEGATIVE_INFINITY;
    ll += w * (constByX[k] as number);
    if (grad) {
      const psiABX = digamma(a + b + xv);
      gr += w * (digamma(r + xv) - psiR + lnAlpha);
      gAlpha += w * (r / alpha);
      ga += w * (psiAB - psiABX);
      gb += w * (digamma(b + xv) - psiABX - psiB + psiAB);
    }
  }
  const { x, tx, T, n, xIndex } = d;
  const m = x.length;
  for (let i = 0; i < m; i++) {
    const xv = x[i] as number;
    const w = n[i] as number;
    const rx = r + xv;
    const aT = alpha + (T[i] as number);
    const lT = Math.log(aT);
    const A1 = -rx * lT;
    if (xv > 0) {
      const k = xIndex[i] as number;
      const aTx = alpha + (tx[i] as number);
      const lTx = Math.log(aTx);
      const A2 = (lnAOverB[k] as number) - rx * lTx;
      // log-sum-exp of the two terms; w2 is the share of the second (dropped-out-at-t_x) term.
      let e: number;
      let w2: number;
      if (A1 >= A2) {
        e = Math.exp(A2 - A1);
        ll += w * (A1 + Math.log1p(e));
        w2 = e / (1 + e);
      } else {
        e = Math.exp(A1 - A2);
        ll += w * (A2 + Math.log1p(e));
        w2 = 1 / (1 + e);
      }
      if (grad) {
        const w1 = 1 - w2;
        gr -= w * (w1 * lT + w2 * lTx);
        gAlpha -= w * rx * (w1 / aT + w2 / aTx);
        ga += (w * w2) / a;
        gb -= (w * w2) / (b + xv - 1);
      }
    } else {
      ll += w * A1;
      if (grad) {
        gr -= w * lT;
        gAlpha -= (w * rx) / aT;
      }
    }
  }
  if (grad) {
    grad[0] = gr;
    grad[1] = gAlpha;
    grad[2] = ga;
    grad[3] = gb;
  }
  return ll;
}

/** Total log-likelihood Σ n·ln L(r, α, a, b | x, t_x, T) of grouped rows (NaN for invalid parameters). */
export function bgnbdLogLikelihood(params: BgNbdParams, rows: readonly BgNbdRow[]): number {
  return logLikelihoodAndGradient(prepare(rows), params, null);
}

/** Gradient of the total log-likelihood with respect to (r, α, a, b); exposed for tests. */
export function bgnbdLogLikelihoodGradient(params: BgNbdParams, rows: readonly BgNbdRow[]): number[] {
  const g = [0, 0, 0, 0];
  logLikelihoodAndGradient(prepare(rows), params, g);
  return g;
}

const BOUNDARY_LOW = 1e-6;
const BOUNDARY_HIGH = 1e6;

function failed(
  warning: string,
  common: BgNbdFitCommon,
  params: BgNbdParams | null = null,
  logLikelihood: number | null = null,
): BgNbdFitFailed {
  const finiteParams = params && PARAM_NAMES.every((k) => Number.isFinite(params[k])) ? params : null;
  const finiteLl = logLikelihood !== null && Number.isFinite(logLikelihood) ? logLikelihood : null;
  return { ok: false, warning, params: finiteParams, logLikelihood: finiteLl, standardErrors: null, ...common };
}

/**
 * Fit (r, α, a, b) by maximum likelihood on grouped rows. Never throws: degenerate data (too few
 * customers, no repeat buyers, invalid rows), a non-finite likelihood or no convergence give
 * { ok: false, warning }.
 */
export function fitBgNbd(rows: readonly BgNbdRow[], options: BgNbdFitOptions = {}): BgNbdFit {
  const minCustomers = options.minCustomers ?? 50;
  const invalid = validateRows(rows);
  if (invalid) return failed(invalid, { customers: 0, groups: rows.length, iterations: 0, evaluations: 0, converged: false });
  const d = prepare(rows);
  const common: BgNbdFitCommon = { customers: d.customers, groups: d.x.length, iterations: 0, evaluations: 0, converged: false };
  if (d.customers < minCustomers) {
    return failed(`too few customers to fit BG/NBD: ${d.customers} < ${minCustomers} (minCustomers)`, common);
  }
  if (d.repeatCustomers === 0) {
    return failed('no repeat buyers (every x = 0): purchase and dropout rates cannot be estimated', common);
  }
  if (!(d.sumNT > 0)) {
    return failed('every customer has T = 0: no observation time to fit on', common);
  }

  const start = options.initial ?? { r: 1, alpha: d.sumNT / d.sumNx, a: 1, b: 1 };
  const theta0 = PARAM_NAMES.map((k) => Math.log(start[k]));
  const N = d.customers;
  // Objective: mean negative log-likelihood per customer, on θ = ln(params).
  const objective = (theta: readonly number[], gradient: number[]): number => {
    const p = toParams(theta.map(Math.exp));
    const g = [0, 0, 0, 0];
    const ll = logLikelihoodAndGradient(d, p, g);
    const vals = [p.r, p.alpha, p.a, p.b];
    for (let j = 0; j < 4; j++) gradient[j] = (-(g[j] ?? 0) * (vals[j] ?? 0)) / N; // chain rule: ∂/∂θ = p·∂/∂p
    return -ll / N;
  };
  const result = minimizeBfgs(objective, theta0, {
    maxIterations: options.maxIterations ?? 500,
    gradientTolerance: options.gradientTolerance ?? 1e-9,
  });
  const params = toParams(result.x.map(Math.exp));
  const logLikelihood = -result.f * N;
  const after: BgNbdFitCommon = { ...common, iterations: result.iterations, evaluations: result.evaluations, converged: result.converged };
  if (!Number.isFinite(logLikelihood) || !PARAM_NAMES.every((k) => Number.isFinite(params[k]))) {
    return failed(`BG/NBD likelihood is not finite (${result.message})`, after, params, logLikelihood);
  }
  if (!result.converged) {
    const gmax = Math.max(...result.gradient.map(Math.abs));
    return failed(
      `BG/NBD fit did not converge after ${result.iterations} iterations: ${result.message} (largest gradient ${gmax.toExponential(2)})`,
      after, params, logLikelihood,
    );
  }
  const atBoundary = PARAM_NAMES.filter((k) => params[k] < BOUNDARY_LOW || params[k] > BOUNDARY_HIGH);
  if (atBoundary.length > 0) {
    return failed(
      `BG/NBD estimate at the edge of the parameter space (${atBoundary.map((k) => `${k}=${params[k].toExponential(3)}`).join(', ')}): the data do not identify the model`,
      after, params, logLikelihood,
    );
  }

  const standardErrors = bgnbdStandardErrors(d, params);
  return {
    ok: true,
    params,
    logLikelihood,
    standardErrors,
    warning: standardErrors ? null : 'standard errors unavailable: the Hessian at the optimum is not positive definite',
    ...after,
  };
}

function bgnbdStandardErrors(d: Prepared, params: BgNbdParams): BgNbdStandardErrors | null {
  const negGradient = (v: readonly number[]): number[] => {
    const g = [0, 0, 0, 0];
    logLikelihoodAndGradient(d, toParams(v), g);
    return g.map((e) => -e);
  };
  const hessian = hessianFromGradient(negGradient, PARAM_NAMES.map((k) => params[k]));
  const cov = invertSpd(hessian);
  if (!cov) return null;
  const se = cov.map((row, i) => Math.sqrt(row[i] ?? Number.NaN));
  if (!se.every(Number.isFinite)) return null;
  return toParams(se);
}

// ---------------------------------------------------------------------------------------------
// Scores (paper, section 3 and the appendix)

/**
 * P(alive | x, t_x, T) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), evaluated in logs.
 * Customers without repeat purchases are alive with probability 1 under BG/NBD (they cannot have
 * dropped out: dropout happens only right after a repeat purchase).
 */
export function probabilityAlive(params: BgNbdParams, customer: BgNbdCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  if (x <= 0) return 1;
  const lnOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  // 1 / (1 + e^lnOdds), written so that neither branch overflows.
  return lnOdds > 0 ? Math.exp(-lnOdds) / (1 + Math.exp(-lnOdds)) : 1 / (1 + Math.exp(lnOdds));
}

/**
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t).
 *
 * By Euler's transformation (1−z)^(r+x) ₂F₁(r+x, b+x; c; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; c; z)
 * with c = a+b+x−1; the right-hand side has c − A − B = x + r − a + 1, so its series converges
 * quickly and does not overflow for large x. The expression has a removable singularity at a = 1,
 * handled by averaging a = 1 ± 1e−6.
 */
function expectedRepeatUnscaled(params: BgNbdParams, x: number, T: number, t: number): number {
  const { r, alpha, b } = params;
  if (!(t > 0)) return 0;
  const z = t / (alpha + T + t);
  const lnOneMinusZ = Math.log(alpha + T) - Math.log(alpha + T + t);
  const at = (a: number): number => {
    const c = a + b + x - 1;
    const g = Math.exp((a - 1) * lnOneMinusZ) * hyp2f1(a + b - 1 - r, a - 1, c, z);
    return (c / (a - 1)) * (1 - g);
  };
  const a = params.a;
  if (Math.abs(a - 1) < 1e-6) return 0.5 * (at(1 - 1e-6) + at(1 + 1e-6));
  return at(a);
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] for a customer with this history. */
export function expectedPurchases(params: BgNbdParams, customer: BgNbdCustomer, t: number): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  const numerator = expectedRepeatUnscaled(params, x, T, t);
  if (x <= 0) return numerator;
  const lnOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  // numerator / (1 + e^lnOdds) = numerator · P(alive)
  return lnOdds > 0 ? (numerator * Math.exp(-lnOdds)) / (1 + Math.exp(-lnOdds)) : numerator / (1 + Math.exp(lnOdds));
}

/** E[X(t)]: expected repeat purchases in (0, t] for a customer picked at random at her first purchase. */
export function expectedPurchasesUnconditional(params: BgNbdParams, t: number): number {
  return expectedRepeatUnscaled(params, 0, 0, t);
}
