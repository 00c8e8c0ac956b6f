import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodGradient,
  customerLifetimeValue,
  expectedAverageSpend,
  expectedPurchases,
  expectedPurchasesUnconditional,
  fitBgNbd,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodGradient,
  hyp2f1,
  lnBeta,
  lnGamma,
  probabilityAlive,
  type BgNbdParams,
  type BgNbdRow,
  type GammaGammaParams,
  type GammaGammaRow,
} from '../src/clv/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers

interface CdnowCustomer {
  x: number;
  tx: number;
  T: number;
  mx: number;
}

/**
 * The CDNOW 2,357-customer cohort as summarised by Fader, Hardie & Lee: 39-week calibration period
 * ending 1997-09-30, in weeks, same-day purchases merged; columns ID, x, t_x, T, zbar (mean repeat
 * spend). The file ships in the lifetimes wheel (see test/fixtures/cdnow/README.md); its (x, t_x, T)
 * columns are identical to lifetimes' cdnow_customers_summary.csv, so it is used as is.
 */
function loadCdnow(): CdnowCustomer[] {
  const path = fileURLToPath(new URL('./fixtures/cdnow/cdnow_customers_summary_with_transactions.csv', import.meta.url));
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('ID,x,t_x,T,zbar');
  return lines.slice(1).map((line) => {
    const [, x, tx, T, zbar] = line.split(',').map(Number);
    return { x: x as number, tx: tx as number, T: T as number, mx: zbar as number };
  });
}

function groupBgNbd(customers: readonly { x: number; tx: number; T: number }[]): BgNbdRow[] {
  const groups = new Map<string, BgNbdRow>();
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(key);
    if (g) g.n += 1;
    else groups.set(key, { x: c.x, tx: c.tx, T: c.T, n: 1 });
  }
  return [...groups.values()];
}

function groupGammaGamma(customers: readonly { x: number; mx: number }[]): GammaGammaRow[] {
  const groups = new Map<string, GammaGammaRow>();
  for (const c of customers) {
    const key = `${c.x}|${c.mx}`;
    const g = groups.get(key);
    if (g) g.n += 1;
    else groups.set(key, { x: c.x, mx: c.mx, n: 1 });
  }
  return [...groups.values()];
}

/** sfc32, a small seeded PRNG; uniform() returns a double in (0, 1) with 53 random bits. */
function makeRng(seed: number): { uniform: () => number; gamma: (shape: number, rate: number) => number } {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) next32();
  const uniform = (): number => {
    const hi = next32() >>> 5; // 27 bits
    const lo = next32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  // Marsaglia & Tsang (2000); shape < 1 via Gamma(k) = Gamma(k + 1) · U^(1/k).
  const gammaUnit = (k: number): number => {
    if (k < 1) return gammaUnit(k + 1) * Math.pow(uniform(), 1 / k);
    const dd = k - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let z: number;
      let v: number;
      do {
        z = normal();
        v = 1 + cc * z;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (Math.log(u) < 0.5 * z * z + dd - dd * v + dd * Math.log(v)) return dd * v;
    }
  };
  return { uniform, gamma: (shape, rate) => gammaUnit(shape) / rate };
}

/**
 * Simulate BG/NBD customers: λ ~ Gamma(r, α), p ~ Beta(a, b); first purchase at 0, exponential
 * gaps with rate λ, dropout with probability p after each repeat purchase. T is a whole number of
 * days between 52 and 104 weeks (first purchase and as-of date on day boundaries), in weeks.
 */
function simulateBgNbd(params: BgNbdParams, count: number, seed: number): { x: number; tx: number; T: number; lambda: number }[] {
  const rng = makeRng(seed);
  const out: { x: number; tx: number; T: number; lambda: number }[] = [];
  for (let i = 0; i < count; i++) {
    const lambda = rng.gamma(params.r, params.alpha);
    const g1 = rng.gamma(params.a, 1);
    const p = g1 / (g1 + rng.gamma(params.b, 1));
    const T = (364 + Math.floor(rng.uniform() * 365)) / 7;
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(rng.uniform()) / lambda;
      if (t > T) break;
      x += 1;
      tx = t;
      if (rng.uniform() < p) break;
    }
    out.push({ x, tx, T, lambda });
  }
  return out;
}

