import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GoogleAdsClient } from '../src/destinations/google_ads/client.js';
import { googleAdsDestination } from '../src/destinations/google_ads/index.js';
import { normalizeGoogleEmail, userIdentifiersFor } from '../src/destinations/google_ads/mapping.js';
import { googleAdsSettings } from '../src/destinations/google_ads/settings.js';
import type { Destination } from '../src/sync/types.js';
import { GoogleAdsServer } from './servers/google-ads.js';
import { context, destinationError, op } from './support/sync-ops.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const server = new GoogleAdsServer();
let baseUrl = '';
const env = { GADS_DEV_TOKEN: server.developerToken, GADS_ACCESS_TOKEN: server.accessToken };

function settings(extra: Record<string, unknown> = {}) {
  return googleAdsSettings.parse({
    customer_id: '123-456-7890',
    user_list_id: 555,
    login_customer_id: '987-654-3210',
    developer_token_env: 'GADS_DEV_TOKEN',
    access_token_env: 'GADS_ACCESS_TOKEN',
    base_url: baseUrl,
    consent: { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' },
    ...extra,
  });
}
const destination = (extra: Record<string, unknown> = {}): Destination => googleAdsDestination.create(settings(extra), env);

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.jobs.clear();
  server.emails.clear();
  server.phones.clear();
  server.rejectHashes.clear();
  server.http.requests.length = 0;
  server.http.faults.length = 0;
});

