import { z } from 'zod';
import { baseUrl, callingCode, envVarName } from '../shared/settings.js';

export const metaSettings = z.strictObject({
  audience_id: z.coerce.string().regex(/^\d+$/, 'expected the numeric id of a customer-file Custom Audience').describe('The Custom Audience id'),
  access_token_env: envVarName.describe('Environment variable holding a system-user access token with ads_management'),
  app_secret_env: envVarName
    .optional()
    .describe('Environment variable holding the app secret: adds appsecret_proof to every call (needed when the app requires it)'),
  api_version: z.string().regex(/^v\d+\.\d+$/).default('v25.0').describe('Graph API version'),
  base_url: baseUrl.default('https://graph.facebook.com'),
  default_calling_code: callingCode.optional(),
});
export type MetaSettings = z.infer<typeof metaSettings>;