/** ∫₀¹ p^(a−1) h(p) dp by composite Simpson on u = p^a (which removes the p^(a−1) singularity). */
function integrateBetaWeighted(a: number, h: (p: number) => number, intervals = 20_000): number {
  const f = (u: number): number => h(Math.pow(u, 1 / a));
  const step = 1 / intervals;
  let sum = f(1e-300) + f(1 - 1e-15);
  for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * f(i * step);
  return (sum * step) / 3 / a;
}

/**
 * E[Y(t) | x, t_x, T] and P(alive | x, t_x, T) straight from the model's definition, without the
 * closed forms: integrate λ analytically against its Gamma prior and p numerically against its Beta
 * prior. Per (λ, p): P(alive, data) ∝ (1−p)^x λ^x e^(−λT), P(dropped at t_x, data) ∝ p(1−p)^(x−1) λ^x
 * e^(−λ t_x), and an alive customer makes (1 − e^(−λpt))/p expected purchases in the next t.
 */
function bgnbdByIntegration(params: BgNbdParams, c: { x: number; tx: number; T: number }, t: number): { alive: number; expected: number } {
  const { r, alpha, a, b } = params;
  const k = r + c.x;
  const base = Math.exp(lnGamma(r + c.x) - lnGamma(r) + r * Math.log(alpha) - lnBeta(a, b));
  const aliveTerm = integrateBetaWeighted(a, (p) => Math.pow(1 - p, b - 1 + c.x) * Math.pow(alpha + c.T, -k));
  const deadTerm = c.x > 0
    ? integrateBetaWeighted(a, (p) => p * Math.pow(1 - p, b - 1 + c.x - 1) * Math.pow(alpha + c.tx, -k))
    : 0;
  const future = integrateBetaWeighted(a, (p) => {
    // (1/p)[(α+T)^−k − (α+T+pt)^−k], written to avoid cancellation for small p; its limit at p = 0
    if (p === 0) return (k * t * Math.pow(alpha + c.T, -k)) / (alpha + c.T);
    const diff = -Math.pow(alpha + c.T, -k) * Math.expm1(-k * Math.log1p((p * t) / (alpha + c.T)));
    return (Math.pow(1 - p, b - 1 + c.x) * diff) / p;
  });
  const likelihood = base * (aliveTerm + deadTerm);
  return { alive: (base * aliveTerm) / likelihood, expected: (base * future) / likelihood };
}

const CDNOW_PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

// ---------------------------------------------------------------------------------------------

describe('hyp2f1', () => {
  it('matches 2F1(1,1;2;z) = −ln(1−z)/z for negative, small and near-1 arguments', () => {
    for (const z of [-50, -5, -0.9, -0.3, 0.1, 0.3, 0.6, 0.8, 0.95, 0.999]) {
      const expected = -Math.log(1 - z) / z;
      expect(Math.abs(hyp2f1(1, 1, 2, z) / expected - 1)).toBeLessThan(1e-12);
    }
  });

  it('matches other closed forms: (1−z)^−a, arcsin, arctan, Gauss at z = 1, a terminating polynomial', () => {
    for (const z of [-3, -0.5, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(0.7, 2.3, 2.3, z)).toBeCloseTo(Math.pow(1 - z, -0.7), 12);
    }
    for (const s of [0.5, 0.9, 0.95]) {
      // 2F1(1/2, 1/2; 3/2; s²) = arcsin(s)/s; at s² = 0.9025 this goes through the 1 − z connection formula.
      expect(hyp2f1(0.5, 0.5, 1.5, s * s)).toBeCloseTo(Math.asin(s) / s, 12);
    }
    for (const s of [0.5, 2, 10]) {
      expect(hyp2f1(0.5, 1, 1.5, -s * s)).toBeCloseTo(Math.atan(s) / s, 12);
    }
    expect(hyp2f1(1, 1, 3, 1)).toBeCloseTo(2, 12); // Γ(3)Γ(1)/(Γ(2)Γ(2))
    const [b, c, z] = [1.7, 2.9, 3];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 12);
  });

  it('agrees with a plain Gauss series near 1 where the connection formula is used', () => {
    const [a, b, c, z] = [0.3, 1.7, 2.9, 0.9];
    let term = 1;
    let sum = 1;
    for (let n = 0; n < 5000; n++) {
      term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
      sum += term;
    }
    expect(hyp2f1(a, b, c, z)).toBeCloseTo(sum, 12);
  });

  it('returns NaN outside its domain instead of throwing', () => {
    expect(hyp2f1(1, 1, 2, 1.5)).toBeNaN();
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN();
    expect(hyp2f1(1, 1, 2, 0.999999, { maxTerms: 10 })).toBeNaN();
  });
});

