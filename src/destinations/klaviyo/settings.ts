import { z } from 'zod';
import { baseUrl, callingCode, envVarName } from '../shared/settings.js';

export const klaviyoSettings = z.strictObject({
  list_id: z.string().regex(/^[A-Za-z0-9]+$/, 'expected a Klaviyo list id (e.g. VRgFBd)').describe('The Klaviyo list the audience is kept in'),
  api_key_env: envVarName.describe('Environment variable holding a private API key (scopes lists:write, profiles:write, profiles:read, events:write)'),
  base_url: baseUrl.default('https://a.klaviyo.com'),
  revision: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.pre)?$/, 'expected a Klaviyo API revision date, e.g. 2026-10-15')
    .default('2026-10-15')
    .describe('The revision header every request carries'),
  default_calling_code: callingCode.optional(),
  event_names: z
    .strictObject({
      segment_entered: z.string().min(1).max(127).default('segment_entered'),
      segment_exited: z.string().min(1).max(127).default('segment_exited'),
    })
    .prefault({})
    .describe('Metric names the transition events are recorded under'),
});
export type KlaviyoSettings = z.infer<typeof klaviyoSettings>;
