import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { WebhookClient } from '../src/destinations/webhook/client.js';
import { webhookDestination } from '../src/destinations/webhook/index.js';
import { deliveryId, membershipDelivery, signature } from '../src/destinations/webhook/mapping.js';
import { webhookSettings } from '../src/destinations/webhook/settings.js';
import type { Destination, SyncEvent } from '../src/sync/types.js';
import { WebhookReceiver } from './servers/webhook.js';
import { context, destinationError, op } from './support/sync-ops.js';

const receiver = new WebhookReceiver();
let url = '';
const env = { RETAIN_WEBHOOK_SECRET: receiver.secret };

function destination(extra: Record<string, unknown> = {}, secrets: NodeJS.ProcessEnv = env): Destination {
  return webhookDestination.create(webhookSettings.parse({ url, secret_env: 'RETAIN_WEBHOOK_SECRET', ...extra }), secrets);
}

function event(name: SyncEvent['name'], key: string, segment: string): SyncEvent {
  return { key, name, segment, occurredAt: '2026-11-29T10:00:00.000Z', identifiers: { email: `${key}@example.com` }, properties: { strategy: 'win_back' }, idempotencyKey: `${name}:${key}:${segment}` };
}

beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.members.clear();
  receiver.events.length = 0;
  receiver.applied.clear();
  receiver.rejectKeys.clear();
  receiver.failWith = undefined;
  receiver.clockSkewSeconds = 0;
  receiver.http.requests.length = 0;
  receiver.http.faults.length = 0;
});

describe('webhook signing (golden vectors)', () => {
  it('signs timestamp + "." + body with HMAC-SHA256 and derives the delivery id from the operation keys', () => {
    // python3: hmac.new(b'whsec-golden', b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    expect(signature('whsec-golden', 1_700_000_000, '{"a":1}')).toBe('v1=34efa40f18b5cd89c9dd988d285fef1023f9e47b5e8543db364f33cb76563d06');
    // python3: 'rtn_' + hashlib.sha256(b'k1\nk2\n').hexdigest()[:48]
    expect(deliveryId(['k1', 'k2'])).toBe('rtn_ed3a189d0972f7e78371b2e24ddba137f5d1083a96065c9b');
    expect(deliveryId(['k2', 'k1'])).not.toBe(deliveryId(['k1', 'k2']));
  });

  it('leaves the payload out of removes, and out of everything when include_payload is false', () => {
    const batch = [op('add', 'c1', { email: 'a@example.com' }, { offer: '10%' }), op('remove', 'c2', { email: 'b@example.com' }, { offer: 'x' })];
    const delivery = membershipDelivery('vip', batch, true);
    expect(delivery.operations).toEqual([
      { kind: 'add', key: 'c1', identifiers: { email: 'a@example.com' }, payload: { offer: '10%' }, idempotency_key: batch[0]!.idempotencyKey },
      { kind: 'remove', key: 'c2', identifiers: { email: 'b@example.com' }, idempotency_key: batch[1]!.idempotencyKey },
    ]);
    expect(membershipDelivery('vip', batch, false).operations[0]).not.toHaveProperty('payload');
  });
});

