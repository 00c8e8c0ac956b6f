import { describe, expect, it } from 'vitest';
import { informationGain, informationGainAdjusted, varianceShare } from '../src/signals/measure.js';

/** Sufficient statistics of a list of values. */
const stats = (values: number[]) => ({ n: values.length, sum: values.reduce((a, v) => a + v, 0), sumSq: values.reduce((a, v) => a + v * v, 0) });

describe('varianceShare', () => {
  it('matches a hand computation', () => {
    // groups {0, 2} and {4, 6}: mean 3, total SS = 9+1+1+9 = 20; within = (1+1)+(1+1) = 4
    // eta2 = 1 - 4/20 = 0.8; adjusted with n=4, k=2: 1 - 0.2 * 3/2 = 0.7
    const result = varianceShare([stats([0, 2]), stats([4, 6])]);
    expect(result.eta2).toBeCloseTo(0.8, 12);
    expect(result.adjusted).toBeCloseTo(0.7, 12);
  });
  it('is 0 for one group and for a constant outcome', () => {
    expect(varianceShare([stats([1, 2, 3])]).eta2).toBeCloseTo(0, 12);
    expect(varianceShare([stats([5, 5]), stats([5])])).toEqual({ eta2: 0, adjusted: 0 });
  });
  it('penalizes a split that separates nothing', () => {
    // {1, 3} and {1, 3}: eta2 = 0, adjusted = 1 - 1 * 3/2 = -0.5
    const result = varianceShare([stats([1, 3]), stats([1, 3])]);
    expect(result.eta2).toBeCloseTo(0, 12);
    expect(result.adjusted).toBeCloseTo(-0.5, 12);
  });
});

describe('informationGain', () => {
  it('is H(Y) when the groups separate the outcome perfectly', () => {
    // 2 of 4 retained, groups {1, 1} and {0, 0}: H(Y) = 1 bit, H(Y|G) = 0
    expect(informationGain([stats([1, 1]), stats([0, 0])])).toBeCloseTo(1, 12);
  });
  it('matches a hand computation', () => {
    // 8 customers, 4 retained; groups {3 of 4} and {1 of 4}:
    // H(Y) = 1; H(Y|G) = H(0.75) = 0.75*log2(4/3) + 0.25*log2(4) = 0.311278 + 0.5 = 0.811278
    // gain = 1 - 0.811278 = 0.188722
    const gain = informationGain([{ n: 4, sum: 3, sumSq: 3 }, { n: 4, sum: 1, sumSq: 1 }]);
    expect(gain).toBeCloseTo(1 - (0.75 * Math.log2(4 / 3) + 0.5), 12);
    expect(gain).toBeCloseTo(0.188722, 5);
  });
  it('is 0 when the groups have the same rate', () => {
    expect(informationGain([{ n: 2, sum: 1, sumSq: 1 }, { n: 4, sum: 2, sumSq: 2 }])).toBeCloseTo(0, 12);
  });
});

describe('informationGainAdjusted', () => {
  it('subtracts the chance gain (k - 1) / (2 n ln 2)', () => {
    // the 8-customer example above: 0.188722 - 1 / (16 ln 2) = 0.188722 - 0.090168 = 0.098554
    const gain = informationGainAdjusted([{ n: 4, sum: 3, sumSq: 3 }, { n: 4, sum: 1, sumSq: 1 }]);
    expect(gain).toBeCloseTo(0.098554, 5);
    // one group: nothing to subtract
    expect(informationGainAdjusted([{ n: 4, sum: 1, sumSq: 1 }])).toBe(0);
  });
});
