/**
 * Pacing for the sync engine: a token bucket per destination (limits.requestsPerSecond refill,
 * limits.burst size), exponential backoff with full jitter, and the wait a failed request asks for
 * (Retry-After wins over backoff). Clocks and randomness are injected so tests are exact.
 */
import type { DestinationError, DestinationLimits } from './types.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) throw new Error('token bucket: rate must be > 0 and burst >= 1');
    this.tokens = capacity;
    this.last = now();
  }

  static forLimits(limits: DestinationLimits, now: () => number = Date.now): TokenBucket {
    return new TokenBucket(limits.requestsPerSecond, Math.max(1, limits.burst), now);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }

  /** Takes one token; returns how many milliseconds the caller must wait first (0 = go now). */
  take(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^attempt)); attempt counts from 0. */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** How long to wait before retrying a failed request: Retry-After (seconds) when given, else backoff. */
export function retryDelayMs(error: Pick<DestinationError, 'details'>, attempt: number, options: BackoffOptions): number {
  const after = error.details.retryAfterSeconds;
  if (after !== undefined && Number.isFinite(after) && after >= 0) return Math.min(after * 1000, options.capMs * 10);
  return backoffMs(attempt, options);
}
