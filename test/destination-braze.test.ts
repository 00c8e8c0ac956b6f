import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { waitSeconds } from '../src/destinations/braze/client.js';
import { brazeDestination } from '../src/destinations/braze/index.js';
import { attributesObject, eventObject } from '../src/destinations/braze/mapping.js';
import { brazeSettings } from '../src/destinations/braze/settings.js';
import type { Destination, SyncEvent } from '../src/sync/types.js';
import { BrazeServer } from './servers/braze.js';
import { context, destinationError, op } from './support/sync-ops.js';

const server = new BrazeServer();
let baseUrl = '';
const env = { BRAZE_TEST_KEY: server.apiKey };

function destination(extra: Record<string, unknown> = {}, secrets: NodeJS.ProcessEnv = env): Destination {
  return brazeDestination.create(brazeSettings.parse({ base_url: baseUrl, api_key_env: 'BRAZE_TEST_KEY', ...extra }), secrets);
}

function event(name: SyncEvent['name'], key: string): SyncEvent {
  return { key, name, segment: 'at_risk', occurredAt: '2026-11-29T10:00:00.000Z', identifiers: {}, properties: { strategy: 'win_back' }, idempotencyKey: `${name}:${key}` };
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('braze mapping', () => {
  const defaults = brazeSettings.parse({ base_url: 'https://rest.iad-01.braze.com', api_key_env: 'K' });

  it('adds the audience to an array attribute, removes it on remove, and keeps identifier fields out of the payload', () => {
    expect(attributesObject(op('add', 'c1', {}, { tier: 'gold', email: 'spoof@example.com', external_id: 'other' }), defaults, 'vip')).toEqual({ external_id: 'c1', tier: 'gold', retain_audiences: { add: ['vip'] } });
    expect(attributesObject(op('remove', 'c1', { external_id: 'U-1' }, { tier: 'gold' }), defaults, 'vip')).toEqual({ external_id: 'U-1', retain_audiences: { remove: ['vip'] } });
    const byEmail = { ...defaults, identifier: 'email' as const, membership: { type: 'subscription_group' as const, subscription_group_id: 'a1b2-c3' } };
    expect(attributesObject(op('add', 'c2', { email: ' Bob@Example.com' }, {}), byEmail, 'vip')).toEqual({ email: 'bob@example.com', subscription_groups: [{ subscription_group_id: 'a1b2-c3', subscription_state: 'subscribed' }] });
    expect(attributesObject(op('remove', 'c2', { email: 'bob@example.com' }), byEmail, 'vip')).toEqual({ email: 'bob@example.com', subscription_groups: [{ subscription_group_id: 'a1b2-c3', subscription_state: 'unsubscribed' }] });
    expect(attributesObject(op('add', 'c3', { email: 'nope' }), byEmail, 'vip')).toBeNull();
    expect(eventObject(event('segment_exited', 'c4'), 'external_id')).toEqual({ external_id: 'c4', name: 'segment_exited', time: '2026-11-29T10:00:00.000Z', properties: { segment: 'at_risk', strategy: 'win_back' } });
  });

  it('waits for Retry-After, else until X-RateLimit-Reset', () => {
    const now = 1_700_000_000_000;
    expect(waitSeconds(new Headers({ 'retry-after': '7', 'x-ratelimit-reset': '1700000030' }), now)).toBe(7);
    expect(waitSeconds(new Headers({ 'x-ratelimit-reset': '1700000002' }), now)).toBe(2);
    expect(waitSeconds(new Headers({}), now)).toBeUndefined();
  });
});

describe('braze destination against the loopback API', () => {
  it('sends one /users/track request with one attributes object per operation and Bearer auth', async () => {
    const results = await destination().send([op('add', 'c1', {}, { offer: '10%' }), op('update', 'c2', {}, { offer: '20%' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [request] = server.http.requests;
    expect(`${request!.method} ${request!.path}`).toBe('POST /users/track');
    expect(request!.headers.authorization).toBe(`Bearer ${server.apiKey}`);
    expect(request!.body).toEqual({
      attributes: [
        { external_id: 'c1', offer: '10%', retain_audiences: { add: ['test_audience'] } },
        { external_id: 'c2', offer: '20%', retain_audiences: { add: ['test_audience'] } },
      ],
    });
    expect(server.holding('retain_audiences', 'test_audience')).toEqual(['external_id:c1', 'external_id:c2']);
  });

  it('maps non-fatal errors (input_array, index) back to rows with Braze\'s message', async () => {
    server.rejectIds.add('c2');
    const results = await destination().send([op('add', 'c1', {}), op('add', 'c2', {}), op('add', 'c3', {}), op('add', 'c4', { external_id: '  ' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'add', status: 'rejected', error: 'provided external_id is blacklisted and disallowed' },
      { key: 'c3', kind: 'add', status: 'ok' },
      { key: 'c4', kind: 'add', status: 'rejected', error: 'no external id' },
    ]);
    expect(server.http.requests).toHaveLength(1);
    expect(server.holding('retain_audiences', 'test_audience')).toEqual(['external_id:c1', 'external_id:c3']);
  });

  it('a fatal 400 that names every object rejects those rows instead of failing the batch', async () => {
    server.rejectIds.add('c1');
    server.rejectIds.add('c2');
    const results = await destination().send([op('add', 'c1', {}), op('add', 'c2', {})], context());
    expect(results.map((result) => `${result.status}:${result.error}`)).toEqual(['rejected:provided external_id is blacklisted and disallowed', 'rejected:provided external_id is blacklisted and disallowed']);
  });

  it('removes take the audience out of the array and leave other values; subscription groups switch state', async () => {
    const dest = destination();
    await dest.send([op('add', 'c1', {}), op('add', 'c2', {})], context());
    server.users.get('external_id:c1')!.attributes.retain_audiences = ['other', 'test_audience'];
    await dest.send([op('remove', 'c1', {}), op('remove', 'c9', {})], context());
    expect(server.users.get('external_id:c1')!.attributes.retain_audiences).toEqual(['other']);
    expect(server.holding('retain_audiences', 'test_audience')).toEqual(['external_id:c2']);

    const groups = destination({ identifier: 'email', membership: { type: 'subscription_group', subscription_group_id: 'group-1' } });
    await groups.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' })], context());
    await groups.send([op('remove', 'c1', { email: 'ann@example.com' })], context());
    expect(server.subscribed('group-1')).toEqual(['email:bob@example.com']);
  });

  it('classifies 429 (Retry-After, else X-RateLimit-Reset), 5xx, a bad key, too many objects and a timeout after apply', async () => {
    const batch = [op('add', 'c1', {})];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 5 }, { type: 'rate_limit' }, { type: 'server_error', status: 503 });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 5 });
    const reset = await destinationError(destination().send(batch, context()));
    expect(reset.details.status).toBe(429);
    expect(reset.details.retryAfterSeconds).toBeGreaterThanOrEqual(2);
    expect(reset.details.retryAfterSeconds).toBeLessThanOrEqual(3);
    expect(reset.message).toBe('Braze answered HTTP 429: Rate Limited');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 503, retryable: true });
    const wrongKey = 'braze-wrong-key-987654321';
    const unauthorized = await destinationError(destination({}, { BRAZE_TEST_KEY: wrongKey }).send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(`${unauthorized.message} ${unauthorized.details.body}`).not.toContain(wrongKey);
    const tooMany = await destinationError(destination().send(Array.from({ length: 76 }, (_, i) => op('add', `c${i}`, {})), context()));
    expect(tooMany.details).toMatchObject({ status: 400, retryable: false });
    expect(tooMany.message).toBe('Braze answered HTTP 400: Max Input Length Exceeded');
    expect(server.users.size).toBe(0);

    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    await destination().send(batch, context());
    expect(server.users.get('external_id:c1')!.attributes.retain_audiences).toEqual(['test_audience']);
  });

  it('sends transition events in the events array', async () => {
    server.rejectIds.add('c2');
    const results = await destination().sendEvents!([event('segment_entered', 'c1'), event('segment_exited', 'c2')], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'remove', status: 'rejected', error: 'provided external_id is blacklisted and disallowed' },
    ]);
    expect(server.http.requests[0]!.body).toEqual({ events: [eventObject(event('segment_entered', 'c1'), 'external_id'), eventObject(event('segment_exited', 'c2'), 'external_id')] });
    expect(server.events.map((stored) => `${stored.user}:${stored.name}`)).toEqual(['external_id:c1:segment_entered']);
  });

  it('declares 75 objects a request and the configured share of the rate limit; names the missing variable', () => {
    expect(destination().limits).toEqual({ maxBatchSize: 75, requestsPerSecond: 100, burst: 100 });
    expect(destination({ requests_per_second: 900 }).limits.requestsPerSecond).toBe(900);
    expect(brazeSettings.safeParse({ base_url: baseUrl, api_key_env: 'K', requests_per_second: 1001 }).success).toBe(false);
    const settings = brazeSettings.parse({ base_url: 'https://rest.iad-01.braze.com', api_key_env: 'BRAZE_API_KEY' });
    expect(settings.membership).toEqual({ type: 'attribute', attribute: 'retain_audiences' });
    expect(brazeDestination.secretEnv(settings)).toEqual(['BRAZE_API_KEY']);
    expect(() => brazeDestination.create(settings, {})).toThrow(ConfigError);
    expect(() => brazeDestination.create(settings, {})).toThrow(/BRAZE_API_KEY is not set/);
  });
});
