import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MetaClient, appSecretProof, regainAccessSeconds } from '../src/destinations/meta/client.js';
import { MetaDestination, metaDestination } from '../src/destinations/meta/index.js';
import { dataRowFor, normalizeMetaPhone } from '../src/destinations/meta/mapping.js';
import { metaSettings } from '../src/destinations/meta/settings.js';
import type { SyncOperation } from '../src/sync/types.js';
import { MetaServer } from './servers/meta.js';
import { context, destinationError, op } from './support/sync-ops.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const APP_SECRET_PROOF = '45c6954c108fde1ba3520a10f4ab502a4405cc685348a5abebb7998b0c3edc1a';
const server = new MetaServer();
let baseUrl = '';
const env = { META_TEST_TOKEN: server.accessToken };

function destination(extra: Record<string, unknown> = {}): MetaDestination {
  return metaDestination.create(metaSettings.parse({ audience_id: server.audienceId, access_token_env: 'META_TEST_TOKEN', base_url: baseUrl, ...extra }), env) as MetaDestination;
}

function adds(count: number, prefix = 'm'): SyncOperation[] {
  return Array.from({ length: count }, (_, i) => op('add', `${prefix}${i}`, { email: `${prefix}${i}@example.com` }));
}

interface UsersBody {
  payload: { schema: string[]; data: string[][] };
  session: { session_id: number; batch_seq: number; last_batch_flag: boolean; estimated_num_total: number };
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.emails.clear();
  server.phones.clear();
  server.sessions.clear();
  server.rejectHashes.clear();
  server.appSecret = undefined;
  server.http.requests.length = 0;
  server.http.faults.length = 0;
});

describe('meta normalization and hashing (golden vectors)', () => {
  it('hashes trimmed lowercase emails (gmail dots kept) and digits-only phones with the country code', () => {
    // ' Jane.Doe@Example.COM ' -> 'jane.doe@example.com'; '+1 (415) 555-0123' -> '14155550123' (python hashlib).
    expect(dataRowFor({ key: 'c1', identifiers: { email: ' Jane.Doe@Example.COM ', phone: '+1 (415) 555-0123' }, payload: {} })).toEqual([
      '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
      '413ba75461ab5f99d36820e561ea97e2bd80f9cb586f7ecea6cf4c496518950a',
    ]);
    expect(dataRowFor({ key: 'c2', identifiers: { email: 'Jane.Doe@Gmail.com', phone: null }, payload: {} })).toEqual([sha256('jane.doe@gmail.com'), '']);
    expect(dataRowFor({ key: 'c3', identifiers: { email: null, phone: '0044 7700 900123' }, payload: {} })).toEqual(['', '033134b911b137918338415ee3d20a064b24773d36a3b02e8b99fdd3fcd6b4cd']);
    expect(normalizeMetaPhone('07700 900123', '44')).toBe('447700900123');
    expect(normalizeMetaPhone('07700 900123')).toBeNull();
    expect(dataRowFor({ key: 'c4', identifiers: { email: 'nope', phone: '12' }, payload: {} })).toBeNull();
  });

  it('reads the wait from X-Business-Use-Case-Usage', () => {
    expect(regainAccessSeconds(JSON.stringify({ 1: [{ type: 'custom_audience', estimated_time_to_regain_access: 3 }, { type: 'ads_management', estimated_time_to_regain_access: 0 }] }))).toBe(180);
    expect(regainAccessSeconds(null)).toBeUndefined();
  });
});