describe('BG/NBD on CDNOW (Fader, Hardie & Lee 2005)', () => {
  const cdnow = loadCdnow();
  const rows = groupBgNbd(cdnow);
  const fit = fitBgNbd(rows);

  it('reproduces the published estimates r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4', () => {
    expect(cdnow).toHaveLength(2357);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.customers).toBe(2357);
    expect(fit.converged).toBe(true);
    // Published to 3 decimals (paper, section 4): assert to that precision.
    expect(fit.params.r).toBeCloseTo(CDNOW_PUBLISHED.r, 3);
    expect(fit.params.alpha).toBeCloseTo(CDNOW_PUBLISHED.alpha, 3);
    expect(fit.params.a).toBeCloseTo(CDNOW_PUBLISHED.a, 3);
    expect(fit.params.b).toBeCloseTo(CDNOW_PUBLISHED.b, 3);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    // Standard errors: positive and of the size lifetimes reports for this fit (r 0.0126, α 0.378, a 0.186, b 0.705).
    expect(fit.standardErrors).not.toBeNull();
    expect(fit.standardErrors?.r).toBeCloseTo(0.0126, 3);
    expect(fit.standardErrors?.alpha).toBeCloseTo(0.378, 2);
    expect(fit.standardErrors?.a).toBeCloseTo(0.186, 2);
    expect(fit.standardErrors?.b).toBeCloseTo(0.705, 2);
  });

  it('fits the same whether rows are grouped or not, and the likelihood is the weighted sum', () => {
    const ungrouped = cdnow.map((c) => ({ x: c.x, tx: c.tx, T: c.T, n: 1 }));
    expect(rows.length).toBeLessThan(ungrouped.length);
    expect(bgnbdLogLikelihood(CDNOW_PUBLISHED, rows)).toBeCloseTo(bgnbdLogLikelihood(CDNOW_PUBLISHED, ungrouped), 8);
    const fit2 = fitBgNbd(ungrouped);
    expect(fit2.ok && fit.ok).toBe(true);
    if (fit2.ok && fit.ok) expect(fit2.params.r).toBeCloseTo(fit.params.r, 6);
  });

  it('has an analytic gradient that agrees with finite differences', () => {
    const p: BgNbdParams = { r: 0.3, alpha: 5, a: 0.9, b: 2 };
    const g = bgnbdLogLikelihoodGradient(p, rows);
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    keys.forEach((k, j) => {
      const h = 1e-6 * p[k];
      const up = bgnbdLogLikelihood({ ...p, [k]: p[k] + h }, rows);
      const down = bgnbdLogLikelihood({ ...p, [k]: p[k] - h }, rows);
      expect(Math.abs((g[j] as number) - (up - down) / (2 * h))).toBeLessThan(1e-4 * Math.max(1, Math.abs(g[j] as number)));
    });
  });

  it('scores like Hardie\'s spreadsheet (values quoted in lifetimes\' tests)', () => {
    if (!fit.ok) throw new Error(fit.warning);
    // Customer 1: x = 2, t_x = 30.43, T = 38.86 → E[Y(39)] = 1.226.
    expect(expectedPurchases(fit.params, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
    // Unconditional E[X(t)] (lifetimes test_expectation_returns_same_value_Hardie_excel_sheet, 3 decimals).
    const times = [0.1429, 1, 3, 31.8571, 32, 78];
    const expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    times.forEach((t, i) => expect(Math.abs(expectedPurchasesUnconditional(fit.params, t) - (expected[i] as number))).toBeLessThan(1.5e-3));
  });
});

describe('BG/NBD closed-form scores', () => {
  const params = CDNOW_PUBLISHED;

  it('P(alive) is 1 without repeat purchases and matches the formula and a direct integral otherwise', () => {
    expect(probabilityAlive(params, { x: 0, tx: 0, T: 10 })).toBe(1);
    // x = 2, t_x = 30.43, T = 38.86 by hand: 1 / (1 + a/(b+1) · ((α+T)/(α+t_x))^(r+2))
    const { r, alpha, a, b } = params;
    const byHand = 1 / (1 + (a / (b + 1)) * Math.pow((alpha + 38.86) / (alpha + 30.43), r + 2));
    expect(probabilityAlive(params, { x: 2, tx: 30.43, T: 38.86 })).toBeCloseTo(byHand, 14);
    for (const c of [{ x: 1, tx: 2, T: 38 }, { x: 5, tx: 10, T: 39 }, { x: 20, tx: 38.5, T: 39 }]) {
      expect(probabilityAlive(params, c)).toBeCloseTo(bgnbdByIntegration(params, c, 1).alive, 7);
    }
    // Extreme histories neither overflow nor give NaN.
    const gone = probabilityAlive(params, { x: 500, tx: 1, T: 1000 });
    expect(gone).toBeGreaterThanOrEqual(0);
    expect(gone).toBeLessThan(1e-100);
  });

  it('E[Y(t)] matches direct numerical integration of the model, including large x and long horizons', () => {
    const cases = [
      { c: { x: 0, tx: 0, T: 39 }, t: 10 },
      { c: { x: 2, tx: 30.43, T: 38.86 }, t: 39 },
      { c: { x: 7, tx: 29.43, T: 38.86 }, t: 52 },
      { c: { x: 30, tx: 35, T: 38 }, t: 520 },
      { c: { x: 1, tx: 1, T: 80 }, t: 1040 },
    ];
    for (const { c, t } of cases) {
      const closed = expectedPurchases(params, c, t);
      const integral = bgnbdByIntegration(params, c, t).expected;
      expect(Math.abs(closed / integral - 1)).toBeLessThan(1e-6);
    }
  });

  it('E[X(t)] equals E[Y(t)] of a brand-new customer, and both handle a = 1', () => {
    expect(expectedPurchasesUnconditional(params, 20)).toBeCloseTo(expectedPurchases(params, { x: 0, tx: 0, T: 0 }, 20), 12);
    const nearOne = { ...params, a: 1 };
    const v = expectedPurchasesUnconditional(nearOne, 20);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(
      0.5 * (expectedPurchasesUnconditional({ ...params, a: 1.001 }, 20) + expectedPurchasesUnconditional({ ...params, a: 0.999 }, 20)),
      5,
    );
    expect(expectedPurchasesUnconditional(params, 0)).toBe(0);
  });
});

describe('BG/NBD parameter recovery on simulated data', () => {
  const truth: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
  const simulated = simulateBgNbd(truth, 50_000, 20240611);
  const rows = groupBgNbd(simulated);
  const fit = fitBgNbd(rows);

  it('recovers (r, α, a, b) from 50,000 customers', () => {
    expect(rows.length).toBeLessThan(50_000); // x = 0 customers share (0, 0, T)
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.customers).toBe(50_000);
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    if (!se) return;
    // Tolerances. r and α are pinned down by the purchase counts of all 50,000 customers: their
    // standard errors here are 0.9% and 1.5% of the value, so 5% is more than 3 SE. a and b are
    // identified only through the repeat buyers who then go quiet; their SEs are 2.7% and 3.7% of the
    // value, so they get 10% (about 3 SE). Each estimate must also lie within 3 of its own SEs.
    // With this seed: r −0.5%, α −1.3%, a −3.0%, b −4.0%.
    const bounds: Record<keyof BgNbdParams, number> = { r: 0.05, alpha: 0.05, a: 0.1, b: 0.1 };
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      const rel = Math.abs(fit.params[k] / truth[k] - 1);
      expect(rel, `${k}: fitted ${fit.params[k]}, true ${truth[k]}`).toBeLessThan(bounds[k]);
      expect(Math.abs(fit.params[k] - truth[k]), `${k} within 3 SE`).toBeLessThan(3 * se[k]);
    }
  });
});

