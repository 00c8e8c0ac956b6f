import { describe, expect, it } from 'vitest';
import { liftStats, summarize } from '../src/lift/stats.js';
import { holdoutFraction, isHeldOut } from '../src/sync/holdout.js';
import { TokenBucket, backoffMs, retryDelayMs } from '../src/sync/pacing.js';

describe('token bucket', () => {
  it('lets a burst through, then paces at the refill rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now); // 2 requests/s, burst 3
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(500); // one token short at 2/s
    now = 500; // the token that request waited for has arrived and was spent
    expect(bucket.take()).toBe(500);
    now = 10_000; // long idle: refilled to the burst, never beyond
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 500]);
  });
});

describe('backoff and Retry-After', () => {
  const options = { baseMs: 100, capMs: 5000 };
  it('doubles the ceiling per attempt up to the cap, scaled by jitter', () => {
    expect(backoffMs(0, { ...options, random: () => 0.5 })).toBe(50);
    expect(backoffMs(3, { ...options, random: () => 0.5 })).toBe(400);
    expect(backoffMs(10, { ...options, random: () => 0.999 })).toBe(4995);
    expect(backoffMs(4, { ...options, random: () => 0 })).toBe(0);
  });
  it('honours Retry-After over backoff', () => {
    expect(retryDelayMs({ details: { retryable: true, retryAfterSeconds: 7 } }, 0, { ...options, random: () => 0.5 })).toBe(7000);
    expect(retryDelayMs({ details: { retryable: true } }, 2, { ...options, random: () => 0.5 })).toBe(200);
  });
});

describe('holdout assignment', () => {
  it('is the first 32 bits of md5(salt:id) against the share, stable and salt-dependent', () => {
    // md5("salt:c1") = 1cb5470d6a04b65bc477ad9e9aad7f6e (python3 -c "import hashlib; print(hashlib.md5(b'salt:c1').hexdigest())")
    expect(holdoutFraction('salt', 'c1')).toBe(0x1cb5470d / 2 ** 32);
    expect(isHeldOut('salt', 'c1', 11.3)).toBe(true);
    expect(isHeldOut('salt', 'c1', 11.2)).toBe(false);
    expect(isHeldOut('exp1', 'C42', 100)).toBe(true);
    expect(isHeldOut('exp1', 'C42', 0)).toBe(false);
    const ids = Array.from({ length: 20_000 }, (_, i) => `C${i}`);
    const held = ids.filter((id) => isHeldOut('exp1', id, 10));
    expect(held.length / ids.length).toBeGreaterThan(0.09);
    expect(held.length / ids.length).toBeLessThan(0.11);
    expect(ids.filter((id) => isHeldOut('exp1', id, 10))).toEqual(held);
    const other = ids.filter((id) => isHeldOut('exp2', id, 10));
    expect(other).not.toEqual(held);
    expect(() => isHeldOut('exp1', 'C1', 101)).toThrow(/between 0 and 100/);
  });
});

describe('lift statistics (hand-computed)', () => {
  it('retention difference with an unpooled 95% interval, Welch revenue interval, incremental figures', () => {
    // Treated: 100 customers, 30 retained; holdout: 50 customers, 10 retained; incentive cost 40.
    const rate = liftStats(
      { customers: 100, retained: 30, revenueSum: 0, revenueSumSquares: 0 },
      { customers: 50, retained: 10, revenueSum: 0, revenueSumSquares: 0 },
      40,
    );
    // se = sqrt(.3*.7/100 + .2*.8/50) = sqrt(.0053) = 0.0728011; half width = 1.959964 * se = 0.1426876
    expect(rate.rateDiff.estimate).toBeCloseTo(0.1, 12);
    expect(rate.rateDiff.low).toBeCloseTo(-0.0426876, 6);
    expect(rate.rateDiff.high).toBeCloseTo(0.2426876, 6);
    expect(rate.incrementalRetained).toBeCloseTo(10, 10); // 0.1 x 100
    expect(rate.costPerRetained).toBeCloseTo(4, 10); // 40 / 10

    const treated = summarize([{ retained: true, revenue: 10 }, { retained: false, revenue: 20 }, { retained: true, revenue: 30 }]);
    const holdout = summarize([{ retained: false, revenue: 5 }, { retained: true, revenue: 15 }]);
    const revenue = liftStats(treated, holdout);
    // means 20 and 10; variances 100 and 50; se = sqrt(100/3 + 50/2) = 7.6376262; half width 14.9694733
    expect(revenue.revenueDiff.estimate).toBeCloseTo(10, 10);
    expect(revenue.revenueDiff.low).toBeCloseTo(-4.9694733, 5);
    expect(revenue.revenueDiff.high).toBeCloseTo(24.9694733, 5);
    expect(revenue.incrementalRevenue).toBeCloseTo(30, 10);
    // rates 2/3 and 1/2: 1/6 x 3 treated = 0.5 incrementally retained
    expect(revenue.incrementalRetained).toBeCloseTo(0.5, 10);
  });
  it('has no cost per retained customer when the holdout did as well, and needs both arms', () => {
    const stats = liftStats({ customers: 10, retained: 2, revenueSum: 0, revenueSumSquares: 0 }, { customers: 10, retained: 5, revenueSum: 0, revenueSumSquares: 0 }, 100);
    expect(stats.costPerRetained).toBeNull();
    expect(() => liftStats({ customers: 0, retained: 0, revenueSum: 0, revenueSumSquares: 0 }, { customers: 1, retained: 0, revenueSum: 0, revenueSumSquares: 0 })).toThrow(/at least one/);
  });
});