describe('meta custom audience against the loopback Graph API', () => {
  it('POSTs hashed rows with the EMAIL/PHONE schema and a one-request session', async () => {
    const results = await destination().send([op('add', 'c1', { email: 'Ann@Example.com', phone: '+14155550123' }), op('update', 'c2', { email: 'bob@example.com', phone: null })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [request] = server.http.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/v25.0/${server.audienceId}/users`);
    expect(request!.headers.authorization).toBe(`Bearer ${server.accessToken}`);
    const body = request!.body as UsersBody;
    expect(body.payload).toEqual({ schema: ['EMAIL', 'PHONE'], data: [[sha256('ann@example.com'), sha256('14155550123')], [sha256('bob@example.com'), '']] });
    expect(body.session).toMatchObject({ batch_seq: 1, last_batch_flag: true, estimated_num_total: 2 });
    expect(Number.isSafeInteger(body.session.session_id) && body.session.session_id > 0).toBe(true);
  });

  it('uploads more than 10,000 members as one session in several requests', async () => {
    const results = await destination().send(adds(25_000), context(20_000));
    expect(results.every((result) => result.status === 'ok')).toBe(true);
    const bodies = server.http.requests.map((request) => request.body as UsersBody);
    expect(bodies.map((body) => body.payload.data.length)).toEqual([10_000, 10_000, 5_000]);
    expect(bodies.map((body) => [body.session.batch_seq, body.session.last_batch_flag, body.session.estimated_num_total])).toEqual([
      [1, false, 25_000],
      [2, false, 25_000],
      [3, true, 25_000],
    ]);
    expect(new Set(bodies.map((body) => body.session.session_id)).size).toBe(1);
    expect(server.emails.size).toBe(25_000);
    expect(server.emails.has(sha256('m24999@example.com'))).toBe(true);
  });

  it('a throttle in the middle of a session keeps the applied part and marks the rest for retry', async () => {
    server.http.inject({ type: 'delay_after_apply', ms: 0 }, { type: 'rate_limit', retryAfterSeconds: 60 });
    const results = await destination().send(adds(15_000), context(20_000));
    expect(results.slice(0, 10_000).every((result) => result.status === 'ok')).toBe(true);
    expect(results.slice(10_000).every((result) => result.status === 'retry')).toBe(true);
    expect(results[14_999]!.error).toContain('code 80003/2446079');
    expect(server.emails.size).toBe(10_000);
  });

  it('classifies throttling by Graph error code (HTTP 400), 5xx, a bad token and an unknown audience', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 120 }, { type: 'rate_limit' }, { type: 'server_error' });
    const throttled = await destinationError(destination().send(batch, context()));
    expect(throttled.details).toMatchObject({ status: 400, retryable: true, retryAfterSeconds: 120 });
    expect(throttled.details.body).toContain('"code":80003');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 400, retryable: true, retryAfterSeconds: undefined });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 500, retryable: true });
    const badToken = metaDestination.create(metaSettings.parse({ audience_id: server.audienceId, access_token_env: 'T', base_url: baseUrl }), { T: 'EAAB-revoked-token-123' });
    const unauthorized = await destinationError(badToken.send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 400, retryable: false });
    expect(unauthorized.message).toMatch(/^Meta answered HTTP 400 code 190: Invalid OAuth access token/);
    const unknown = await destinationError(destination({ audience_id: '999' }).send(batch, context()));
    expect(unknown.details).toMatchObject({ status: 400, retryable: false });
    expect(server.emails.size).toBe(0);

    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    expect([...server.emails]).toEqual([sha256('ann@example.com')]);
  });

  it('rejects the rows Meta reports in invalid_entry_samples and the rows with no identifier', async () => {
    server.rejectHashes.add(sha256('bad@example.com'));
    const results = await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bad@example.com' }), op('add', 'c3', { email: null, phone: null })], context());
    expect(results.map((result) => result.status)).toEqual(['ok', 'rejected', 'rejected']);
    expect(results[1]!.error).toBe('Meta reported the entry as invalid');
    expect(results[2]!.error).toBe('no valid email address or phone number with a country code');
  });

  it('round trip: adds, updates and removes leave exactly the wanted users', async () => {
    const dest = destination();
    await dest.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' }), op('add', 'c3', { email: 'cat@example.com' })], context());
    await dest.send([op('update', 'c2', { email: 'bob@example.com', phone: '+447700900123' })], context());
    await dest.send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c3', { email: 'cat@example.com' })], context());
    expect(server.http.requests.map((request) => request.method)).toEqual(['POST', 'POST', 'DELETE']);
    expect([...server.emails]).toEqual([sha256('bob@example.com')]);
    expect([...server.phones]).toEqual([sha256('447700900123')]);
    await expect(dest.send([op('add', 'c1', { email: 'a@example.com' }), op('remove', 'c2', { email: 'b@example.com' })], context())).rejects.toThrow(/separateKinds/);
  });

  it('mirror mode: replaceAll swaps the audience for exactly the given members through usersreplace', async () => {
    await destination().send([op('add', 'old', { email: 'old@example.com' })], context());
    const members = adds(12_000, 'r').map((operation) => operation.member);
    expect(await destination().replaceAll(members, context(20_000))).toEqual({ uploaded: 12_000, skipped: 0 });
    const replaceRequests = server.http.requests.filter((request) => request.path.endsWith('/usersreplace'));
    expect(replaceRequests.map((request) => (request.body as UsersBody).session.last_batch_flag)).toEqual([false, true]);
    expect(server.emails.size).toBe(12_000);
    expect(server.emails.has(sha256('old@example.com'))).toBe(false);
  });

  it('signs every call with appsecret_proof when the app secret is configured', async () => {
    server.appSecret = 'meta-app-secret-42';
    // HMAC-SHA256(key = app secret, message = access token), hex: computed with python hmac.
    expect(appSecretProof(server.accessToken, server.appSecret)).toBe(APP_SECRET_PROOF);
    const unsigned = await destinationError(destination().send([op('add', 'c1', { email: 'ann@example.com' })], context()));
    expect(unsigned.message).toContain('Invalid appsecret_proof');
    const signed = metaDestination.create(metaSettings.parse({ audience_id: server.audienceId, access_token_env: 'T', app_secret_env: 'S', base_url: baseUrl }), { T: server.accessToken, S: server.appSecret });
    expect(await signed.send([op('add', 'c1', { email: 'ann@example.com' })], context())).toEqual([{ key: 'c1', kind: 'add', status: 'ok' }]);
    expect(server.http.requests.at(-1)!.query.get('appsecret_proof')).toBe(APP_SECRET_PROOF);
  });

  it('the server enforces 10,000 users per request', async () => {
    const client = new MetaClient(baseUrl, 'v25.0', server.accessToken);
    const rows = Array.from({ length: 10_001 }, (_, i): [string, string] => [sha256(`x${i}@example.com`), '']);
    const error = await destinationError(client.upload(server.audienceId, { method: 'POST', edge: 'users' }, rows, { session_id: 1, batch_seq: 1, last_batch_flag: true }, context()));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('the limit is 10000');
  });
});
