/**
 * The destination registry: `type` in retain.yml -> factory. One line per destination.
 */
import type { DestinationFactory } from '../sync/types.js';
import { brazeDestination } from './braze/index.js';
import { fileDestination } from './file/index.js';
import { googleAdsDestination } from './google_ads/index.js';
import { hubspotDestination } from './hubspot/index.js';
import { iterableDestination } from './iterable/index.js';
import { klaviyoDestination } from './klaviyo/index.js';
import { mailchimpDestination } from './mailchimp/index.js';
import { metaDestination } from './meta/index.js';
import { webhookDestination } from './webhook/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory has its own settings type
export const destinationFactories: Record<string, DestinationFactory<any>> = {
  braze: brazeDestination,
  file: fileDestination,
  google_ads: googleAdsDestination,
  hubspot: hubspotDestination,
  iterable: iterableDestination,
  klaviyo: klaviyoDestination,
  mailchimp: mailchimpDestination,
  meta: metaDestination,
  webhook: webhookDestination,
};
