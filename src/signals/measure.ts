/**
 * How well a grouping of customers separates a future outcome. Pure functions over per-group
 * sufficient statistics, so they can be checked by hand.
 */

/** One group: customer count, sum of the outcome and sum of its squares. */
export interface GroupStats {
  n: number;
  sum: number;
  sumSq: number;
}

/**
 * Share of the outcome's variance explained by the groups (eta squared, between-group sum of
 * squares over total), adjusted for the number of groups like an adjusted R squared:
 * 1 - (1 - eta2) * (n - 1) / (n - k). Splitting into more groups never lowers raw eta2; the
 * adjustment makes a split that only adds noise score lower, not higher.
 */
export function varianceShare(groups: GroupStats[]): { eta2: number; adjusted: number } {
  const live = groups.filter((g) => g.n > 0);
  const n = live.reduce((a, g) => a + g.n, 0);
  const sum = live.reduce((a, g) => a + g.sum, 0);
  const sumSq = live.reduce((a, g) => a + g.sumSq, 0);
  const total = sumSq - (sum * sum) / n;
  if (n === 0 || total <= 0) return { eta2: 0, adjusted: 0 };
  const within = live.reduce((a, g) => a + (g.sumSq - (g.sum * g.sum) / g.n), 0);
  const eta2 = 1 - within / total;
  const k = live.length;
  const adjusted = n > k ? 1 - ((1 - eta2) * (n - 1)) / (n - k) : eta2;
  return { eta2, adjusted };
}

function entropy(positives: number, n: number): number {
  if (n === 0 || positives === 0 || positives === n) return 0;
  const p = positives / n;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/**
 * Information gain of a binary outcome (e.g. retained) from the groups, in bits: H(Y) - H(Y | group).
 * `sum` of each group is its number of positives.
 */
export function informationGain(groups: GroupStats[]): number {
  const live = groups.filter((g) => g.n > 0);
  const n = live.reduce((a, g) => a + g.n, 0);
  if (n === 0) return 0;
  const positives = live.reduce((a, g) => a + g.sum, 0);
  const conditional = live.reduce((a, g) => a + (g.n / n) * entropy(g.sum, g.n), 0);
  return entropy(positives, n) - conditional;
}

/**
 * Information gain less what k groups would show by chance: under independence 2 n ln2 * gain is
 * chi-squared with k - 1 degrees of freedom (the G-test), so its expected value is
 * (k - 1) / (2 n ln 2) bits. A split that only adds groups scores about 0, not more.
 */
export function informationGainAdjusted(groups: GroupStats[]): number {
  const live = groups.filter((g) => g.n > 0);
  const n = live.reduce((a, g) => a + g.n, 0);
  if (n === 0) return 0;
  return informationGain(live) - (live.length - 1) / (2 * n * Math.LN2);
}