describe('Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005, "RFM and CLV")', () => {
  const cdnow = loadCdnow();
  const rows = groupGammaGamma(cdnow);
  const fit = fitGammaGamma(rows);

  it('reproduces p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat customers', () => {
    // Published values: Fader, Hardie & Lee (2005) and Fader & Hardie (2013), "The Gamma-Gamma Model
    // of Monetary Value": p = 6.25, q = 3.74, γ = 15.44. lifetimes' test
    // (TestGammaGammaFitter.test_params_out_is_close_to_Hardie_paper) asserts these to decimal=2,
    // i.e. |Δ| < 0.015, and its Quickstart prints "p: 6.25, q: 3.74, v: 15.45": the exact MLE of γ
    // is 15.448, which the paper rounds down. We assert the same tolerance as lifetimes.
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.customers).toBe(946);
    expect(fit.excluded).toBe(2357 - 946);
    expect(Math.abs(fit.params.p - 6.25)).toBeLessThan(0.015);
    expect(Math.abs(fit.params.q - 3.74)).toBeLessThan(0.015);
    expect(Math.abs(fit.params.gamma - 15.44)).toBeLessThan(0.015);
    expect(fit.standardErrors).not.toBeNull();
    // lifetimes' Quickstart: Pearson correlation between frequency and monetary value 0.113884.
    expect(fit.independence.pearson).toBeCloseTo(0.113884, 6);
    expect(fit.independence.flagged).toBe(false);
  });

  it('has an analytic gradient that agrees with finite differences', () => {
    const p: GammaGammaParams = { p: 5, q: 3, gamma: 12 };
    const g = gammaGammaLogLikelihoodGradient(p, rows);
    (['p', 'q', 'gamma'] as const).forEach((k, j) => {
      const h = 1e-6 * p[k];
      const up = gammaGammaLogLikelihood({ ...p, [k]: p[k] + h }, rows);
      const down = gammaGammaLogLikelihood({ ...p, [k]: p[k] - h }, rows);
      expect(Math.abs((g[j] as number) - (up - down) / (2 * h))).toBeLessThan(1e-4 * Math.max(1, Math.abs(g[j] as number)));
    });
  });

  it('gives Hardie\'s conditional expected spend and lifetimes\' documented CLV for the first ten customers', () => {
    if (!fit.ok) throw new Error(fit.warning);
    const first = cdnow.slice(0, 10);
    // Hardie's spreadsheet (note 025), as quoted in lifetimes' Quickstart with the fitted parameters.
    const spend = [24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843, 18.911489, 35.170981, 27.282408, 35.170981];
    first.forEach((c, i) => expect(expectedAverageSpend(fit.params, c.x, c.mx)).toBeCloseTo(spend[i] as number, 2));
    // lifetimes' Quickstart CLV example: BG/NBD refit on the same data, time=12, discount_rate=0.01,
    // with its default freq="D" (a period of 30 time units; the data are in weeks, so 30 weeks).
    const bg = fitBgNbd(groupBgNbd(cdnow));
    if (!bg.ok) throw new Error(bg.warning);
    const clv = [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683, 38.180574, 167.418216, 38.180574];
    first.forEach((c, i) => {
      const v = customerLifetimeValue(bg.params, fit.params, c, { periods: 12, periodLength: 30, discountRate: 0.01 });
      expect(v).toBeCloseTo(clv[i] as number, 2);
    });
  });

  it('discounts: a higher rate lowers CLV, rate 0 sums expected purchases × expected spend', () => {
    if (!fit.ok) throw new Error(fit.warning);
    const bg = CDNOW_PUBLISHED;
    const c = { x: 3, tx: 30, T: 38, mx: 40 };
    const undiscounted = customerLifetimeValue(bg, fit.params, c, { periods: 52, discountRate: 0 });
    expect(undiscounted).toBeCloseTo(expectedPurchases(bg, c, 52) * expectedAverageSpend(fit.params, 3, 40), 10);
    expect(customerLifetimeValue(bg, fit.params, c, { periods: 52, discountRate: 0.01 })).toBeLessThan(undiscounted);
  });

  it('flags a frequency–spend correlation above the configured threshold', () => {
    const flagged = fitGammaGamma(rows, { correlationThreshold: 0.1 });
    expect(flagged.ok).toBe(true);
    expect(flagged.independence.flagged).toBe(true);
    expect(flagged.warning).toMatch(/correlated/);
  });

  it('recovers (p, q, γ) from simulated spend', () => {
    const truth: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
    const rng = makeRng(7);
    const customers: { x: number; mx: number }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 1 + Math.floor(rng.uniform() * 10);
      const nu = rng.gamma(truth.q, truth.gamma);
      let total = 0;
      for (let j = 0; j < x; j++) total += rng.gamma(truth.p, nu);
      customers.push({ x, mx: total / x });
    }
    const sim = fitGammaGamma(groupGammaGamma(customers));
    expect(sim.ok).toBe(true);
    if (!sim.ok || !sim.standardErrors) return;
    for (const k of ['p', 'q', 'gamma'] as const) {
      expect(Math.abs(sim.params[k] - truth[k]), `${k}: ${sim.params[k]}`).toBeLessThan(3 * sim.standardErrors[k]);
    }
  });
});

