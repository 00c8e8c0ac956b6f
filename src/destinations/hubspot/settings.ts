import { z } from 'zod';
import { baseUrl, envVarName } from '../shared/settings.js';

export const hubspotSettings = z.strictObject({
  list_id: z.coerce.string().regex(/^\d+$/, 'expected the numeric id of a MANUAL or SNAPSHOT list').describe('The HubSpot list (ILS list id) the audience is kept in'),
  access_token_env: envVarName.describe('Environment variable holding a private app (or single-account app) access token with crm.objects.contacts.write and crm.lists.write'),
  base_url: baseUrl.default('https://api.hubapi.com'),
  properties: z
    .record(z.string(), z.string().regex(/^[a-z][a-z0-9_]*$/, 'HubSpot property internal names are lowercase letters, digits and _'))
    .optional()
    .describe('Payload field -> contact property internal name (e.g. {first_name: firstname}); payload fields not listed are not sent'),
  rate_limit_per_10s: z.coerce
    .number()
    .int()
    .min(10)
    .max(250)
    .default(100)
    .describe('The account\'s burst limit for this app: 100 a 10 s (Free, Starter), 190 (Professional, Enterprise), 250 (API limit increase)'),
});
export type HubspotSettings = z.infer<typeof hubspotSettings>;
