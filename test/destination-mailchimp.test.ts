import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { MailchimpClient, defaultBaseUrl } from '../src/destinations/mailchimp/client.js';
import { mailchimpDestination } from '../src/destinations/mailchimp/index.js';
import { planBatch, subscriberHash } from '../src/destinations/mailchimp/mapping.js';
import { mailchimpSettings } from '../src/destinations/mailchimp/settings.js';
import type { Destination } from '../src/sync/types.js';
import { MailchimpServer } from './servers/mailchimp.js';
import { context, destinationError, op } from './support/sync-ops.js';

const server = new MailchimpServer();
let baseUrl = '';
const env = { MC_TEST_API_KEY: server.apiKey };

function destination(extra: Record<string, unknown> = {}): Destination {
  const settings = mailchimpSettings.parse({ list_id: server.listId, api_key_env: 'MC_TEST_API_KEY', base_url: baseUrl, merge_fields: { first_name: 'FNAME' }, ...extra });
  return mailchimpDestination.create(settings, env);
}

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.members.clear();
  server.rejectEmails.clear();
  server.complianceEmails.clear();
  server.http.requests.length = 0;
  server.http.faults.length = 0;
});

describe('mailchimp mapping', () => {
  it('hashes the trimmed, lowercased address with MD5 (golden vector)', () => {
    // Hand-normalized: ' Jane.Doe@Example.COM ' -> 'jane.doe@example.com'; MD5 computed with python hashlib.
    expect(subscriberHash(' Jane.Doe@Example.COM ')).toBe('0cba00ca3da1b283a57287bcceb17e35');
    expect(subscriberHash('Jane.Doe@Example.COM')).toBe(createHash('md5').update('jane.doe@example.com').digest('hex'));
  });

  it('collapses two operations on one address, membership winning over a remove', () => {
    const plan = planBatch(
      [op('remove', 'c1', { email: 'Shared@Example.com' }), op('add', 'c2', { email: 'shared@example.com' }, { first_name: 'Ann' }), op('add', 'c3', { email: 'not-an-email' })],
      { first_name: 'FNAME' },
      true,
    );
    expect(plan.members).toEqual([{ email_address: 'shared@example.com', status: 'subscribed', merge_fields: { FNAME: 'Ann' } }]);
    expect(plan.invalid.get(2)).toBe('no valid email address');
  });

  it('takes the datacenter from the API key for the default base URL', () => {
    expect(defaultBaseUrl('0123456789abcdef0123456789abcdef-us21')).toBe('https://us21.api.mailchimp.com/3.0');
    expect(defaultBaseUrl('no-datacenter')).toBeNull();
  });
});

