import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { hubspotDestination, hubspotLimits } from '../src/destinations/hubspot/index.js';
import { planContacts, propertiesFor, upsertInputs } from '../src/destinations/hubspot/mapping.js';
import { hubspotSettings } from '../src/destinations/hubspot/settings.js';
import type { Destination } from '../src/sync/types.js';
import { HubspotServer } from './servers/hubspot.js';
import { context, destinationError, op } from './support/sync-ops.js';

const server = new HubspotServer();
let baseUrl = '';
const env = { HUBSPOT_TEST_TOKEN: server.token };

function destination(extra: Record<string, unknown> = {}, secrets: NodeJS.ProcessEnv = env): Destination {
  return hubspotDestination.create(hubspotSettings.parse({ list_id: server.listId, access_token_env: 'HUBSPOT_TEST_TOKEN', base_url: baseUrl, properties: { first_name: 'firstname', segment: 'retain_segment' }, ...extra }), secrets);
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('hubspot mapping', () => {
  it('upserts by lowercased email, one input per address, mapped properties as strings', () => {
    const batch = [op('add', 'c1', { email: ' Ann@Example.com' }, { first_name: 'Ann', score: 3 }), op('update', 'c2', { email: 'ann@example.com' }, { first_name: 'Anna', segment: null }), op('add', 'c3', { email: null })];
    const plan = planContacts(batch);
    expect(plan.invalid.get(2)).toBe('no valid email address');
    expect(upsertInputs(batch, plan, { first_name: 'firstname', segment: 'retain_segment' })).toEqual([{ idProperty: 'email', id: 'ann@example.com', properties: { firstname: 'Anna', retain_segment: '' } }]);
    expect(propertiesFor({ tags: ['a', 'b'], n: 2.5, ok: true }, { tags: 'tags', n: 'n', ok: 'ok' })).toEqual({ tags: '["a","b"]', n: '2.5', ok: 'true' });
  });

  it('paces two requests a batch inside the rolling 10-second window', () => {
    // r = 0.045 x 100 = 4.5 batches/s, b = 5: at most 2 x (5 + 45) = 100 requests in any 10 s.
    expect(hubspotLimits(100)).toEqual({ maxBatchSize: 100, requestsPerSecond: 4.5, burst: 5, separateKinds: true });
    // 190: r = 8.55, b = 9: 2 x (9 + 85.5) = 189 <= 190.
    expect(hubspotLimits(190)).toEqual({ maxBatchSize: 100, requestsPerSecond: 8.55, burst: 9, separateKinds: true });
  });
});

describe('hubspot destination against the loopback API', () => {
  it('upserts contacts by email and adds the returned record ids to the list', async () => {
    const results = await destination().send([op('add', 'c1', { email: 'Ann@Example.com' }, { first_name: 'Ann', ignored: 1 }), op('update', 'c2', { email: 'bob@example.com' }, { segment: 'vip' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [upsert, add] = server.http.requests;
    expect(`${upsert!.method} ${upsert!.path}`).toBe('POST /crm/v3/objects/contacts/batch/upsert');
    expect(upsert!.headers.authorization).toBe(`Bearer ${server.token}`);
    expect(upsert!.body).toEqual({
      inputs: [
        { idProperty: 'email', id: 'ann@example.com', properties: { firstname: 'Ann' } },
        { idProperty: 'email', id: 'bob@example.com', properties: { retain_segment: 'vip' } },
      ],
    });
    expect(`${add!.method} ${add!.path}`).toBe('PUT /crm/v3/lists/123/memberships/add');
    expect(add!.body).toEqual([server.contacts.get('ann@example.com')!.id, server.contacts.get('bob@example.com')!.id]);
    expect(server.members()).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('rejects the rows a 207 Multi-Status names, with HubSpot\'s message; the others are upserted and listed', async () => {
    server.rejectEmails.add('bad@example.com');
    const results = await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bad@example.com' }), op('add', 'c3', { email: 'x' })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'add', status: 'rejected', error: 'VALIDATION_ERROR: Email address bad@example.com is invalid' },
      { key: 'c3', kind: 'add', status: 'rejected', error: 'no valid email address' },
    ]);
    expect(server.members()).toEqual(['ann@example.com']);
  });

  it('takes upsert results in input order when HubSpot leaves the email out of them', async () => {
    server.echoEmail = false;
    const results = await destination().send([op('add', 'c1', { email: 'ann@example.com' }, { first_name: 'Ann' }), op('add', 'c2', { email: 'bob@example.com' })], context());
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok']);
    expect(server.http.requests[1]!.body).toEqual([server.contacts.get('ann@example.com')!.id, server.contacts.get('bob@example.com')!.id]);
    expect(server.members()).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('removes by reading record ids by email and removing them from the list; unknown contacts are already out', async () => {
    await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' })], context());
    server.http.requests.length = 0;
    const results = await destination().send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c9', { email: 'ghost@example.com' })], context());
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok']);
    expect(server.http.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /crm/v3/objects/contacts/batch/read', 'PUT /crm/v3/lists/123/memberships/remove']);
    expect(server.http.requests[0]!.body).toEqual({ idProperty: 'email', inputs: [{ id: 'ann@example.com' }, { id: 'ghost@example.com' }], properties: ['email'] });
    expect(server.http.requests[1]!.body).toEqual([server.contacts.get('ann@example.com')!.id]);
    expect(server.members()).toEqual(['bob@example.com']);
    expect(server.contacts.has('ann@example.com')).toBe(true);
  });

  it('classifies 429 (with and without Retry-After), 5xx, a bad token, an unknown list, too many inputs and a timeout after apply', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 10 }, { type: 'rate_limit' }, { type: 'server_error', status: 502 });
    const limited = await destinationError(destination().send(batch, context()));
    expect(limited.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 10 });
    expect(limited.message).toBe('HubSpot answered HTTP 429 RATE_LIMITS/TEN_SECONDLY_ROLLING: You have reached your ten_secondly_rolling limit.');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 502, retryable: true });
    const wrongToken = 'pat-na1-wrong-wrong-wrong';
    const unauthorized = await destinationError(destination({}, { HUBSPOT_TEST_TOKEN: wrongToken }).send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthorized.message).toMatch(/^HubSpot answered HTTP 401 INVALID_AUTHENTICATION: Authentication credentials not found/);
    expect(`${unauthorized.message} ${unauthorized.details.body}`).not.toContain(wrongToken);
    const noList = await destinationError(destination({ list_id: '999' }).send(batch, context()));
    expect(noList.details).toMatchObject({ status: 404, retryable: false });
    expect(noList.message).toBe('HubSpot answered HTTP 404 OBJECT_NOT_FOUND: List does not exist with ID 999.');
    const tooMany = await destinationError(destination().send(Array.from({ length: 101 }, (_, i) => op('add', `c${i}`, { email: `m${i}@example.com` })), context()));
    expect(tooMany.details).toMatchObject({ status: 400, retryable: false });

    server.reset();
    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    await destination().send(batch, context());
    expect(server.members()).toEqual(['ann@example.com']);
    expect(server.contacts.size).toBe(1);
  });

  it('names the missing environment variable and defaults to the real API', () => {
    const settings = hubspotSettings.parse({ list_id: 123, access_token_env: 'HUBSPOT_ACCESS_TOKEN' });
    expect(settings.base_url).toBe('https://api.hubapi.com');
    expect(settings.list_id).toBe('123');
    expect(hubspotDestination.secretEnv(settings)).toEqual(['HUBSPOT_ACCESS_TOKEN']);
    expect(() => hubspotDestination.create(settings, {})).toThrow(ConfigError);
    expect(() => hubspotDestination.create(settings, {})).toThrow(/HUBSPOT_ACCESS_TOKEN is not set/);
    expect(hubspotDestination.create(hubspotSettings.parse({ list_id: '1', access_token_env: 'T', rate_limit_per_10s: 190 }), { T: 'x' }).limits.requestsPerSecond).toBe(8.55);
  });
});
