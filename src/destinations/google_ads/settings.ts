import { z } from 'zod';
import { baseUrl, callingCode, envVarName } from '../shared/settings.js';

const customerId = z
  .string()
  .transform((value) => value.replace(/-/g, ''))
  .pipe(z.string().regex(/^\d{10}$/, 'expected a 10-digit Google Ads customer id (dashes allowed)'));

const consentStatus = z.enum(['GRANTED', 'DENIED', 'UNSPECIFIED', 'UNKNOWN']);

const oauthRefresh = z.strictObject({
  client_id_env: envVarName.describe('Environment variable holding the OAuth client id'),
  client_secret_env: envVarName.describe('Environment variable holding the OAuth client secret'),
  refresh_token_env: envVarName.describe('Environment variable holding the refresh token'),
  token_url: baseUrl.default('https://oauth2.googleapis.com/token'),
});

export const googleAdsSettings = z.strictObject({
  customer_id: customerId.describe('The advertiser account that owns the Customer Match list'),
  user_list_id: z.coerce.string().regex(/^\d+$/, 'expected the numeric id of a Customer Match user list').describe('The Customer Match user list id'),
  login_customer_id: customerId.optional().describe('The manager account id, when access goes through a manager account'),
  developer_token_env: envVarName.describe('Environment variable holding the Google Ads developer token'),
  access_token_env: envVarName.optional().describe('Environment variable holding an OAuth 2.0 access token (when something else refreshes it)'),
  oauth: oauthRefresh.optional().describe('Refresh an access token from a refresh token for each sync (instead of access_token_env)'),
  api_version: z.string().regex(/^v\d+$/).default('v26').describe('Google Ads API version'),
  base_url: baseUrl.default('https://googleads.googleapis.com'),
  consent: z
    .strictObject({ ad_user_data: consentStatus, ad_personalization: consentStatus })
    .describe('EU user consent sent with every job (customer_match_user_list_metadata.consent); state what your consent records cover'),
  normalize_gmail: z
    .boolean()
    .default(false)
    .describe('Also drop dots before @ in gmail.com/googlemail.com addresses (Google accepts them either way)'),
  default_calling_code: callingCode.optional(),
}).refine((settings) => (settings.access_token_env === undefined) !== (settings.oauth === undefined), {
  message: 'set exactly one of access_token_env or oauth (client_id_env, client_secret_env, refresh_token_env)',
  path: ['access_token_env'],
});
export type GoogleAdsSettings = z.infer<typeof googleAdsSettings>;
