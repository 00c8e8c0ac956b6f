/**
 * The statistics behind the drift checks, as pure functions over counts (tested by hand-computed
 * values in test/validate-stats.test.ts).
 */

/** Shares below this count as this (PSI is undefined for an empty bin). */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index of `actual` against `expected` over the union of their keys:
 * sum over bins of (a - e) * ln(a / e), shares from counts, empty bins floored at PSI_EPSILON.
 * Conventional reading: < 0.1 stable, 0.1-0.25 a moderate shift, > 0.25 a significant shift.
 */
export function psi(expected: Map<string, number>, actual: Map<string, number>): number {
  const keys = new Set([...expected.keys(), ...actual.keys()]);
  const totalExpected = sum(expected.values());
  const totalActual = sum(actual.values());
  if (totalExpected === 0 || totalActual === 0) return 0;
  let total = 0;
  for (const key of keys) {
    const e = Math.max((expected.get(key) ?? 0) / totalExpected, PSI_EPSILON);
    const a = Math.max((actual.get(key) ?? 0) / totalActual, PSI_EPSILON);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** One earlier run of a segment: its as-of date, customers in it and customers in all segments. */
export interface SegmentPoint {
  asOf: string;
  customers: number;
  total: number;
}

export interface SegmentDrift {
  share: number;
  previousShare: number | null;
  /** the share this run was expected to have from the segment's history */
  expectedShare: number | null;
  /** the standard deviation of the share's change that the z-score divides by */
  sigma: number | null;
  z: number | null;
  /** customers the segment gained (+) or lost (-) against the expectation */
  customersVsExpected: number | null;
  /** which baseline was used */
  baseline: 'none' | 'previous run' | 'history' | 'weekday' | 'day of month';
  /** number of earlier run-to-run changes the baseline rests on */
  changes: number;
}

const weekday = (date: string) => new Date(date + 'T00:00:00Z').getUTCDay();
const dayOfMonth = (date: string) => new Date(date + 'T00:00:00Z').getUTCDate();
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * A segment's drift against its own history. The model is a random walk of the share: the expected
 * change is the mean of earlier run-to-run changes (of changes into the same weekday, or the same
 * day of the month, once `seasonalityMinRuns` of them exist: a day-of-month pattern wins over a
 * weekday one), and the z-score divides the surprise by the spread of those changes around their
 * expectation. That spread is floored by binomial sampling noise sqrt(p(1-p)/n), so a tiny segment
 * moving a few customers stays quiet, and a stable large segment that jumps stands out.
 * `history` holds earlier runs only, oldest first.
 */
export function segmentDrift(history: SegmentPoint[], current: SegmentPoint, options: { seasonalityMinRuns: number }): SegmentDrift {
  const share = current.total > 0 ? current.customers / current.total : 0;
  const sampling = (p: number) => Math.sqrt(Math.max(p * (1 - p), 0) / Math.max(current.total, 1));
  if (history.length === 0) {
    return { share, previousShare: null, expectedShare: null, sigma: null, z: null, customersVsExpected: null, baseline: 'none', changes: 0 };
  }
  const shares = history.map((point) => (point.total > 0 ? point.customers / point.total : 0));
  const previousShare = shares[shares.length - 1]!;
  const changes = shares.slice(1).map((value, i) => ({ asOf: history[i + 1]!.asOf, change: value - shares[i]! }));
  let baseline: SegmentDrift['baseline'] = 'previous run';
  let expectedChange = 0;
  let spread = 0;
  if (changes.length >= 2) {
    baseline = 'history';
    const all = changes.map((c) => c.change);
    const sameDay = changes.filter((c) => dayOfMonth(c.asOf) === dayOfMonth(current.asOf)).map((c) => c.change);
    const sameWeekday = changes.filter((c) => weekday(c.asOf) === weekday(current.asOf)).map((c) => c.change);
    const weekdaysSeen = new Set(changes.map((c) => weekday(c.asOf))).size;
    const daysSeen = new Set(changes.map((c) => dayOfMonth(c.asOf))).size;
    let group = all;
    if (sameDay.length >= options.seasonalityMinRuns && daysSeen > 1) {
      baseline = 'day of month';
      group = sameDay;
    } else if (sameWeekday.length >= options.seasonalityMinRuns && weekdaysSeen > 1) {
      baseline = 'weekday';
      group = sameWeekday;
    }
    expectedChange = mean(group);
    // spread of every change around the expectation of its own kind (seasonal changes around
    // the seasonal mean, the rest around the overall mean), with n - 1 degrees of freedom
    const residuals = group === all ? all.map((c) => c - expectedChange) : group.map((c) => c - expectedChange);
    spread = residuals.length > 1 ? Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / (residuals.length - 1)) : 0;
  }
  const expectedShare = Math.min(Math.max(previousShare + expectedChange, 0), 1);
  const sigma = Math.max(spread, sampling(expectedShare), 0.5 / Math.max(current.total, 1));
  const z = (share - expectedShare) / sigma;
  return {
    share,
    previousShare,
    expectedShare,
    sigma,
    z,
    customersVsExpected: Math.round((share - expectedShare) * current.total),
    baseline,
    changes: changes.length,
  };
}