describe('customer match normalization and hashing (golden vectors)', () => {
  it('trims and lowercases emails; gmail dots are kept unless normalize_gmail is on', () => {
    // Hand-normalized ' Jane.Doe@Gmail.com ' -> 'jane.doe@gmail.com'; SHA-256 computed with python hashlib.
    const options = { normalizeGmail: false };
    expect(userIdentifiersFor({ email: ' Jane.Doe@Gmail.com ' }, options)).toEqual([{ hashedEmail: '831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982' }]);
    expect(userIdentifiersFor({ email: ' Jane.Doe@Gmail.com ' }, { normalizeGmail: true })).toEqual([{ hashedEmail: sha256('janedoe@gmail.com') }]);
    expect(sha256('janedoe@gmail.com')).toBe('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    expect(normalizeGoogleEmail('J.Doe@GoogleMail.com', true)).toBe('jdoe@googlemail.com');
    expect(normalizeGoogleEmail('j.doe@example.com', true)).toBe('j.doe@example.com');
  });

  it('formats phones as E.164 with the + before hashing', () => {
    // '+1 (415) 555-0123' -> '+14155550123'; '0044 7700 900123' -> '+447700900123'.
    expect(userIdentifiersFor({ phone: '+1 (415) 555-0123' }, { normalizeGmail: false })).toEqual([{ hashedPhoneNumber: '36a2cef4ff9bf7a1abd2a93359136b870393be4106e6c5d19b72ff564f9deca4' }]);
    expect(userIdentifiersFor({ phone: '(415) 555-0123' }, { normalizeGmail: false, defaultCallingCode: '1' })).toEqual([{ hashedPhoneNumber: sha256('+14155550123') }]);
    expect(userIdentifiersFor({ phone: '0044 7700 900123' }, { normalizeGmail: false })).toEqual([{ hashedPhoneNumber: 'a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436' }]);
    expect(userIdentifiersFor({ phone: '07700 900123' }, { normalizeGmail: false, defaultCallingCode: '44' })).toEqual([{ hashedPhoneNumber: sha256('+447700900123') }]);
    // No country code can be known: the phone is not sent, and without an email the member has nothing.
    expect(userIdentifiersFor({ phone: '415-555-0123', email: null }, { normalizeGmail: false })).toBeNull();
  });
});

describe('google ads customer match against the loopback API', () => {
  it('creates a job with consent, adds hashed create operations with partial failure, then runs it', async () => {
    const results = await destination().send([op('add', 'c1', { email: 'Ann@Example.com', phone: '+14155550123' }), op('update', 'c2', { email: 'bob@example.com', phone: null })], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [create, add, run] = server.http.requests;
    expect(server.http.requests).toHaveLength(3);
    expect(create!.path).toBe('/v26/customers/1234567890/offlineUserDataJobs:create');
    expect(create!.body).toEqual({
      job: { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList: 'customers/1234567890/userLists/555', consent: { adUserData: 'GRANTED', adPersonalization: 'DENIED' } } },
    });
    expect(create!.headers).toMatchObject({ authorization: `Bearer ${server.accessToken}`, 'developer-token': server.developerToken, 'login-customer-id': '9876543210' });
    expect(add!.path).toBe('/v26/customers/1234567890/offlineUserDataJobs/1:addOperations');
    expect(add!.body).toEqual({
      operations: [
        { create: { userIdentifiers: [{ hashedEmail: sha256('ann@example.com') }, { hashedPhoneNumber: sha256('+14155550123') }] } },
        { create: { userIdentifiers: [{ hashedEmail: sha256('bob@example.com') }] } },
      ],
      enablePartialFailure: true,
    });
    expect(run!.path).toBe('/v26/customers/1234567890/offlineUserDataJobs/1:run');
    expect([...server.emails].sort()).toEqual([sha256('ann@example.com'), sha256('bob@example.com')].sort());
  });

  it('maps a partial failure back to its row by operation index; rows with no identifier are not sent', async () => {
    server.rejectHashes.add(sha256('bad@example.com'));
    const results = await destination().send(
      [op('add', 'c0', { email: null, phone: '555-0100' }), op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bad@example.com' }), op('add', 'c3', { email: 'cat@example.com' })],
      context(),
    );
    expect(results.map((result) => result.status)).toEqual(['rejected', 'ok', 'rejected', 'ok']);
    expect(results[0]!.error).toBe('no valid email address or E.164 phone number');
    expect(results[2]!.error).toBe('offlineUserDataJobError.INVALID_SHA256_FORMAT: The SHA256 encoded value is malformed.');
    expect((server.http.requests[1]!.body as { operations: unknown[] }).operations).toHaveLength(3);
    expect([...server.emails].sort()).toEqual([sha256('ann@example.com'), sha256('cat@example.com')].sort());
  });

  it('classifies RESOURCE_EXHAUSTED (retryDelay or none), 503, bad credentials and a timeout after the job ran', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 12 }, { type: 'rate_limit' }, { type: 'server_error', status: 503 });
    const limited = await destinationError(destination().send(batch, context()));
    expect(limited.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 12 });
    expect(limited.message).toContain('RESOURCE_EXHAUSTED: quotaError.RESOURCE_TEMPORARILY_EXHAUSTED');
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 503, retryable: true });

    const badToken = googleAdsDestination.create(settings(), { ...env, GADS_ACCESS_TOKEN: 'ya29.expired-token-999' });
    const unauthenticated = await destinationError(badToken.send(batch, context()));
    expect(unauthenticated.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthenticated.message).toContain('authenticationError.OAUTH_TOKEN_INVALID');
    expect(JSON.stringify(unauthenticated)).not.toContain('expired-token');
    const noManager = await destinationError(destination({ login_customer_id: undefined }).send(batch, context()));
    expect(noManager.details).toMatchObject({ status: 403, retryable: false });
    expect(server.emails.size).toBe(0);

    // create and addOperations answer; run applies the job and then the answer is lost.
    server.http.inject({ type: 'delay_after_apply', ms: 0 }, { type: 'delay_after_apply', ms: 0 }, { type: 'delay_after_apply', ms: 2_000 });
    expect((await destinationError(destination().send(batch, context(150)))).details.retryable).toBe(true);
    expect([...server.emails]).toEqual([sha256('ann@example.com')]);
    await destination().send(batch, context());
    expect([...server.emails]).toEqual([sha256('ann@example.com')]);
  });

  it('round trip: adds, updates and removes (in separate jobs) leave exactly the wanted identifiers', async () => {
    const dest = destination();
    await dest.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com', phone: '+447700900123' }), op('add', 'c3', { email: 'cat@example.com' })], context());
    await dest.send([op('update', 'c3', { email: 'cat@example.com', phone: '+14155550123' })], context());
    await dest.send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c2', { email: 'bob@example.com', phone: '+447700900123' })], context());
    expect([...server.emails]).toEqual([sha256('cat@example.com')]);
    expect([...server.phones]).toEqual([sha256('+14155550123')]);
    const kindsPerJob = [...server.jobs.values()].map((job) => [...new Set(job.operations.map((operation) => operation.kind))]);
    expect(kindsPerJob).toEqual([['create'], ['create'], ['remove']]);
    expect([...server.jobs.values()].every((job) => job.status === 'SUCCESS')).toBe(true);
    await expect(dest.send([op('add', 'c1', { email: 'a@example.com' }), op('remove', 'c2', { email: 'b@example.com' })], context())).rejects.toThrow(/separateKinds/);
  });

  it('the server enforces 100,000 identifiers per request', async () => {
    const client = new GoogleAdsClient(baseUrl, 'v26', { accessToken: server.accessToken, developerToken: server.developerToken, loginCustomerId: '9876543210' });
    const job = await client.createCustomerMatchJob('1234567890', '555', { adUserData: 'GRANTED', adPersonalization: 'GRANTED' }, context());
    const identifier = { hashedEmail: sha256('x@example.com') };
    const operations = Array.from({ length: 50_001 }, () => ({ create: { userIdentifiers: [identifier, identifier] } }));
    const error = await destinationError(client.addOperations(job, operations, context(20_000)));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('TOO_MANY_USER_IDENTIFIERS');
  });

  it('refreshes an access token from a refresh token once per sync and reuses it', async () => {
    const oauth = { client_id_env: 'GADS_CLIENT_ID', client_secret_env: 'GADS_CLIENT_SECRET', refresh_token_env: 'GADS_REFRESH_TOKEN', token_url: `${baseUrl}/token` };
    const oauthEnv = { GADS_DEV_TOKEN: server.developerToken, GADS_CLIENT_ID: server.oauthClient.clientId, GADS_CLIENT_SECRET: server.oauthClient.clientSecret, GADS_REFRESH_TOKEN: server.oauthClient.refreshToken };
    const refreshing = settings({ access_token_env: undefined, oauth });
    expect(googleAdsDestination.secretEnv(refreshing)).toEqual(['GADS_DEV_TOKEN', 'GADS_CLIENT_ID', 'GADS_CLIENT_SECRET', 'GADS_REFRESH_TOKEN']);
    const dest = googleAdsDestination.create(refreshing, oauthEnv);
    await dest.send([op('add', 'c1', { email: 'ann@example.com' })], context());
    await dest.send([op('add', 'c2', { email: 'bob@example.com' })], context());
    const tokenRequests = server.http.requests.filter((request) => request.path === '/token');
    expect(tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]!.text))).toEqual({
      grant_type: 'refresh_token',
      client_id: server.oauthClient.clientId,
      client_secret: server.oauthClient.clientSecret,
      refresh_token: server.oauthClient.refreshToken,
    });
    expect(server.emails.size).toBe(2);

    const revoked = googleAdsDestination.create(refreshing, { ...oauthEnv, GADS_REFRESH_TOKEN: '1//revoked-refresh-token' });
    const error = await destinationError(revoked.send([op('add', 'c3', { email: 'cat@example.com' })], context()));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toBe('OAuth token endpoint answered HTTP 400 (invalid_grant: Token has been expired or revoked.)');
    expect(JSON.stringify(error.details) + error.message).not.toMatch(/revoked-refresh-token|GOCSPX/);
    expect(googleAdsSettings.safeParse({ ...refreshing, access_token_env: 'ALSO_SET' }).success).toBe(false);
  });

  it('needs consent stated in retain.yml and both secrets from the environment', () => {
    expect(googleAdsSettings.safeParse({ customer_id: '1234567890', user_list_id: '1', developer_token_env: 'A', access_token_env: 'B' }).success).toBe(false);
    expect(googleAdsDestination.secretEnv(settings())).toEqual(['GADS_DEV_TOKEN', 'GADS_ACCESS_TOKEN']);
    expect(() => googleAdsDestination.create(settings(), { GADS_DEV_TOKEN: 'x' })).toThrow(/GADS_ACCESS_TOKEN is not set/);
  });
});
