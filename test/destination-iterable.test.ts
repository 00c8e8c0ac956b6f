import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { iterableDestination } from '../src/destinations/iterable/index.js';
import { subscriberFor } from '../src/destinations/iterable/mapping.js';
import { iterableSettings } from '../src/destinations/iterable/settings.js';
import type { Destination } from '../src/sync/types.js';
import { IterableServer } from './servers/iterable.js';
import { context, destinationError, op } from './support/sync-ops.js';

const server = new IterableServer();
let baseUrl = '';
const env = { ITERABLE_TEST_KEY: server.apiKey };

function destination(extra: Record<string, unknown> = {}): Destination {
  return iterableDestination.create(iterableSettings.parse({ list_id: String(server.listId), api_key_env: 'ITERABLE_TEST_KEY', base_url: baseUrl, ...extra }), env);
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.users.clear();
  server.lists.set(server.listId, new Set());
  server.rejectIds.clear();
  server.http.requests.length = 0;
  server.http.faults.length = 0;
});

describe('iterable mapping', () => {
  it('sends trimmed lowercase emails with the payload as dataFields on subscribe, and bare ids on unsubscribe', () => {
    const settings = { identifier: 'email' as const, data_fields: true };
    expect(subscriberFor(op('add', 'c1', { email: ' Ann@Example.COM ' }, { segment: 'at_risk' }), settings)).toEqual({
      ok: true,
      id: 'ann@example.com',
      subscriber: { email: 'ann@example.com', dataFields: { segment: 'at_risk' } },
    });
    expect(subscriberFor(op('remove', 'c1', { email: 'ann@example.com' }, { segment: 'at_risk' }), settings)).toEqual({ ok: true, id: 'ann@example.com', subscriber: { email: 'ann@example.com' } });
    expect(subscriberFor(op('add', 'c7', {}, {}), { identifier: 'user_id', data_fields: true })).toEqual({ ok: true, id: 'c7', subscriber: { userId: 'c7', preferUserId: true } });
    expect(subscriberFor(op('add', 'c1', { email: 'nope' }), settings)).toEqual({ ok: false, error: 'no valid email address' });
  });
});

describe('iterable destination against the loopback API', () => {
  it('subscribes with the documented body and Api-Key header', async () => {
    const results = await destination().send([op('add', 'c1', { email: 'Ann@Example.com' }, { segment: 'at_risk' }), op('update', 'c2', { email: 'bob@example.com' }, { segment: 'champions' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [request] = server.http.requests;
    expect(request!.path).toBe('/api/lists/subscribe');
    expect(request!.headers['api-key']).toBe(server.apiKey);
    expect(request!.body).toEqual({
      listId: 4242,
      subscribers: [
        { email: 'ann@example.com', dataFields: { segment: 'at_risk' } },
        { email: 'bob@example.com', dataFields: { segment: 'champions' } },
      ],
      updateExistingUsersOnly: false,
    });
    expect(server.users.get('bob@example.com')!.dataFields).toEqual({ segment: 'champions' });
  });

  it('maps failedUpdates back to rows; an unknown user on unsubscribe is already out of the list', async () => {
    server.rejectIds.add('bad@example.com');
    const added = await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'Bad@example.com' }), op('add', 'c3', { email: 'cat@example.com' })], context());
    expect(added.map((result) => result.status)).toEqual(['ok', 'rejected', 'ok']);
    expect(added[1]!.error).toBe('Iterable refused the row (invalidDataEmails)');
    const removed = await destination().send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c9', { email: 'ghost@example.com' })], context());
    expect(removed.map((result) => result.status)).toEqual(['ok', 'ok']);
    expect(server.http.requests[1]!.body).toEqual({ listId: 4242, subscribers: [{ email: 'ann@example.com' }, { email: 'ghost@example.com' }], channelUnsubscribe: false });
    expect(server.members()).toEqual(['cat@example.com']);
  });

  it('refuses a batch that mixes adds and removes (separateKinds)', async () => {
    await expect(destination().send([op('add', 'c1', { email: 'a@example.com' }), op('remove', 'c2', { email: 'b@example.com' })], context())).rejects.toThrow(/separateKinds/);
    expect(server.http.requests).toHaveLength(0);
  });

  it('classifies 429 (with and without Retry-After), 5xx, a bad key and a timeout after apply', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 3 }, { type: 'rate_limit' }, { type: 'server_error', status: 502 });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 3 });
    const noHeader = await destinationError(destination().send(batch, context()));
    expect(noHeader.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    expect(noHeader.message).toContain('RateLimitExceeded');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 502, retryable: true });
    const badKey = iterableDestination.create(iterableSettings.parse({ list_id: server.listId, api_key_env: 'K', base_url: baseUrl }), { K: 'not-the-key-123' });
    const unauthorized = await destinationError(badKey.send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthorized.message).toBe('Iterable answered HTTP 401 (BadApiKey: Invalid API key)');
    const wrongList = await destinationError(destination({ list_id: 1 }).send(batch, context()));
    expect(wrongList.details).toMatchObject({ status: 400, retryable: false });
    expect(server.members()).toEqual([]);

    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    expect(server.members()).toEqual(['ann@example.com']);
  });

  it('round trip: adds, updates and removes leave exactly the wanted members in the list', async () => {
    const dest = destination();
    await dest.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' }), op('add', 'c3', { email: 'cat@example.com' })], context());
    await dest.send([op('update', 'c2', { email: 'bob@example.com' }, { tier: 'gold' }), op('add', 'c4', { email: 'dan@example.com' })], context());
    await dest.send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c3', { email: 'cat@example.com' })], context());
    expect(server.members()).toEqual(['bob@example.com', 'dan@example.com']);
    expect(server.users.get('bob@example.com')!.dataFields).toEqual({ tier: 'gold' });
  });

  it('the server enforces 1,000 subscribers per request', async () => {
    const batch = Array.from({ length: 1001 }, (_, i) => op('add', `c${i}`, { email: `m${i}@example.com` }));
    const error = await destinationError(destination().send(batch, context()));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(destination().limits.maxBatchSize).toBe(1000);
  });
});
