/**
 * Lift statistics for a holdout experiment: treated vs holdout retention rate (difference of two
 * proportions, unpooled normal interval) and revenue per customer (Welch interval of the difference of
 * means), incremental revenue and cost per incrementally retained customer.
 */

/** Two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface ArmSummary {
  customers: number;
  retained: number;
  revenueSum: number;
  revenueSumSquares: number;
}

export interface LiftStats {
  treatedRate: number;
  holdoutRate: number;
  rateDiff: Interval;
  treatedRevenuePerCustomer: number;
  holdoutRevenuePerCustomer: number;
  revenueDiff: Interval;
  /** (revenue per treated customer - revenue per holdout customer) x treated customers. */
  incrementalRevenue: number;
  /** rate difference x treated customers. */
  incrementalRetained: number;
  /** Incentive cost / incremental retained customers; null when there are none. */
  costPerRetained: number | null;
}

export function summarize(values: readonly { retained: boolean; revenue: number }[]): ArmSummary {
  let retained = 0;
  let revenueSum = 0;
  let revenueSumSquares = 0;
  for (const v of values) {
    if (v.retained) retained++;
    revenueSum += v.revenue;
    revenueSumSquares += v.revenue * v.revenue;
  }
  return { customers: values.length, retained, revenueSum, revenueSumSquares };
}

function sampleVariance(arm: ArmSummary): number {
  if (arm.customers < 2) return 0;
  const mean = arm.revenueSum / arm.customers;
  return Math.max(0, (arm.revenueSumSquares - arm.customers * mean * mean) / (arm.customers - 1));
}

export function liftStats(treated: ArmSummary, holdout: ArmSummary, incentiveCost = 0, z = Z95): LiftStats {
  if (treated.customers === 0 || holdout.customers === 0) {
    throw new Error('lift needs at least one treated and one holdout customer');
  }
  const pt = treated.retained / treated.customers;
  const ph = holdout.retained / holdout.customers;
  const rateSe = Math.sqrt((pt * (1 - pt)) / treated.customers + (ph * (1 - ph)) / holdout.customers);
  const mt = treated.revenueSum / treated.customers;
  const mh = holdout.revenueSum / holdout.customers;
  const revSe = Math.sqrt(sampleVariance(treated) / treated.customers + sampleVariance(holdout) / holdout.customers);
  const incrementalRetained = (pt - ph) * treated.customers;
  return {
    treatedRate: pt,
    holdoutRate: ph,
    rateDiff: { estimate: pt - ph, low: pt - ph - z * rateSe, high: pt - ph + z * rateSe },
    treatedRevenuePerCustomer: mt,
    holdoutRevenuePerCustomer: mh,
    revenueDiff: { estimate: mt - mh, low: mt - mh - z * revSe, high: mt - mh + z * revSe },
    incrementalRevenue: (mt - mh) * treated.customers,
    incrementalRetained,
    costPerRetained: incrementalRetained > 0 ? incentiveCost / incrementalRetained : null,
  };
}
