import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { klaviyoDestination } from '../src/destinations/klaviyo/index.js';
import { anyFilter, eventUniqueId, identityFor, planProfiles, pointerIndex } from '../src/destinations/klaviyo/mapping.js';
import { klaviyoSettings } from '../src/destinations/klaviyo/settings.js';
import type { Destination, SyncEvent } from '../src/sync/types.js';
import { KlaviyoServer } from './servers/klaviyo.js';
import { context, destinationError, op } from './support/sync-ops.js';

const server = new KlaviyoServer();
let baseUrl = '';
const env = { KLAVIYO_TEST_KEY: server.apiKey };

function destination(extra: Record<string, unknown> = {}, secrets: NodeJS.ProcessEnv = env): Destination {
  return klaviyoDestination.create(klaviyoSettings.parse({ list_id: server.listId, api_key_env: 'KLAVIYO_TEST_KEY', base_url: baseUrl, ...extra }), secrets);
}

function event(name: SyncEvent['name'], key: string, email: string | null): SyncEvent {
  return { key, name, segment: 'at_risk', occurredAt: '2026-11-29T10:00:00.000Z', identifiers: { email }, properties: { strategy: 'win_back' }, idempotencyKey: `${name}:${key}:at_risk` };
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('klaviyo mapping', () => {
  it('normalizes identities, collapses one profile per identity and drops null properties', () => {
    expect(identityFor({ email: ' Ann@Example.COM ', phone: '030 1234567' }, '49')).toEqual({ email: 'ann@example.com', phone_number: '+49301234567' });
    expect(identityFor({ email: 'nope', phone: '5551234' })).toBeNull();
    expect(identityFor({ email: 'a"b@example.com', phone: '+1 415 555 0100' })).toEqual({ phone_number: '+14155550100' });
    const plan = planProfiles([op('add', 'c1', { email: 'A@x.com' }, { tier: 'gold', gone: null }), op('add', 'c2', { email: 'a@x.com' }, { tier: 'silver' }), op('add', 'c3', {})]);
    expect(plan.profiles).toEqual([{ type: 'profile', attributes: { email: 'a@x.com', properties: { tier: 'silver' } } }]);
    expect([...plan.profileOf]).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(plan.invalid.get(2)).toBe('no valid email address or phone number with a country code');
  });

  it('writes Klaviyo filters, reads JSON:API pointers and derives a stable unique_id (golden vector)', () => {
    expect(anyFilter('email', ['a@x.com', 'b@x.com'])).toBe('any(email,["a@x.com","b@x.com"])');
    expect(pointerIndex('/data/attributes/profiles/data/12/attributes/email', '/data/attributes/profiles/data/')).toBe(12);
    expect(pointerIndex('/data/attributes/profiles/data', '/data/attributes/profiles/data/')).toBeUndefined();
    // python3: 'rtn_' + hashlib.sha256(b'segment_entered:c1:at_risk').hexdigest()[:40]
    expect(eventUniqueId('segment_entered:c1:at_risk')).toBe('rtn_976b04347b4301d1a52e4385d1da8fe39c401272');
  });
});

describe('klaviyo destination against the loopback API', () => {
  it('adds through one bulk import job with the list relationship, revision header and JSON:API media type', async () => {
    const results = await destination().send([op('add', 'c1', { email: 'Ann@Example.com' }, { segment: 'at_risk' }), op('update', 'c2', { email: null, phone: '+1 (415) 555-0100' }, { segment: 'vip' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [request] = server.http.requests;
    expect(`${request!.method} ${request!.path}`).toBe('POST /api/profile-bulk-import-jobs');
    expect(request!.headers.authorization).toBe(`Klaviyo-API-Key ${server.apiKey}`);
    expect(request!.headers.revision).toBe('2026-10-15');
    expect(request!.headers['content-type']).toBe('application/vnd.api+json');
    expect(request!.body).toEqual({
      data: {
        type: 'profile-bulk-import-job',
        attributes: {
          profiles: {
            data: [
              { type: 'profile', attributes: { email: 'ann@example.com', properties: { segment: 'at_risk' } } },
              { type: 'profile', attributes: { phone_number: '+14155550100', properties: { segment: 'vip' } } },
            ],
          },
        },
        relationships: { lists: { data: [{ type: 'list', id: 'VRgFBd' }] } },
      },
    });
    expect(server.members()).toEqual(['+14155550100', 'ann@example.com']);
    expect(server.profileByEmail('ann@example.com')!.properties).toEqual({ segment: 'at_risk' });
  });

  it('rejects the rows Klaviyo points at with its message and imports the rest in a second job', async () => {
    server.rejectEmails.add('bad@example.com');
    const results = await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bad@example.com' }), op('add', 'c3', { email: 'cat@example.com' }), op('add', 'c4', {})], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'add', status: 'rejected', error: 'invalid: Invalid email address: bad@example.com' },
      { key: 'c3', kind: 'add', status: 'ok' },
      { key: 'c4', kind: 'add', status: 'rejected', error: 'no valid email address or phone number with a country code' },
    ]);
    expect(server.http.requests).toHaveLength(2);
    expect((server.http.requests[1]!.body as { data: { attributes: { profiles: { data: unknown[] } } } }).data.attributes.profiles.data).toHaveLength(2);
    expect(server.members()).toEqual(['ann@example.com', 'cat@example.com']);
  });

  it('removes by looking profile ids up by email (100 a page) and deleting the list relationship; unknown profiles are already out', async () => {
    const emails = Array.from({ length: 150 }, (_, i) => `m${i}@example.com`);
    await destination().send(emails.map((email, i) => op('add', `c${i}`, { email })), context());
    server.http.requests.length = 0;
    const removes = [...emails.slice(0, 120).map((email, i) => op('remove', `c${i}`, { email })), op('remove', 'ghost', { email: 'ghost@example.com' })];
    const results = await destination().send(removes, context());
    expect(results.every((result) => result.status === 'ok')).toBe(true);
    expect(server.http.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /api/profiles', 'GET /api/profiles', 'DELETE /api/lists/VRgFBd/relationships/profiles']);
    const firstLookup = server.http.requests[0]!;
    expect(firstLookup.query.get('filter')).toBe(anyFilter('email', emails.slice(0, 100)));
    expect(firstLookup.query.get('page[size]')).toBe('100');
    const deleted = server.http.requests[2]!.body as { data: Array<{ type: string; id: string }> };
    expect(deleted.data).toHaveLength(120);
    expect(deleted.data[0]).toEqual({ type: 'profile', id: server.profileByEmail('m0@example.com')!.id });
    expect(server.members()).toEqual(emails.slice(120).sort());
    expect(server.profileByEmail('m0@example.com')).toBeDefined(); // removing from a list keeps the profile
  });

  it('classifies 429 (with and without Retry-After), 5xx, a bad key, an unknown list and a timeout after apply', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 2 }, { type: 'rate_limit' }, { type: 'server_error', status: 503 });
    const limited = await destinationError(destination().send(batch, context()));
    expect(limited.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 2 });
    expect(limited.message).toBe('Klaviyo answered HTTP 429 (throttled: Request was throttled. Expected available in 1 second.)');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 503, retryable: true });
    const wrongKey = 'pk_wrongwrongwrongwrong';
    const unauthorized = await destinationError(destination({}, { KLAVIYO_TEST_KEY: wrongKey }).send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthorized.message).toBe('Klaviyo answered HTTP 401 (not_authenticated: Missing or invalid private key.)');
    expect(`${unauthorized.message} ${unauthorized.details.body}`).not.toContain(wrongKey);
    expect((await destinationError(destination({ list_id: 'Nope12' }).send(batch, context()))).details).toMatchObject({ status: 404, retryable: false });
    expect(server.members()).toEqual([]);

    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    expect(server.members()).toEqual(['ann@example.com']);
    await destination().send(batch, context());
    expect(server.members()).toEqual(['ann@example.com']);
    expect(server.profiles.size).toBe(1);
  });

  it('a request refused without row pointers fails whole and non-retryable (the engine splits the batch)', async () => {
    const batch = Array.from({ length: 1001 }, (_, i) => op('remove', `c${i}`, { email: `m${i}@example.com` }));
    await destination().send(batch.map((operation) => ({ ...operation, kind: 'add' as const })), context());
    const error = await destinationError(destination().send(batch, context()));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('maximum of 1000 profiles per call');
    expect(destination().limits).toMatchObject({ maxBatchSize: 1000, separateKinds: true });
  });

  it('sends transition events to Bulk Create Events; a resent event is de-duplicated by its unique_id', async () => {
    const events = [event('segment_entered', 'c1', 'ann@example.com'), event('segment_exited', 'c2', 'bob@example.com'), event('segment_entered', 'c3', null)];
    const dest = destination({ event_names: { segment_entered: 'Entered Retain Segment' } });
    const results = await dest.sendEvents!(events, context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'remove', status: 'ok' },
      { key: 'c3', kind: 'add', status: 'rejected', error: 'no valid email address or phone number with a country code' },
    ]);
    const [request] = server.http.requests;
    expect(request!.path).toBe('/api/event-bulk-create-jobs');
    const entries = (request!.body as { data: { type: string; attributes: { 'events-bulk-create': { data: unknown[] } } } }).data.attributes['events-bulk-create'].data;
    expect(entries[0]).toEqual({
      type: 'event-bulk-create',
      attributes: {
        profile: { data: { type: 'profile', attributes: { email: 'ann@example.com' } } },
        events: {
          data: [
            {
              type: 'event',
              attributes: {
                properties: { segment: 'at_risk', strategy: 'win_back' },
                time: '2026-11-29T10:00:00.000Z',
                metric: { data: { type: 'metric', attributes: { name: 'Entered Retain Segment' } } },
                unique_id: eventUniqueId('segment_entered:c1:at_risk'),
              },
            },
          ],
        },
      },
    });
    expect(server.events.map((stored) => stored.metric)).toEqual(['Entered Retain Segment', 'segment_exited']);
    await dest.sendEvents!(events.slice(0, 2), context());
    expect(server.events).toHaveLength(2);
  });

  it('names the missing environment variable and defaults to the real API', () => {
    const settings = klaviyoSettings.parse({ list_id: 'VRgFBd', api_key_env: 'KLAVIYO_API_KEY' });
    expect(settings.base_url).toBe('https://a.klaviyo.com');
    expect(settings.event_names).toEqual({ segment_entered: 'segment_entered', segment_exited: 'segment_exited' });
    expect(klaviyoDestination.secretEnv(settings)).toEqual(['KLAVIYO_API_KEY']);
    expect(() => klaviyoDestination.create(settings, {})).toThrow(ConfigError);
    expect(() => klaviyoDestination.create(settings, {})).toThrow(/KLAVIYO_API_KEY is not set/);
    expect(klaviyoSettings.safeParse({ list_id: 'VRgFBd', api_key_env: 'pk_live_secret' }).success).toBe(false);
  });
});
