import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { normalizeEmail, toE164 } from '../src/destinations/shared/identifiers.js';
import { mapWithConcurrency, parseRetryAfter, redact, sendRequest } from '../src/destinations/shared/http.js';
import { envVarName } from '../src/destinations/shared/settings.js';
import { LoopbackServer } from './servers/loopback.js';
import { context, destinationError } from './support/sync-ops.js';

describe('shared destination plumbing', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-23T05:00:00Z');
    expect(parseRetryAfter('17', now)).toBe(17);
    expect(parseRetryAfter('Mon, 23 Nov 2026 05:00:45 GMT', now)).toBe(45);
    expect(parseRetryAfter('Mon, 23 Nov 2026 04:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('redacts the given secrets and secret-looking environment values', () => {
    expect(redact('key=abc123secret and abc123secret', ['abc123secret'])).toBe('key=*** and ***');
  });

  it('turns a refused connection into a retryable DestinationError', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await destinationError(sendRequest('Vendor', { method: 'POST', url: `http://127.0.0.1:${port}/x`, json: {} }, context(), []));
    expect(error.details.retryable).toBe(true);
    expect(error.details.status).toBeUndefined();
    expect(error.message).toMatch(/^Vendor: POST \/x failed: .*ECONNREFUSED/);
  });

  it('stops a request when the sync is aborted (shutdown), as a retryable DestinationError', async () => {
    const slow = new LoopbackServer(async () => {
      await slow.delay(2_000);
      return { status: 200, body: {} };
    });
    const url = await slow.start();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await destinationError(sendRequest('Vendor', { method: 'GET', url: `${url}/slow` }, { ...context(), signal: controller.signal }, []));
      expect(error.message).toBe('Vendor: GET /slow was aborted');
      expect(error.details.retryable).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('normalizes emails and E.164 phones, refusing what cannot be known', () => {
    expect(normalizeEmail('  A.B@Example.ORG ')).toBe('a.b@example.org');
    expect(normalizeEmail('not an email')).toBeNull();
    expect(toE164('+49 (0)30 1234567')).toBe('+49301234567');
    expect(toE164('+1 415 555 0123')).toBe('+14155550123');
    expect(toE164('030 1234567', '49')).toBe('+49301234567');
    expect(toE164('+1234')).toBeNull();
    expect(toE164('+1234567890123456')).toBeNull();
    expect(toE164('4155550123')).toBeNull();
  });

  it('keeps at most `limit` calls in flight and the results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (value) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return value * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });

  it('accepts environment variable names, not secrets', () => {
    expect(envVarName.safeParse('MAILCHIMP_API_KEY').success).toBe(true);
    expect(envVarName.safeParse('0123abcd-us6').success).toBe(false);
  });
});