describe('webhook destination against a verifying receiver', () => {
  it('POSTs one signed delivery per batch that the receiver verifies, with a stable Idempotency-Key', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' }, { offer: '10%' }), op('update', 'c2', { email: 'bob@example.com' }, { offer: '20%' })];
    const results = await destination().send(batch, context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'update', status: 'ok' },
    ]);
    const [request] = receiver.http.requests;
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['idempotency-key']).toBe(deliveryId(batch.map((operation) => operation.idempotencyKey)));
    expect(request!.headers['x-retain-signature']).toBe(signature(receiver.secret, Number(request!.headers['x-retain-timestamp']), request!.text));
    expect(request!.body).toEqual({
      type: 'audience.membership',
      delivery_id: request!.headers['idempotency-key'],
      audience: 'test_audience',
      operations: [
        { kind: 'add', key: 'c1', identifiers: { email: 'ann@example.com' }, payload: { offer: '10%' }, idempotency_key: batch[0]!.idempotencyKey },
        { kind: 'update', key: 'c2', identifiers: { email: 'bob@example.com' }, payload: { offer: '20%' }, idempotency_key: batch[1]!.idempotencyKey },
      ],
    });
    expect(receiver.members.get('c2')).toEqual({ offer: '20%' });
  });

  it('a timeout after the receiver applied the delivery is retryable; the resend carries the same key and is applied once', async () => {
    const batch = [op('add', 'c1', { email: 'ann@example.com' }), op('remove', 'c9', { email: 'gone@example.com' })];
    receiver.http.inject({ type: 'delay_after_apply', ms: 2_000 });
    const timedOut = await destinationError(destination().send(batch, context(150)));
    expect(timedOut.details.retryable).toBe(true);
    expect(receiver.memberKeys()).toEqual(['c1']);
    receiver.members.set('c9', {}); // changed after the first delivery: a replay must not remove it again
    expect((await destination().send(batch, context())).map((result) => result.status)).toEqual(['ok', 'ok']);
    const [first, second] = receiver.http.requests;
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(second!.text).toBe(first!.text);
    expect(receiver.memberKeys()).toEqual(['c1', 'c9']);
  });

  it('rows the receiver refuses are rejected with its message; the rest are acknowledged', async () => {
    receiver.rejectKeys.add('c2');
    const results = await destination().send([op('add', 'c1', {}), op('add', 'c2', {}), op('add', 'c3', {})], context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'add', status: 'rejected', error: 'customer c2 is unknown to the CRM' },
      { key: 'c3', kind: 'add', status: 'ok' },
    ]);
    expect(receiver.memberKeys()).toEqual(['c1', 'c3']);
  });

  it('classifies 429 (with and without Retry-After), 5xx, a refused delivery and a wrong secret, never showing the secret', async () => {
    const batch = [op('add', 'c1', {})];
    receiver.http.inject({ type: 'rate_limit', retryAfterSeconds: 4 }, { type: 'rate_limit' }, { type: 'server_error', status: 502 });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 4 });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: undefined });
    expect((await destinationError(destination().send(batch, context()))).details).toMatchObject({ status: 502, retryable: true });
    receiver.failWith = 410;
    const gone = await destinationError(destination().send(batch, context()));
    expect(gone.details).toMatchObject({ status: 410, retryable: false });
    expect(gone.message).toBe('Webhook receiver answered HTTP 410: receiver refuses deliveries');
    receiver.failWith = undefined;
    const wrongSecret = 'not-the-webhook-secret-42';
    const unauthorized = await destinationError(destination({}, { RETAIN_WEBHOOK_SECRET: wrongSecret }).send(batch, context()));
    expect(unauthorized.details).toMatchObject({ status: 401, retryable: false });
    expect(unauthorized.message).toBe('Webhook receiver answered HTTP 401: signature mismatch');
    expect(`${unauthorized.message} ${unauthorized.details.body} ${JSON.stringify(receiver.http.requests.map((request) => request.headers))}`).not.toContain(wrongSecret);
    expect(receiver.members.size).toBe(0);
  });

  it('a receiver whose clock is more than 5 minutes off refuses the delivery (replay protection)', async () => {
    receiver.clockSkewSeconds = 301;
    const error = await destinationError(destination().send([op('add', 'c1', {})], context()));
    expect(error.message).toBe('Webhook receiver answered HTTP 401: timestamp outside the tolerance');
  });

  it('sends transition events as their own signed delivery; refused events are rejected', async () => {
    receiver.rejectKeys.add('c3');
    const events = [event('segment_entered', 'c1', 'at_risk'), event('segment_exited', 'c2', 'champions'), event('segment_entered', 'c3', 'at_risk')];
    const results = await destination().sendEvents!(events, context());
    expect(results).toEqual([
      { key: 'c1', kind: 'add', status: 'ok' },
      { key: 'c2', kind: 'remove', status: 'ok' },
      { key: 'c3', kind: 'add', status: 'rejected', error: 'customer c3 is unknown to the CRM' },
    ]);
    const [request] = receiver.http.requests;
    expect(request!.headers['idempotency-key']).toBe(deliveryId(events.map((item) => item.idempotencyKey)));
    expect((request!.body as { events: unknown[] }).events[1]).toEqual({
      name: 'segment_exited',
      key: 'c2',
      segment: 'champions',
      occurred_at: '2026-11-29T10:00:00.000Z',
      identifiers: { email: 'c2@example.com' },
      properties: { strategy: 'win_back' },
      idempotency_key: 'segment_exited:c2:champions',
    });
    expect(receiver.events.map((item) => `${item.name}:${item.key}`)).toEqual(['segment_entered:c1', 'segment_exited:c2']);
  });

  it('declares the configured batch size and rate; names the missing secret variable', async () => {
    const limits = destination({ max_batch_size: 250, requests_per_second: 4 }).limits;
    expect(limits).toEqual({ maxBatchSize: 250, requestsPerSecond: 4, burst: 4 });
    const settings = webhookSettings.parse({ url: 'https://hooks.example.com/retain', secret_env: 'RETAIN_WEBHOOK_SECRET' });
    expect(webhookDestination.secretEnv(settings)).toEqual(['RETAIN_WEBHOOK_SECRET']);
    expect(() => webhookDestination.create(settings, {})).toThrow(ConfigError);
    expect(() => webhookDestination.create(settings, {})).toThrow(/RETAIN_WEBHOOK_SECRET is not set/);
    expect(webhookSettings.safeParse({ url: 'ftp://x', secret_env: 'S' }).success).toBe(false);
    // The client signs with an injected clock: two deliveries of the same body 10 s apart differ only in timestamp and signature.
    let now = 1_700_000_000_000;
    const client = new WebhookClient(url, receiver.secret, () => now);
    receiver.clockSkewSeconds = 1_700_000_000 - Math.floor(Date.now() / 1000);
    await client.deliver('{"type":"audience.events","events":[]}', 'k', context());
    now += 10_000;
    await client.deliver('{"type":"audience.events","events":[]}', 'k', context());
    const [first, second] = receiver.http.requests;
    expect(Number(second!.headers['x-retain-timestamp']) - Number(first!.headers['x-retain-timestamp'])).toBe(10);
    expect(second!.headers['x-retain-signature']).not.toBe(first!.headers['x-retain-signature']);
  });
});
