/**
 * How fast each of the Mailchimp, Iterable, Google Ads and Meta destinations turns full batches into
 * requests against its loopback server (mapping, hashing, JSON, HTTP, server-side validation), compared
 * with the rate it declares. Not a test. Run: npx tsx bench/destination-throughput.ts
 */
import { googleAdsDestination } from '../src/destinations/google_ads/index.js';
import { googleAdsSettings } from '../src/destinations/google_ads/settings.js';
import { iterableDestination } from '../src/destinations/iterable/index.js';
import { iterableSettings } from '../src/destinations/iterable/settings.js';
import { mailchimpDestination } from '../src/destinations/mailchimp/index.js';
import { mailchimpSettings } from '../src/destinations/mailchimp/settings.js';
import { metaDestination } from '../src/destinations/meta/index.js';
import { metaSettings } from '../src/destinations/meta/settings.js';
import type { Destination, SyncOperation } from '../src/sync/types.js';
import { GoogleAdsServer } from '../test/servers/google-ads.js';
import { IterableServer } from '../test/servers/iterable.js';
import { MailchimpServer } from '../test/servers/mailchimp.js';
import { MetaServer } from '../test/servers/meta.js';

const ctx = { audience: 'bench', runId: 'bench', signal: new AbortController().signal, timeoutMs: 60_000 };

function batch(size: number, offset: number): SyncOperation[] {
  return Array.from({ length: size }, (_, i) => {
    const n = offset + i;
    return { kind: 'add', member: { key: `c${n}`, identifiers: { email: `Member.${n}@Example.com`, phone: `+1415${String(5_000_000 + n).padStart(7, '0')}` }, payload: { segment: 'at_risk' } }, idempotencyKey: `k${n}` };
  });
}

async function measure(name: string, destination: Destination, batches: number): Promise<void> {
  const size = destination.limits.maxBatchSize;
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b += 1) await destination.send(batch(size, b * size), ctx);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const declared = destination.limits.requestsPerSecond * size;
  const achieved = (batches * size) / seconds;
  console.log(
    `${name.padEnd(10)} ${batches} batches of ${size}: ${(seconds * 1000 / batches).toFixed(1)} ms a batch, ${Math.round(achieved).toLocaleString('en')} members/s unthrottled; declared rate ${Math.round(declared).toLocaleString('en')} members/s (${(achieved / declared).toFixed(1)}x headroom)`,
  );
}

const mailchimp = new MailchimpServer();
const iterable = new IterableServer();
const google = new GoogleAdsServer();
const meta = new MetaServer();
const [mcUrl, itUrl, gaUrl, metaUrl] = await Promise.all([mailchimp.start(), iterable.start(), google.start(), meta.start()]);
try {
  await measure('mailchimp', mailchimpDestination.create(mailchimpSettings.parse({ list_id: mailchimp.listId, api_key_env: 'K', base_url: mcUrl }), { K: mailchimp.apiKey }), 40);
  await measure('iterable', iterableDestination.create(iterableSettings.parse({ list_id: iterable.listId, api_key_env: 'K', base_url: itUrl }), { K: iterable.apiKey }), 20);
  await measure(
    'google_ads',
    googleAdsDestination.create(
      googleAdsSettings.parse({ customer_id: google.customerId, user_list_id: google.userListId, login_customer_id: google.loginCustomerId, developer_token_env: 'D', access_token_env: 'A', base_url: gaUrl, consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' } }),
      { D: google.developerToken, A: google.accessToken },
    ),
    5,
  );
  await measure('meta', metaDestination.create(metaSettings.parse({ audience_id: meta.audienceId, access_token_env: 'T', base_url: metaUrl }), { T: meta.accessToken }), 3);
} finally {
  await Promise.all([mailchimp.close(), iterable.close(), google.close(), meta.close()]);
}