describe('mailchimp destination against the loopback API', () => {
  it('sends one batch-subscribe request with update_existing, merge fields and basic auth', async () => {
    const results = await destination().send(
      [op('add', 'c1', { email: ' Ann@Example.com' }, { first_name: 'Ann', ignored: 'x' }), op('update', 'c2', { email: 'bob@example.com' }, { first_name: 'Bob' })],
      context(),
    );
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    expect(server.http.requests).toHaveLength(1);
    const [request] = server.http.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/3.0/lists/${server.listId}`);
    expect(request!.body).toEqual({
      members: [
        { email_address: 'ann@example.com', status: 'subscribed', merge_fields: { FNAME: 'Ann' } },
        { email_address: 'bob@example.com', status: 'subscribed', merge_fields: { FNAME: 'Bob' } },
      ],
      update_existing: true,
    });
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`retain:${server.apiKey}`).toString('base64')}`);
  });

  it('reports the row Mailchimp rejects and acknowledges the others', async () => {
    server.rejectEmails.add('fake@example.com');
    const results = await destination().send(
      [op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'fake@example.com' }), op('add', 'c3', { email: null }), op('add', 'c4', { email: 'cat@example.com' })],
      context(),
    );
    expect(results.map((result) => result.status)).toEqual(['ok', 'rejected', 'rejected', 'ok']);
    expect(results[1]!.error).toMatch(/^ERROR_FAKE_EMAIL: fake@example.com looks fake/);
    expect(results[2]!.error).toBe('no valid email address');
    expect(server.subscribed()).toEqual(['ann@example.com', 'cat@example.com']);
  });

  it('rejects only the row of a person who unsubscribed themselves (compliance state)', async () => {
    server.complianceEmails.add('optout@example.com');
    const results = await destination().send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'OptOut@example.com' })], context());
    expect(results.map((result) => result.status)).toEqual(['ok', 'rejected']);
    expect(results[1]!.error).toContain('compliance state');
    const [single] = await destination().send([op('add', 'c2', { email: 'optout@example.com' })], context());
    expect(single!.error).toMatch(/HTTP 400: Member In Compliance State/);
    expect(server.subscribed()).toEqual(['ann@example.com']);
  });

  it('upserts a single row by subscriber hash (PUT) and rejects it alone when Mailchimp refuses it', async () => {
    const dest = destination();
    expect(await dest.send([op('add', 'c1', { email: 'Dan@Example.com' }, { first_name: 'Dan' })], context())).toEqual([{ key: 'c1', kind: 'add', status: 'ok' }]);
    const put = server.http.requests[0]!;
    expect(put.method).toBe('PUT');
    expect(put.path).toBe(`/3.0/lists/${server.listId}/members/${createHash('md5').update('dan@example.com').digest('hex')}`);
    expect(put.body).toEqual({ email_address: 'dan@example.com', status: 'subscribed', status_if_new: 'subscribed', merge_fields: { FNAME: 'Dan' } });
    server.rejectEmails.add('eve@example.com');
    const [rejected] = await dest.send([op('add', 'c2', { email: 'eve@example.com' })], context());
    expect(rejected!.status).toBe('rejected');
    expect(rejected!.error).toMatch(/HTTP 400: Invalid Resource - eve@example.com looks fake/);
  });

  it('classifies whole-request failures: 429 with and without Retry-After, 5xx, bad key, timeout after apply', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' })];
    server.http.inject({ type: 'rate_limit', retryAfterSeconds: 7 }, { type: 'rate_limit' }, { type: 'server_error', status: 503 });
    const limited = await destinationError(destination().send(batch, context()));
    expect(limited.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 7 });
    expect(limited.details.body).toContain('Too Many Requests');
    const limitedNoHeader = await destinationError(destination().send(batch, context()));
    expect(limitedNoHeader.details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    const unavailable = await destinationError(destination().send(batch, context()));
    expect(unavailable.details).toMatchObject({ status: 503, retryable: true });
    expect(server.subscribed()).toEqual([]);

    const wrongKey = mailchimpDestination.create(mailchimpSettings.parse({ list_id: server.listId, api_key_env: 'K', base_url: baseUrl }), { K: 'wrongwrongwrong-us6' });
    const unauthorized = await destinationError(wrongKey.send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthorized.message).toContain('API Key Invalid');
    expect(`${unauthorized.message} ${unauthorized.details.body}`).not.toContain('wrongwrongwrong');

    server.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    const timedOut = await destinationError(destination().send(batch, context(150)));
    expect(timedOut.details.retryable).toBe(true);
    expect(timedOut.message).toMatch(/timed out after 150 ms/);
    // The write was applied before the answer was lost; resending is idempotent.
    expect(server.subscribed()).toEqual(['ann@example.com', 'bob@example.com']);
    await destination().send(batch, context());
    expect(server.subscribed()).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('the server enforces the 500-member batch limit as a non-retryable 400', async () => {
    const client = new MailchimpClient(baseUrl, server.apiKey);
    const members = Array.from({ length: 501 }, (_, i) => ({ email_address: `m${i}@example.com`, status: 'subscribed' as const }));
    const error = await destinationError(client.batchSubscribe(server.listId, members, context()));
    expect(error.details).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('up to 500 members');
  });

  it('round trip: adds, updates and removes (unsubscribe) leave exactly the wanted members subscribed', async () => {
    const dest = destination({ remove_action: 'unsubscribe' });
    await dest.send(
      [op('add', 'c1', { email: 'ann@example.com' }, { first_name: 'Ann' }), op('add', 'c2', { email: 'bob@example.com' }, { first_name: 'Bob' }), op('add', 'c3', { email: 'cat@example.com' }, { first_name: 'Cat' })],
      context(),
    );
    const second = await dest.send([op('update', 'c2', { email: 'bob@example.com' }, { first_name: 'Robert' }), op('remove', 'c3', { email: 'cat@example.com' }), op('add', 'c4', { email: 'dan@example.com' })], context());
    expect(second.every((result) => result.status === 'ok')).toBe(true);
    expect(server.subscribed()).toEqual(['ann@example.com', 'bob@example.com', 'dan@example.com']);
    expect(server.members.get('bob@example.com')!.merge_fields).toEqual({ FNAME: 'Robert' });
    expect(server.members.get('cat@example.com')!.status).toBe('unsubscribed');
  });

  it('archives removed members with DELETE by default, and can add them again', async () => {
    expect(mailchimpSettings.parse({ list_id: 'x1', api_key_env: 'K' }).remove_action).toBe('archive');
    const dest = destination();
    await dest.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c2', { email: 'bob@example.com' })], context());
    server.http.requests.length = 0;
    const results = await dest.send([op('remove', 'c1', { email: 'ann@example.com' }), op('remove', 'c9', { email: 'never@example.com' })], context());
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok']);
    expect(server.http.requests.map((request) => `${request.method} ${request.path}`).sort()).toEqual(
      [`DELETE /3.0/lists/${server.listId}/members/${subscriberHash('ann@example.com')}`, `DELETE /3.0/lists/${server.listId}/members/${subscriberHash('never@example.com')}`].sort(),
    );
    expect(server.members.get('ann@example.com')!.status).toBe('archived');
    expect(server.subscribed()).toEqual(['bob@example.com']);
    await dest.send([op('add', 'c1', { email: 'ann@example.com' }), op('add', 'c3', { email: 'cat@example.com' })], context());
    expect(server.subscribed()).toEqual(['ann@example.com', 'bob@example.com', 'cat@example.com']);
  });

  it('names the missing environment variable and never asks for the secret in retain.yml', () => {
    const settings = mailchimpSettings.parse({ list_id: 'abc123', api_key_env: 'MAILCHIMP_API_KEY' });
    expect(mailchimpDestination.secretEnv(settings)).toEqual(['MAILCHIMP_API_KEY']);
    expect(() => mailchimpDestination.create(settings, {})).toThrow(ConfigError);
    expect(() => mailchimpDestination.create(settings, {})).toThrow(/MAILCHIMP_API_KEY is not set/);
    expect(mailchimpSettings.safeParse({ list_id: 'abc123', api_key_env: 'abcd-us6' }).success).toBe(false);
  });
});
