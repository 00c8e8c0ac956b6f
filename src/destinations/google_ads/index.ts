/**
 * Google Ads Customer Match destination. Each batch (one kind: adds/updates create UserData, removes
 * remove it) becomes its own OfflineUserDataJob: create the job with the consent metadata, add the
 * operations with partial failure on, then run it. A job is only run after its operations were
 * accepted, and an operation is acknowledged only once its job was started, so a crash in between
 * leaves an unrun job that Google discards and the engine resends the batch.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncOperation } from '../../sync/types.js';
import { isRemoveBatch } from '../shared/batch.js';
import { RefreshingAccessToken } from '../shared/oauth.js';
import { requireSecret } from '../shared/settings.js';
import { GoogleAdsClient } from './client.js';
import { jobOperationFor, type MappingOptions, type OfflineUserDataJobOperation } from './mapping.js';
import { googleAdsSettings, type GoogleAdsSettings } from './settings.js';

/**
 * 10,000 members a batch: Google recommends about 10,000 identifiers per AddOfflineUserDataJobOperations
 * call and caps a request at 100,000 (a member here carries at most 2: email and phone). The rate is
 * counted in batches, each three HTTP requests (create, addOperations, run): 2 batches per second is
 * 6 requests and 20,000 members per second, well inside the developer token's limits. Adds and removes
 * go in separate jobs.
 */
export const GOOGLE_ADS_LIMITS: DestinationLimits = { maxBatchSize: 10_000, requestsPerSecond: 2, burst: 2, separateKinds: true };

export class GoogleAdsDestination implements Destination {
  readonly type = 'google_ads';
  readonly limits = GOOGLE_ADS_LIMITS;
  private readonly options: MappingOptions;

  constructor(
    private readonly settings: GoogleAdsSettings,
    private readonly client: GoogleAdsClient,
  ) {
    this.options = { normalizeGmail: settings.normalize_gmail, defaultCallingCode: settings.default_calling_code };
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    isRemoveBatch(batch, this.type);
    const results: OperationResult[] = batch.map((operation) => ({ key: operation.member.key, kind: operation.kind, status: 'ok' }));
    const operations: OfflineUserDataJobOperation[] = [];
    const batchIndexOf: number[] = [];
    batch.forEach((operation, index) => {
      const jobOperation = jobOperationFor(operation, this.options);
      if (jobOperation === null) {
        results[index] = { ...results[index]!, status: 'rejected', error: 'no valid email address or E.164 phone number' };
        return;
      }
      batchIndexOf.push(index);
      operations.push(jobOperation);
    });
    if (operations.length === 0) return results;

    const consent = { adUserData: this.settings.consent.ad_user_data, adPersonalization: this.settings.consent.ad_personalization };
    const job = await this.client.createCustomerMatchJob(this.settings.customer_id, this.settings.user_list_id, consent, ctx);
    const failures = await this.client.addOperations(job, operations, ctx);
    const failed = new Set<number>();
    for (const failure of failures) {
      const element = failure.location?.fieldPathElements?.find((path) => path.fieldName === 'operations');
      const batchIndex = element?.index === undefined ? undefined : batchIndexOf[element.index];
      if (batchIndex === undefined) continue;
      failed.add(batchIndex);
      const code = Object.entries(failure.errorCode ?? {}).map(([family, value]) => `${family}.${value}`).join(', ');
      results[batchIndex] = { ...results[batchIndex]!, status: 'rejected', error: [code, failure.message].filter(Boolean).join(': ') || 'rejected by Google Ads' };
    }
    if (failed.size < operations.length) await this.client.runJob(job, ctx);
    return results;
  }
}

export const googleAdsDestination: DestinationFactory<GoogleAdsSettings> = {
  type: 'google_ads',
  settings: googleAdsSettings,
  secretEnv: (settings) =>
    settings.oauth === undefined
      ? [settings.developer_token_env, settings.access_token_env!]
      : [settings.developer_token_env, settings.oauth.client_id_env, settings.oauth.client_secret_env, settings.oauth.refresh_token_env],
  create(settings, env) {
    const developerToken = requireSecret(env, settings.developer_token_env, 'google_ads');
    const oauth = settings.oauth;
    const accessToken =
      oauth === undefined
        ? requireSecret(env, settings.access_token_env!, 'google_ads')
        : new RefreshingAccessToken({
            tokenUrl: oauth.token_url,
            clientId: requireSecret(env, oauth.client_id_env, 'google_ads'),
            clientSecret: requireSecret(env, oauth.client_secret_env, 'google_ads'),
            refreshToken: requireSecret(env, oauth.refresh_token_env, 'google_ads'),
          });
    const client = new GoogleAdsClient(settings.base_url, settings.api_version, { accessToken, developerToken, loginCustomerId: settings.login_customer_id });
    return new GoogleAdsDestination(settings, client);
  },
};
