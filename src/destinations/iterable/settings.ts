import { z } from 'zod';
import { baseUrl, envVarName } from '../shared/settings.js';

export const iterableSettings = z.strictObject({
  list_id: z.coerce.number().int().positive().describe('The Iterable static list id'),
  api_key_env: envVarName.describe('Environment variable holding a server-side Iterable API key'),
  base_url: baseUrl.default('https://api.iterable.com').describe('https://api.iterable.com, or https://api.eu.iterable.com for EU projects'),
  identifier: z
    .enum(['email', 'user_id'])
    .default('email')
    .describe('email: identifiers.email; user_id: identifiers.user_id, else the customer key (for userID-based projects)'),
  data_fields: z.boolean().default(true).describe('Send the rendered payload as the user\'s dataFields when subscribing'),
  channel_unsubscribe: z.boolean().default(false).describe('On remove, also unsubscribe the user from the list\'s channel (default: only leave the list)'),
});
export type IterableSettings = z.infer<typeof iterableSettings>;
