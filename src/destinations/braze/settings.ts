import { z } from 'zod';
import { envVarName } from '../shared/settings.js';

/** Braze REST endpoints are per instance: https://rest.<instance>.braze.com (or .eu). */
const restEndpoint = z
  .url({ protocol: /^https?$/ })
  .transform((url) => url.replace(/\/+$/, ''))
  .describe('Your instance\'s REST endpoint, e.g. https://rest.iad-01.braze.com');

const membership = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('attribute'),
      attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,254}$/, 'expected a custom attribute name').default('retain_audiences'),
      value: z.string().min(1).max(255).optional().describe('The value added to the array; defaults to the audience name'),
    }),
    z.strictObject({
      type: z.literal('subscription_group'),
      subscription_group_id: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a subscription group id'),
    }),
  ])
  .prefault({ type: 'attribute' })
  .describe('attribute: an array custom attribute holding the audience (add/remove); subscription_group: subscribed/unsubscribed in a subscription group (a consent state: use it only if that is what membership means)');

export const brazeSettings = z.strictObject({
  base_url: restEndpoint,
  api_key_env: envVarName.describe('Environment variable holding a REST API key with users.track'),
  identifier: z.enum(['external_id', 'email']).default('external_id').describe('external_id: identifiers.external_id, else the customer key; email: identifiers.email'),
  membership,
  send_payload: z.boolean().default(true).describe('Send the rendered payload as custom attributes on adds and updates'),
  requests_per_second: z.coerce
    .number()
    .positive()
    .max(1000)
    .default(100)
    .describe('Share of the workspace\'s /users/track limit (3,000 requests per 3 seconds) this sync may use'),
});
export type BrazeSettings = z.infer<typeof brazeSettings>;
