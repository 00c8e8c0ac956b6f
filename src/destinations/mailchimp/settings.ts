import { z } from 'zod';
import { baseUrl, envVarName } from '../shared/settings.js';

export const mailchimpSettings = z.strictObject({
  list_id: z.string().regex(/^[A-Za-z0-9]+$/, 'expected a Mailchimp audience (list) id').describe('The Mailchimp audience (list) id'),
  api_key_env: envVarName.describe('Environment variable holding the API key (<key>-<datacenter>, e.g. ...-us6)'),
  base_url: baseUrl
    .optional()
    .describe('Defaults to https://<dc>.api.mailchimp.com/3.0, the datacenter taken from the API key'),
  remove_action: z
    .enum(['archive', 'unsubscribe'])
    .default('archive')
    .describe(
      'archive (default): DELETE the member, who can be re-added later; unsubscribe: batch-set status unsubscribed, which Mailchimp records as an opt-out',
    ),
  merge_fields: z
    .record(z.string(), z.string().regex(/^[A-Z0-9_]{1,10}$/, 'Mailchimp merge tags are up to 10 uppercase letters, digits or _'))
    .optional()
    .describe('Payload field -> merge tag (e.g. {first_name: FNAME}); payload fields not listed are not sent'),
});
export type MailchimpSettings = z.infer<typeof mailchimpSettings>;