describe('degenerate data: ok: false with a warning, never a throw or NaN', () => {
  const cdnowRows = groupBgNbd(loadCdnow());

  it('too few customers', () => {
    const fit = fitBgNbd([{ x: 1, tx: 1, T: 5, n: 10 }, { x: 0, tx: 0, T: 5, n: 20 }]);
    expect(fit.ok).toBe(false);
    expect(fit.warning).toMatch(/too few customers.*30 < 50/);
    expect(fit.params).toBeNull();
    const gg = fitGammaGamma([{ x: 2, mx: 10, n: 10 }]);
    expect(gg.ok).toBe(false);
    expect(gg.warning).toMatch(/too few repeat customers/);
  });

  it('no repeat buyers', () => {
    const fit = fitBgNbd([{ x: 0, tx: 0, T: 10, n: 500 }, { x: 0, tx: 0, T: 20, n: 500 }]);
    expect(fit.ok).toBe(false);
    expect(fit.warning).toMatch(/no repeat buyers/);
    const gg = fitGammaGamma([{ x: 0, mx: 0, n: 1000 }]);
    expect(gg.ok).toBe(false);
    expect(gg.warning).toMatch(/no repeat buyers/);
  });

  it('invalid rows', () => {
    const fit = fitBgNbd([...cdnowRows, { x: 1, tx: 50, T: 10, n: 1 }]);
    expect(fit.ok).toBe(false);
    expect(fit.warning).toMatch(/invalid input: row \d+: t_x must be within \[0, T\]/);
    const nan = fitBgNbd([{ x: 1, tx: Number.NaN, T: 10, n: 100 }]);
    expect(nan.ok).toBe(false);
    const gg = fitGammaGamma([{ x: 1, mx: Number.POSITIVE_INFINITY, n: 100 }]);
    expect(gg.ok).toBe(false);
    expect(gg.warning).toMatch(/invalid input/);
  });

  it('a non-finite likelihood', () => {
    const fit = fitBgNbd(cdnowRows.map((row) => ({ ...row, n: row.n * 1e306 })));
    expect(fit.ok).toBe(false);
    expect(fit.warning).toMatch(/not finite/);
    expect(fit.params === null || Object.values(fit.params).every(Number.isFinite)).toBe(true);
  });

  it('no convergence', () => {
    const fit = fitBgNbd(cdnowRows, { maxIterations: 2 });
    expect(fit.ok).toBe(false);
    expect(fit.warning).toMatch(/did not converge after 2 iterations/);
    expect(fit.params).not.toBeNull();
    expect(Object.values(fit.params ?? {}).every(Number.isFinite)).toBe(true);
    const gg = fitGammaGamma(groupGammaGamma(loadCdnow()), { maxIterations: 1 });
    expect(gg.ok).toBe(false);
    expect(gg.warning).toMatch(/did not converge/);
  });
});
