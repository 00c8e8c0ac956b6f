/**
 * How fast each HTTP destination turns full batches into requests against its loopback server
 * (mapping, hashing, JSON, HTTP, server-side validation), twice:
 * - unthrottled: batches back to back, compared with the rate the destination declares;
 * - paced: through the sync engine's token bucket at the declared rate (the initial burst drained
 *   first, so the figure is the sustained rate), which must reach at least 90% of the declared rate.
 * Not a test. Run: npx tsx bench/destination-throughput.ts
 */
import { brazeDestination } from '../src/destinations/braze/index.js';
import { brazeSettings } from '../src/destinations/braze/settings.js';
import { googleAdsDestination } from '../src/destinations/google_ads/index.js';
import { googleAdsSettings } from '../src/destinations/google_ads/settings.js';
import { hubspotDestination } from '../src/destinations/hubspot/index.js';
import { hubspotSettings } from '../src/destinations/hubspot/settings.js';
import { iterableDestination } from '../src/destinations/iterable/index.js';
import { iterableSettings } from '../src/destinations/iterable/settings.js';
import { klaviyoDestination } from '../src/destinations/klaviyo/index.js';
import { klaviyoSettings } from '../src/destinations/klaviyo/settings.js';
import { mailchimpDestination } from '../src/destinations/mailchimp/index.js';
import { mailchimpSettings } from '../src/destinations/mailchimp/settings.js';
import { metaDestination } from '../src/destinations/meta/index.js';
import { metaSettings } from '../src/destinations/meta/settings.js';
import { webhookDestination } from '../src/destinations/webhook/index.js';
import { webhookSettings } from '../src/destinations/webhook/settings.js';
import { TokenBucket } from '../src/sync/pacing.js';
import type { Destination, SyncOperation, SyncOperationKind } from '../src/sync/types.js';
import { BrazeServer } from '../test/servers/braze.js';
import { GoogleAdsServer } from '../test/servers/google-ads.js';
import { HubspotServer } from '../test/servers/hubspot.js';
import { IterableServer } from '../test/servers/iterable.js';
import { KlaviyoServer } from '../test/servers/klaviyo.js';
import { MailchimpServer } from '../test/servers/mailchimp.js';
import { MetaServer } from '../test/servers/meta.js';
import { WebhookReceiver } from '../test/servers/webhook.js';

const ctx = { audience: 'bench', runId: 'bench', signal: new AbortController().signal, timeoutMs: 60_000 };
/** Seconds of sustained, paced sending per destination. */
const PACED_SECONDS = 5;

function batch(size: number, offset: number, kind: SyncOperationKind = 'add'): SyncOperation[] {
  return Array.from({ length: size }, (_, i) => {
    const n = offset + i;
    return { kind, member: { key: `c${n}`, identifiers: { email: `Member.${n}@Example.com`, phone: `+1415${String(5_000_000 + n).padStart(7, '0')}` }, payload: { segment: 'at_risk' } }, idempotencyKey: `${kind}:k${n}` };
  });
}

async function unthrottled(name: string, destination: Destination, batches: number, kind: SyncOperationKind = 'add'): Promise<void> {
  const size = destination.limits.maxBatchSize;
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b += 1) await destination.send(batch(size, b * size, kind), ctx);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const declared = destination.limits.requestsPerSecond * size;
  const achieved = (batches * size) / seconds;
  console.log(
    `${name.padEnd(15)} unthrottled ${batches} batches of ${size}: ${((seconds * 1000) / batches).toFixed(1)} ms a batch, ${Math.round(achieved).toLocaleString('en')} members/s; declared ${Math.round(declared).toLocaleString('en')} members/s (${(achieved / declared).toFixed(1)}x headroom)`,
  );
}

