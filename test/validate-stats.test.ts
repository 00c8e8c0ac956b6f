/** The drift statistics with hand-computed values (arithmetic in the comments). */
import { describe, expect, it } from 'vitest';
import { psi, segmentDrift, type SegmentPoint } from '../src/validate/stats.js';

const m = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('psi', () => {
  it('is zero for the same shares and sums (a - e) ln(a / e) otherwise', () => {
    expect(psi(m({ a: 10, b: 30 }), m({ a: 100, b: 300 }))).toBe(0);
    // 50/50 -> 60/40: 0.1 ln(0.6/0.5) + (-0.1) ln(0.4/0.5) = 0.0182322 + 0.0223144
    expect(psi(m({ a: 50, b: 50 }), m({ a: 60, b: 40 }))).toBeCloseTo(0.0405465108, 9);
  });

  it('floors an empty bin at 1e-4 instead of dividing by zero', () => {
    // expected a: 1, b: 0 -> 1e-4; actual 0.5/0.5: (0.5 - 1) ln(0.5) + (0.5 - 1e-4) ln(0.5 / 1e-4) = 0.3465736 + 4.2577449
    expect(psi(m({ a: 100 }), m({ a: 50, b: 50 }))).toBeCloseTo(4.6043184667, 9);
  });
});

const day = (d: number) => new Date(Date.UTC(2024, 0, d)).toISOString().slice(0, 10);

describe('segmentDrift', () => {
  it('has no baseline on the first run', () => {
    const drift = segmentDrift([], { asOf: '2024-01-01', customers: 10, total: 100 }, { seasonalityMinRuns: 3 });
    expect(drift.z).toBeNull();
    expect(drift.baseline).toBe('none');
  });

  it('against one previous run divides by binomial sampling noise', () => {
    // expected 0.10, sigma sqrt(0.1 * 0.9 / 1000) = 0.00948683, z = 0.01 / 0.00948683 = 1.05409
    const drift = segmentDrift([{ asOf: day(1), customers: 100, total: 1000 }], { asOf: day(2), customers: 110, total: 1000 }, { seasonalityMinRuns: 3 });
    expect(drift.baseline).toBe('previous run');
    expect(drift.expectedShare).toBeCloseTo(0.1, 12);
    expect(drift.sigma).toBeCloseTo(0.0094868330, 9);
    expect(drift.z).toBeCloseTo(1.0540925534, 8);
    expect(drift.customersVsExpected).toBe(10);
  });

  it('keeps a tiny segment that doubles from 3 to 6 of 10,000 customers quiet', () => {
    // sigma sqrt(0.0003 * 0.9997 / 10000) = 0.000173179, z = 0.0003 / 0.000173179 = 1.73231
    const drift = segmentDrift([{ asOf: day(1), customers: 3, total: 10_000 }], { asOf: day(2), customers: 6, total: 10_000 }, { seasonalityMinRuns: 3 });
    expect(drift.z).toBeCloseTo(1.7323, 3);
    expect(drift.customersVsExpected).toBe(3);
  });

  it("uses the segment's own volatility: a stable segment's jump stands out", () => {
    // shares 0.200 0.201 0.199 0.200 0.201: changes +.001 -.002 +.001 +.001, mean .00025,
    // residuals .00075 -.00225 .00075 .00075, variance 6.75e-6 / 3 = 2.25e-6, sd 0.0015 (> sampling 0.00127)
    // expected 0.201 + 0.00025 = 0.20125; z = (0.22 - 0.20125) / 0.0015 = 12.5
    const counts = [20_000, 20_100, 19_900, 20_000, 20_100];
    const history: SegmentPoint[] = counts.map((customers, i) => ({ asOf: day(i + 1), customers, total: 100_000 }));
    const drift = segmentDrift(history, { asOf: day(6), customers: 22_000, total: 100_000 }, { seasonalityMinRuns: 3 });
    expect(drift.baseline).toBe('history');
    expect(drift.changes).toBe(4);
    expect(drift.expectedShare).toBeCloseTo(0.20125, 12);
    expect(drift.sigma).toBeCloseTo(0.0015, 12);
    expect(drift.z).toBeCloseTo(12.5, 9);
  });

  describe('weekday seasonality', () => {
    // daily runs 2024-01-01 (a Monday) .. 01-21: 30% on Mondays, 20% on other days; 2024-01-22 is a Monday at 30%
    const history: SegmentPoint[] = Array.from({ length: 21 }, (_, i) => ({ asOf: day(i + 1), customers: i % 7 === 0 ? 3000 : 2000, total: 10_000 }));
    const monday = { asOf: day(22), customers: 3000, total: 10_000 };

    it('expects the Monday jump once enough Mondays exist', () => {
      // changes into Mondays (01-08, 01-15): +0.1 twice -> expected 0.2 + 0.1 = 0.3, z = 0
      const drift = segmentDrift(history, monday, { seasonalityMinRuns: 2 });
      expect(drift.baseline).toBe('weekday');
      expect(drift.expectedShare).toBeCloseTo(0.3, 12);
      expect(drift.z).toBeCloseTo(0, 12);
    });

    it('without enough Mondays falls back to all changes', () => {
      // 20 changes: +0.1 x2 (Mondays), -0.1 x3 (Tuesdays), 0 x15: mean -0.005;
      // residuals 0.105 x2, -0.095 x3, 0.005 x15: sum of squares 0.0495, / 19 -> sd 0.0510418
      // expected 0.2 - 0.005 = 0.195; z = 0.105 / 0.0510418 = 2.05713
      const drift = segmentDrift(history, monday, { seasonalityMinRuns: 3 });
      expect(drift.baseline).toBe('history');
      expect(drift.expectedShare).toBeCloseTo(0.195, 12);
      expect(drift.sigma).toBeCloseTo(0.0510418, 6);
      expect(drift.z).toBeCloseTo(2.05713, 4);
    });
  });

  it('uses a day-of-month pattern: runs on the 1st and 15th, the 1st higher', () => {
    // 2024-01-01 .. 2024-04-15 on the 1st (25%) and 15th (20%); changes into the 1st: +0.05 three times
    const dates = ['2024-01-01', '2024-01-15', '2024-02-01', '2024-02-15', '2024-03-01', '2024-03-15', '2024-04-01', '2024-04-15'];
    const history = dates.map((asOf) => ({ asOf, customers: asOf.endsWith('-01') ? 250 : 200, total: 1000 }));
    const drift = segmentDrift(history, { asOf: '2024-05-01', customers: 250, total: 1000 }, { seasonalityMinRuns: 3 });
    expect(drift.baseline).toBe('day of month');
    expect(drift.expectedShare).toBeCloseTo(0.25, 12);
    expect(drift.z).toBeCloseTo(0, 12);
  });
});
