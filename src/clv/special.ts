/**
 * Special functions for the CLV models: log-gamma, digamma, log-beta, log-sum-exp and the
 * Gauss hypergeometric function 2F1 for real arguments.
 *
 * ln Γ and ψ come from @stdlib (accurate to a few ulp over the whole real line); 2F1 is ours.
 */
import stdlibGammaln from '@stdlib/math-base-special-gammaln';
import stdlibDigamma from '@stdlib/math-base-special-digamma';

/** ln |Γ(x)|. */
export const lnGamma: (x: number) => number = stdlibGammaln;

/** ψ(x) = d/dx ln Γ(x). */
export const digamma: (x: number) => number = stdlibDigamma;

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^u + e^v) without overflow or underflow. */
export function logSumExp(u: number, v: number): number {
  if (u === Number.NEGATIVE_INFINITY) return v;
  if (v === Number.NEGATIVE_INFINITY) return u;
  const m = u > v ? u : v;
  const d = u > v ? v - u : u - v;
  return m + Math.log1p(Math.exp(d));
}

function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/** 1/Γ(x), exactly 0 at the poles of Γ (x = 0, −1, −2, …). */
function reciprocalGamma(x: number): number {
  if (isNonPositiveInteger(x)) return 0;
  // Γ(x) < 0 on (−1, 0), (−3, −2), …: i.e. when x < 0 and floor(x) is odd.
  const sign = x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
  return sign * Math.exp(-lnGamma(x));
}

function gammaSign(x: number): number {
  return x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
}

export interface Hyp2f1Options {
  /** Relative tolerance on the estimated remainder of the series (default 1e-15). */
  tolerance?: number;
  /** Give up (return NaN) after this many terms of one series (default 1,000,000). */
  maxTerms?: number;
}

const DEFAULT_TOLERANCE = 1e-15;
const DEFAULT_MAX_TERMS = 1_000_000;

/**
 * The Gauss series Σ (a)_n (b)_n / ((c)_n n!) zⁿ for |z| < 1 (or any z when it terminates).
 *
 * Convergence check: once n is past the point where a + n, b + n and c + n are all positive, the
 * ratio of consecutive terms ρ_n = (a+n)(b+n) z / ((c+n)(n+1)) tends monotonically to z, so while the
 * ratios are falling (or already below |z|) the remainder after term n is bounded by |term|·ρ/(1 − ρ)
 * with ρ = max(|ρ_{n+1}|, |z|) < 1. We stop when that bound is below tolerance·|sum|. Returns NaN when
 * maxTerms is reached first.
 */
function gaussSeries(a: number, b: number, c: number, z: number, tol: number, maxTerms: number): number {
  let term = 1;
  let sum = 1;
  const past = Math.max(0, -a, -b, -c) + 1;
  const absZ = Math.abs(z);
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    if (term === 0) return sum; // terminating series (a or b a non-positive integer)
    if (!Number.isFinite(sum)) return Number.NaN;
    if (n > past) {
      const nextRatio = Math.abs(((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2)));
      // The ratios must already be falling (or below their limit |z|) for the bound to hold.
      if (nextRatio <= Math.abs(ratio) || nextRatio <= absZ) {
        const rho = Math.max(nextRatio, absZ);
        if (rho < 1 && Math.abs(term) * (rho / (1 - rho)) <= tol * Math.abs(sum)) return sum;
      }
    }
  }
  return Number.NaN;
}

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z ≤ 1.
 *
 * - terminating series (a or b a non-positive integer): summed directly for any z;
 * - z < 0: Pfaff's transformation ₂F₁(a,b;c;z) = (1−z)^(−a) ₂F₁(a, c−b; c; z/(z−1)), which maps z
 *   onto [0, 1);
 * - 0 ≤ z ≤ 0.75: the Gauss series;
 * - 0.75 < z < 1: the 1 − z connection formula (Abramowitz & Stegun 15.3.6), whose two series in 1 − z
 *   converge fast, unless c − a − b is within 0.05 of an integer (there its gamma factors blow up and
 *   cancel; the logarithmic case), when the Gauss series is summed to its convergence bound instead;
 * - z = 1: Gauss's theorem Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) when c − a − b > 0, else +∞.
 *
 * Returns NaN for z > 1, for c a non-positive integer, and when a series fails to converge within
 * maxTerms.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const tol = options.tolerance ?? DEFAULT_TOLERANCE;
  const maxTerms = options.maxTerms ?? DEFAULT_MAX_TERMS;
  if (![a, b, c, z].every(Number.isFinite)) return Number.NaN;
  if (isNonPositiveInteger(c)) return Number.NaN;
  if (z === 0 || a === 0 || b === 0) return 1;
  if (isNonPositiveInteger(a) || isNonPositiveInteger(b)) {
    return gaussSeries(a, b, c, z, tol, maxTerms);
  }
  if (z > 1) return Number.NaN;
  if (z === 1) {
    const s = c - a - b;
    if (s <= 0) return Number.POSITIVE_INFINITY;
    const sign = gammaSign(c) * gammaSign(s);
    return sign * Math.exp(lnGamma(c) + lnGamma(s)) * reciprocalGamma(c - a) * reciprocalGamma(c - b);
  }
  if (z < 0) {
    const w = z / (z - 1);
    return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, w, options);
  }
  if (z <= 0.75) return gaussSeries(a, b, c, z, tol, maxTerms);

  const s = c - a - b;
  if (Math.abs(s - Math.round(s)) < 0.05) return gaussSeries(a, b, c, z, tol, maxTerms);
  const y = 1 - z;
  // Γ(c)Γ(s)/(Γ(c−a)Γ(c−b)) and Γ(c)Γ(−s)/(Γ(a)Γ(b)), with signs carried separately from the logs.
  const lnGc = lnGamma(c);
  const coef1 = gammaSign(c) * gammaSign(s) * Math.exp(lnGc + lnGamma(s)) * reciprocalGamma(c - a) * reciprocalGamma(c - b);
  const coef2 = gammaSign(c) * gammaSign(-s) * Math.exp(lnGc + lnGamma(-s)) * reciprocalGamma(a) * reciprocalGamma(b);
  const f1 = coef1 === 0 ? 0 : coef1 * gaussSeries(a, b, 1 - s, y, tol, maxTerms);
  const f2 = coef2 === 0 ? 0 : coef2 * Math.pow(y, s) * gaussSeries(c - a, c - b, 1 + s, y, tol, maxTerms);
  return f1 + f2;
}