async function paced(name: string, destination: Destination, kind: SyncOperationKind = 'add', offset = 0): Promise<void> {
  const { maxBatchSize: size, requestsPerSecond, burst } = destination.limits;
  const requests = Math.max(10, Math.round(requestsPerSecond * PACED_SECONDS));
  const bucket = TokenBucket.forLimits(destination.limits);
  for (let i = 0; i < burst; i += 1) bucket.take();
  const started = process.hrtime.bigint();
  for (let r = 0; r < requests; r += 1) {
    const wait = bucket.take();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await destination.send(batch(size, offset + r * size, kind), ctx);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const achieved = requests / seconds;
  console.log(
    `${name.padEnd(15)} paced       ${requests} batches of ${size} in ${seconds.toFixed(2)} s: ${achieved.toFixed(2)} batches/s = ${((100 * achieved) / requestsPerSecond).toFixed(1)}% of the declared ${requestsPerSecond}/s (${Math.round(achieved * size).toLocaleString('en')} members/s)`,
  );
}

const mailchimp = new MailchimpServer();
const iterable = new IterableServer();
const google = new GoogleAdsServer();
const meta = new MetaServer();
const klaviyo = new KlaviyoServer();
const webhook = new WebhookReceiver();
const braze = new BrazeServer();
const hubspot = new HubspotServer();
const [mcUrl, itUrl, gaUrl, metaUrl, klUrl, whUrl, brUrl, hsUrl] = await Promise.all([
  mailchimp.start(),
  iterable.start(),
  google.start(),
  meta.start(),
  klaviyo.start(),
  webhook.start(),
  braze.start(),
  hubspot.start(),
]);
try {
  const destinations: Array<[string, Destination, number]> = [
    ['mailchimp', mailchimpDestination.create(mailchimpSettings.parse({ list_id: mailchimp.listId, api_key_env: 'K', base_url: mcUrl }), { K: mailchimp.apiKey }), 40],
    ['iterable', iterableDestination.create(iterableSettings.parse({ list_id: iterable.listId, api_key_env: 'K', base_url: itUrl }), { K: iterable.apiKey }), 20],
    [
      'google_ads',
      googleAdsDestination.create(
        googleAdsSettings.parse({ customer_id: google.customerId, user_list_id: google.userListId, login_customer_id: google.loginCustomerId, developer_token_env: 'D', access_token_env: 'A', base_url: gaUrl, consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' } }),
        { D: google.developerToken, A: google.accessToken },
      ),
      5,
    ],
    ['meta', metaDestination.create(metaSettings.parse({ audience_id: meta.audienceId, access_token_env: 'T', base_url: metaUrl }), { T: meta.accessToken }), 3],
    ['webhook', webhookDestination.create(webhookSettings.parse({ url: whUrl, secret_env: 'S' }), { S: webhook.secret }), 40],
    ['braze', brazeDestination.create(brazeSettings.parse({ base_url: brUrl, api_key_env: 'K' }), { K: braze.apiKey }), 200],
    ['hubspot', hubspotDestination.create(hubspotSettings.parse({ list_id: hubspot.listId, access_token_env: 'T', base_url: hsUrl }), { T: hubspot.token }), 40],
  ];
  for (const [name, destination, batches] of destinations) {
    await unthrottled(name, destination, batches);
    await paced(name, destination);
  }
  const klaviyoDest = klaviyoDestination.create(klaviyoSettings.parse({ list_id: klaviyo.listId, api_key_env: 'K', base_url: klUrl }), { K: klaviyo.apiKey });
  await unthrottled('klaviyo add', klaviyoDest, 10);
  await paced('klaviyo add', klaviyoDest, 'add', 10 * 1000);
  // Removes look the 1,000 profiles up (10 pages of 100) before removing them from the list.
  await unthrottled('klaviyo remove', klaviyoDest, 5, 'remove');
  await paced('klaviyo remove', klaviyoDest, 'remove', 5 * 1000);
  const hubspotDest = hubspotDestination.create(hubspotSettings.parse({ list_id: hubspot.listId, access_token_env: 'T', base_url: hsUrl }), { T: hubspot.token });
  // Removes read the record ids (batch read by email) before removing them from the list.
  await unthrottled('hubspot remove', hubspotDest, 20, 'remove');
  await paced('hubspot remove', hubspotDest, 'remove', 20 * 100);
} finally {
  await Promise.all([mailchimp.close(), iterable.close(), google.close(), meta.close(), klaviyo.close(), webhook.close(), braze.close(), hubspot.close()]);
}
